-- v_cost_curve: what each size of the COST_CURVE_USD ladder costs on each book, one row per
-- snapshot × side × size: the DESIGN §6 fill (the same as v_execution_cost, at more sizes),
-- with the price columns null where the stored book cannot fill the size (fully_filled false).
create or replace view orderbook.v_cost_curve as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  c.side, c.notional_usd, t.mid_price, c.fully_filled, c.fee_bps,
  case when c.fully_filled then c.all_in_price end as all_in_price,
  case when c.fully_filled then c.avg_price end as avg_price,
  case when c.fully_filled then c.slippage_bps end as slippage_bps,
  -- All-in cost vs mid in bps: slippage and fee together, comparable across venues and sizes.
  case when c.fully_filled then round(
    (case c.side when 'buy' then c.all_in_price - t.mid_price else t.mid_price - c.all_in_price end)
    ::numeric(1000, 40) * 10000 / t.mid_price, 18) end as all_in_cost_bps,
  case when c.fully_filled then c.filled_base end as filled_base,
  case when c.fully_filled then c.fee_usd end as fee_usd,
  case when c.fully_filled then c.worst_price end as worst_price,
  case when c.fully_filled then c.levels_used end as levels_used,
  -- The side walked (buy: asks, sell: bids); left join as in v_execution_cost.
  r.reach_bps,
  case when not c.fully_filled and r.snapshot_id is not null
       then case when r.cut is null then 'book_thin' else 'not_captured' end end as ran_out
from orderbook.v_snapshot s
join orderbook.fact_cost_curve c on c.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
left join orderbook.fact_reach r
  on r.snapshot_id = s.snapshot_id and r.side = case c.side when 'buy' then 'ask' else 'bid' end;
grant select on orderbook.v_cost_curve to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_cost_curve is 'What each COST_CURVE_USD size costs on each book: the DESIGN §6 fill (as v_execution_cost, at more sizes), with price columns null where the stored book cannot fill the size. One row per snapshot × side × size.';
comment on column orderbook.v_cost_curve.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_cost_curve.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_cost_curve.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_cost_curve.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_cost_curve.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_cost_curve.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_cost_curve.side is 'buy (walks the asks from the best) or sell (walks the bids from the best).';
comment on column orderbook.v_cost_curve.notional_usd is 'Order size N in USD (a COST_CURVE_USD value), traded before fees.';
comment on column orderbook.v_cost_curve.mid_price is 'Mid price of the snapshot, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_cost_curve.fully_filled is 'True when the stored book holds N; false: every price column below is null.';
comment on column orderbook.v_cost_curve.fee_bps is 'Taker fee of the venue applied, bps (TAKER_FEE_BPS).';
comment on column orderbook.v_cost_curve.all_in_price is 'Price per base unit fee included: buy avg_price × (1 + fee_bps/10000), sell avg_price × (1 − fee_bps/10000). Null when not fully filled.';
comment on column orderbook.v_cost_curve.avg_price is 'N / filled_base, quote per base, before fees. Null when not fully filled.';
comment on column orderbook.v_cost_curve.slippage_bps is 'Average price against mid, bps, positive = worse than mid: buy (avg_price − mid) / mid × 10000, sell (mid − avg_price) / mid × 10000. Fees not included. Null when not fully filled.';
comment on column orderbook.v_cost_curve.all_in_cost_bps is 'All-in price against mid, bps, slippage and fee together: buy (all_in_price − mid) / mid × 10000, sell (mid − all_in_price) / mid × 10000. Comparable across venues and sizes. Null when not fully filled.';
comment on column orderbook.v_cost_curve.filled_base is 'Base units N buys or sells. Null when not fully filled.';
comment on column orderbook.v_cost_curve.fee_usd is 'Fee in USD: N × fee_bps / 10000. Null when not fully filled.';
comment on column orderbook.v_cost_curve.worst_price is 'Price of the last level touched (the partial one included). Null when not fully filled.';
comment on column orderbook.v_cost_curve.levels_used is 'Levels touched, the partly taken last one included. Null when not fully filled.';
comment on column orderbook.v_cost_curve.reach_bps is 'How far from mid the stored side this order walks reaches (buy: asks, sell: bids), bps (v_reach.reach_bps); null for a snapshot not derived since fact_reach existed.';
comment on column orderbook.v_cost_curve.ran_out is 'Why the size could not be filled (fully_filled false, price columns null): book_thin, the venue''s whole side was captured and holds less than N; not_captured, the side was cut (venue depth limit or LEVELS_WITHIN_BPS, v_reach.cut), so the book may hold N past what we kept. Null when fully filled.';
