-- v_book_levels: every stored level of every book with the cumulative base and USD (quote) up
-- to and including it from the best level — the data of a depth chart — and its distance
-- from mid in bps. One row per snapshot × side × level; filter on snapshot_id, or on any
-- other column of the snapshot (exchange, market, base, quote, captured_at).
create or replace view orderbook.v_book_levels as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  l.side, l.level_no, l.price, l.size, l.order_count, l.cum_base, l.cum_quote,
  round((case l.side when 'ask' then l.price - t.mid_price else t.mid_price - l.price end)
        ::numeric(1000, 40) * 10000 / t.mid_price, 18) as distance_bps
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
-- The running sums per snapshot, beside it: a filter on the snapshot's columns chooses the
-- snapshots before any level is read, and each one's levels come in key order (no sort).
cross join lateral (
  select lv.side, lv.level_no, lv.price, lv.size, lv.order_count,
         sum(lv.size) over w as cum_base,
         sum(lv.price * lv.size) over w as cum_quote
  from orderbook.fact_level_all lv
  where lv.snapshot_id = s.snapshot_id
  window w as (partition by lv.side order by lv.level_no)
) l;
grant select on orderbook.v_book_levels to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_book_levels is 'Every stored level of every book with cumulative base and quote from the best level (the data of a depth chart) and its distance from mid. One row per snapshot × side × level; filter on snapshot_id or the snapshot''s columns.';
comment on column orderbook.v_book_levels.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_book_levels.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_book_levels.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_book_levels.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_book_levels.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_book_levels.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_book_levels.side is 'bid or ask.';
comment on column orderbook.v_book_levels.level_no is 'Level number on its side, 1 = best (bids by price descending, asks ascending).';
comment on column orderbook.v_book_levels.price is 'Price of the level, quote per base.';
comment on column orderbook.v_book_levels.size is 'Size resting at the level, base units.';
comment on column orderbook.v_book_levels.order_count is 'Orders at the level as the venue reports them (Coinbase, OKX); null where it does not (Binance, Kraken, Bybit).';
comment on column orderbook.v_book_levels.cum_base is 'Σ size from level 1 up to and including this one, base units.';
comment on column orderbook.v_book_levels.cum_quote is 'Σ price × size from level 1 up to and including this one, quote units.';
comment on column orderbook.v_book_levels.distance_bps is 'Distance from mid, bps, positive away from mid: ask (price − mid) / mid × 10000, bid (mid − price) / mid × 10000.';
