-- Captured reach (issue 16). A fill that runs out of book, or a size limit that takes the whole
-- stored side, means either that the market is that thin or that we did not keep that much of
-- it: the venue sent only the levels we asked for, or LEVELS_WITHIN_BPS cut what it sent. The
-- warehouse now keeps what tells the two apart.

-- The levels per side the book request asked for, as the venue reads it (its default and its
-- ceiling applied): each venue's book format reads it from the request URL of the raw envelope
-- (depthLimit in src/venues/<venue>/book.ts), so a backfill from raw records it exactly. Null:
-- the venue sends its whole book (Coinbase level 2).
alter table orderbook.fact_snapshot
  add column depth_limit integer constraint fact_snapshot_depth_limit_check check (depth_limit >= 1);

comment on column orderbook.fact_snapshot.depth_limit is 'Levels per side the book request asked of the venue (its default and ceiling applied), read from the request URL; null when the venue sends its whole book (Coinbase level 2). A side with this many levels may go on past what was sent.';

-- Books loaded before this migration have no URL here to read it from; their requests were
-- the ones the clients have always made: Kraken count=500, OKX books-full sz=5000, Bybit
-- limit=1000, Coinbase level=2 (whole book), Binance limit=BINANCE_DEPTH_LIMIT, whose value then
-- this migration cannot know: its default, 5000 (also Binance's ceiling). A warehouse that ran
-- Binance with another limit gets the exact value by rebuilding from raw (npm run backfill into
-- an empty warehouse), as every load records it from the object's own URL.
update orderbook.fact_snapshot s
set depth_limit = v.depth_limit
from orderbook.dim_market m
join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
join (values ('binance', 5000), ('kraken', 500), ('okx', 5000), ('bybit', 1000)) as v (code, depth_limit)
  on v.code = e.code
where m.market_id = s.market_id;

-- Per snapshot × side, how far the stored book reaches and whether it was cut (derived at derive
-- time by sql/derive/reach.sql, kept forever like the other derived facts: it outlives the
-- levels it is computed from).
create table orderbook.fact_reach (
  snapshot_id   bigint not null references orderbook.fact_snapshot on delete cascade,
  side          text not null check (side in ('bid', 'ask')),
  levels_sent   integer not null,
  levels_stored integer not null,
  far_price     numeric not null,
  reach_bps     numeric not null,
  cut           text check (cut in ('venue_depth_limit', 'levels_within_bps')),
  primary key (snapshot_id, side) with (fillfactor = 100)
);

comment on table orderbook.fact_reach is 'Per snapshot × side, how far from mid the stored book reaches and whether it was cut (sql/derive/reach.sql). Kept forever, like the other derived facts.';
comment on column orderbook.fact_reach.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id).';
comment on column orderbook.fact_reach.side is 'bid or ask.';
comment on column orderbook.fact_reach.levels_sent is 'Levels the venue sent on this side (fact_snapshot.bid_levels / ask_levels).';
comment on column orderbook.fact_reach.levels_stored is 'Levels stored on this side (those within LEVELS_WITHIN_BPS of mid; the best one always).';
comment on column orderbook.fact_reach.far_price is 'Price of the farthest stored level: the lowest stored bid, the highest stored ask.';
comment on column orderbook.fact_reach.reach_bps is 'Distance of far_price from mid, bps: bids (mid − far_price) / mid × 10000, asks (far_price − mid) / mid × 10000, rounded to 18 decimals.';
comment on column orderbook.fact_reach.cut is 'Why the stored side ends where it does, if not with the venue''s book: levels_within_bps (LEVELS_WITHIN_BPS dropped levels the venue sent), venue_depth_limit (the venue sent as many levels as were asked, fact_snapshot.depth_limit, so its book may go on). Null: the side stored is the venue''s whole side.';
