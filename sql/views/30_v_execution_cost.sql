-- v_execution_cost: what buying or selling each NOTIONALS_USD amount costs, fee included, one
-- row per snapshot × side × notional (markets quoted in USD or a USD stablecoin).
create or replace view orderbook.v_execution_cost as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  f.side, f.notional_usd, f.filled_base, f.avg_price, f.worst_price, f.levels_used,
  f.slippage_bps, f.fee_bps, f.fee_usd, f.all_in_price, f.fully_filled,
  t.mid_price,
  -- The side walked (buy: asks, sell: bids); a left join, so a snapshot derived before fact_reach
  -- existed keeps its row (null reach) until a derive-only backfill.
  r.reach_bps,
  case when not f.fully_filled and r.snapshot_id is not null
       then case when r.cut is null then 'book_thin' else 'not_captured' end end as ran_out
from orderbook.v_snapshot s
join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
left join orderbook.fact_reach r
  on r.snapshot_id = s.snapshot_id and r.side = case f.side when 'buy' then 'ask' else 'bid' end;
grant select on orderbook.v_execution_cost to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_execution_cost is 'What buying or selling each NOTIONALS_USD amount costs on each book, fee included (DESIGN §6 fill). One row per snapshot × side × notional; markets quoted in USD or a USD stablecoin only.';
comment on column orderbook.v_execution_cost.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_execution_cost.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_execution_cost.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_execution_cost.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_execution_cost.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_execution_cost.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_execution_cost.side is 'buy (walks the asks from the best) or sell (walks the bids from the best).';
comment on column orderbook.v_execution_cost.notional_usd is 'Order size N in USD (a NOTIONALS_USD value), traded before fees; USD stablecoins count 1:1.';
comment on column orderbook.v_execution_cost.filled_base is 'Base units the order gets: whole levels while cumulative price × size <= N, then (N − quote so far) / price of the next. If the book cannot fill N: the whole stored side.';
comment on column orderbook.v_execution_cost.avg_price is 'Average execution price before fees, quote per base: N / filled_base (book cannot fill: Σ price × size / Σ size).';
comment on column orderbook.v_execution_cost.worst_price is 'Price of the last level touched (the partial one included).';
comment on column orderbook.v_execution_cost.levels_used is 'Levels touched, the partly taken last one included.';
comment on column orderbook.v_execution_cost.slippage_bps is 'Average price against mid, bps, positive = worse than mid: buy (avg_price − mid) / mid × 10000, sell (mid − avg_price) / mid × 10000. Fees not included.';
comment on column orderbook.v_execution_cost.fee_bps is 'Taker fee of the venue applied, bps (TAKER_FEE_BPS).';
comment on column orderbook.v_execution_cost.fee_usd is 'Fee in USD: N × fee_bps / 10000.';
comment on column orderbook.v_execution_cost.all_in_price is 'Price per base unit fee included: buy avg_price × (1 + fee_bps/10000), sell avg_price × (1 − fee_bps/10000).';
comment on column orderbook.v_execution_cost.fully_filled is 'True when the stored book holds N; false: the fill is priced over the whole side and never wins v_best_venue.';
comment on column orderbook.v_execution_cost.mid_price is 'Mid price of the snapshot, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_execution_cost.reach_bps is 'How far from mid the stored side this order walks reaches (buy: asks, sell: bids), bps (v_reach.reach_bps); null for a snapshot not derived since fact_reach existed.';
comment on column orderbook.v_execution_cost.ran_out is 'Why the order could not be filled (fully_filled false): book_thin, the venue''s whole side was captured and holds less than N; not_captured, the side was cut (venue depth limit or LEVELS_WITHIN_BPS, v_reach.cut), so the book may hold N past what we kept. Null when fully filled.';
