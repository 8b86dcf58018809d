-- v_reach: how far from mid each stored book reaches, per snapshot × side, and whether the
-- venue's side went on past it (fact_reach, sql/derive/reach.sql). Kaiko-style nulls — a fill
-- that runs out of book, a size limit that takes the whole stored side — mean either a thin
-- market or a book we did not keep; cut says which: null, the stored side is the venue's whole
-- side; venue_depth_limit, the venue sent as many levels as were asked (depth_limit);
-- levels_within_bps, LEVELS_WITHIN_BPS kept fewer than the venue sent.
create or replace view orderbook.v_reach as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  r.side, f.depth_limit, r.levels_sent, r.levels_stored, r.far_price, t.mid_price, r.reach_bps, r.cut
from orderbook.v_snapshot s
join orderbook.fact_snapshot f on f.snapshot_id = s.snapshot_id
join orderbook.fact_reach r on r.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_reach to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_reach is 'How far from mid each stored book reaches, per snapshot × side, and whether it was cut (by the venue''s depth limit or by LEVELS_WITHIN_BPS): tells "the book is thin" from "we did not capture that far". One row per snapshot × side.';
comment on column orderbook.v_reach.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_reach.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_reach.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_reach.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_reach.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_reach.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_reach.side is 'bid or ask.';
comment on column orderbook.v_reach.depth_limit is 'Levels per side the book request asked of the venue (its default and ceiling applied, e.g. Binance limit, Kraken count, OKX sz, Bybit limit), read from the request URL; null when the venue sends its whole book (Coinbase level 2).';
comment on column orderbook.v_reach.levels_sent is 'Levels the venue sent on this side.';
comment on column orderbook.v_reach.levels_stored is 'Levels stored on this side: those within LEVELS_WITHIN_BPS of mid (the best one always).';
comment on column orderbook.v_reach.far_price is 'Price of the farthest stored level: the lowest stored bid, the highest stored ask.';
comment on column orderbook.v_reach.mid_price is 'Mid price of the snapshot, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_reach.reach_bps is 'How far from mid the stored side reaches, bps: bids (mid − far_price) / mid × 10000, asks (far_price − mid) / mid × 10000 (exact, rounded to 18 decimals).';
comment on column orderbook.v_reach.cut is 'Why the stored side ends at reach_bps, if not with the venue''s book: levels_within_bps (LEVELS_WITHIN_BPS dropped levels the venue sent; it wins when both apply), venue_depth_limit (the venue sent depth_limit levels, so its side may go on). Null: the whole side was captured, past reach_bps the book is empty.';
