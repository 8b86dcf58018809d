-- v_latest: the newest snapshot of each market with its top of book and its fills, one row per
-- market × side × notional (a market without USD fills still has one row, fill columns null).
create or replace view orderbook.v_latest as
with newest as (
  -- One index probe per market on (market_id, received_at), not a sort of all history.
  select s.*
  from orderbook.dim_market m
  cross join lateral (
    select * from orderbook.v_snapshot v
    where v.market_id = m.market_id
    order by v.captured_at desc, v.snapshot_id desc
    limit 1
  ) s
)
select
  n.exchange, n.market, n.base, n.quote, n.snapshot_id, n.captured_at, n.run_id,
  t.best_bid, t.best_ask, t.mid_price, t.spread, t.spread_bps,
  f.side, f.notional_usd, f.avg_price, f.all_in_price, f.slippage_bps, f.fee_usd, f.fully_filled
from newest n
left join orderbook.fact_top t on t.snapshot_id = n.snapshot_id
left join orderbook.fact_fill f on f.snapshot_id = n.snapshot_id;
grant select on orderbook.v_latest to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_latest is 'The newest snapshot of each market with its top of book and its fills. One row per market × side × notional (a market without USD fills has one row with the fill columns null).';
comment on column orderbook.v_latest.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_latest.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_latest.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_latest.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_latest.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_latest.captured_at is 'When the newest response of the market arrived, UTC.';
comment on column orderbook.v_latest.run_id is 'The run that fetched the book (etl_run.run_id, a time-ordered UUIDv7; see v_run).';
comment on column orderbook.v_latest.best_bid is 'Highest bid price, quote per base.';
comment on column orderbook.v_latest.best_ask is 'Lowest ask price, quote per base.';
comment on column orderbook.v_latest.mid_price is 'Mid price, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_latest.spread is 'best_ask − best_bid, quote units.';
comment on column orderbook.v_latest.spread_bps is 'Spread relative to mid, bps: spread / mid_price × 10000.';
comment on column orderbook.v_latest.side is 'buy (walks the asks from the best) or sell (walks the bids from the best). Null when the market has no fills.';
comment on column orderbook.v_latest.notional_usd is 'Order size N in USD (a NOTIONALS_USD value), traded before fees; USD stablecoins count 1:1.';
comment on column orderbook.v_latest.avg_price is 'Average execution price before fees, quote per base: N / filled_base (book cannot fill: Σ price × size / Σ size).';
comment on column orderbook.v_latest.all_in_price is 'Price per base unit fee included: buy avg_price × (1 + fee_bps/10000), sell avg_price × (1 − fee_bps/10000).';
comment on column orderbook.v_latest.slippage_bps is 'Average price against mid, bps, positive = worse than mid: buy (avg_price − mid) / mid × 10000, sell (mid − avg_price) / mid × 10000. Fees not included.';
comment on column orderbook.v_latest.fee_usd is 'Fee in USD: N × fee_bps / 10000.';
comment on column orderbook.v_latest.fully_filled is 'True when the stored book holds N; false: the fill is priced over the whole side and never wins v_best_venue.';
