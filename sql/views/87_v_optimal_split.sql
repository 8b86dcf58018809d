-- v_optimal_split: the cheapest way to buy (the most proceeds to sell) the quantity that N USD
-- buys (sells), across venues. Per run × base asset × side × size N, one row per competing book
-- (USD and USD-stablecoin quotes, as v_best_venue): how much of the order goes to it, and the
-- order's totals repeated on each row.
--
-- The split. The run's books of one base are merged and walked from the best all-in level
-- price — price × (1 + fee/10000) to buy, price × (1 − fee/10000) to sell, each book's taker
-- fee as its fills were priced — the way fact_fill walks one book: whole levels while the USD
-- traded (price × size, before fees) stays within N, then the part (N − USD before) / price of
-- the next one. The walk ends with a base quantity Q (total_base). Every unit's all-in cost is
-- its level's all-in price, so taking the cheapest units first is the cheapest way to buy Q
-- (the most proceeds for selling Q): no other allocation of Q across these books does better.
--   usd_amount      USD traded on this book (before fees); they sum to N when fully_filled
--   base_amount     base bought or sold there; fee_usd = usd_amount × fee_bps / 10000
--   blended_all_in_price = (Σ usd_amount ± Σ fee_usd) / Q   (+ buy, − sell)
-- The comparison. Each book alone trading the same Q, walked by its own levels: whole levels
-- while their cumulative base stays within Q, then the part Q − base before of the next one;
-- its all-in price = USD of that walk × (1 ± fee/10000) / Q.
--   best_single_*   the book with the best such price (lowest to buy, highest to sell; ties to
--                   the first exchange, market) among those whose stored side holds Q; null
--                   when none does, or when the split itself is not fully_filled (the books
--                   together cannot take N)
--   saving_bps      (single − blended) / single × 10000 to buy, (blended − single) / single ×
--                   10000 to sell: what the split saves on the best venue alone for the same
--                   quantity. One venue alone is one way of allocating Q, so it is never negative
--                   (0 when the split uses one venue). Computed from the prices at 40 decimals,
--                   before they are rounded to 18 for output.
-- Sizes: every size the books were priced at, NOTIONALS_USD (fact_fill) and COST_CURVE_USD
-- (fact_cost_curve). The walk is done when the run's books are derived and kept in fact_split
-- (sql/derive/split.sql), so a run's split stays answerable after its levels are past
-- LEVEL_RETENTION_DAYS; here each book's allocation gets its names and the order's totals.
drop view if exists orderbook.v_optimal_split cascade;
create view orderbook.v_optimal_split as
with allocation as (
  select f.run_id, f.captured_at, b.code as base, f.side, f.notional_usd,
         f.snapshot_id, s.exchange, s.market, s.quote, f.fee_bps,
         f.usd_amount, f.base_exact, f.levels_used, f.worst_price,
         ss.exchange as single_exchange, ss.market as single_market, f.single_exact
  from orderbook.fact_split f
  join orderbook.dim_asset b on b.asset_id = f.base_asset_id
  join orderbook.v_snapshot s on s.snapshot_id = f.snapshot_id and s.run_id = f.run_id
  left join orderbook.v_snapshot ss on ss.snapshot_id = f.single_snapshot_id and ss.run_id = f.run_id
),
total as (
  select v.*,
         v.usd_amount * v.fee_bps / 10000 as fee_usd,
         sum(v.usd_amount) over o as filled_usd,
         sum(v.base_exact) over o as total_base_exact,
         sum(v.usd_amount * v.fee_bps / 10000) over o as total_fee_usd,
         count(*) filter (where v.usd_amount > 0) over o as venues_used
  from allocation v
  window o as (partition by v.run_id, v.base, v.side, v.notional_usd)
),
blended as (
  select t.*,
         (case t.side when 'buy' then t.filled_usd + t.total_fee_usd else t.filled_usd - t.total_fee_usd end)
           ::numeric(1000, 40) / nullif(t.total_base_exact, 0) as blended_exact
  from total t
)
select
  run_id, captured_at, base, side, notional_usd,
  exchange, market, quote, snapshot_id, fee_bps,
  usd_amount,
  round(base_exact, 18) as base_amount,
  fee_usd,
  round(usd_amount::numeric(1000, 40) * 100 / notional_usd, 18) as share_pct,
  levels_used::integer as levels_used,
  worst_price,
  filled_usd,
  round(total_base_exact, 18) as total_base,
  total_fee_usd,
  round(filled_usd::numeric(1000, 40) / nullif(total_base_exact, 0), 18) as blended_avg_price,
  round(blended_exact, 18) as blended_all_in_price,
  filled_usd = notional_usd as fully_filled,
  venues_used::integer as venues_used,
  single_exchange as best_single_exchange,
  single_market as best_single_market,
  round(single_exact, 18) as best_single_all_in_price,
  round(
    case side when 'buy' then single_exact - blended_exact else blended_exact - single_exact end
    * 10000 / single_exact, 18) as saving_bps
from blended;
grant select on orderbook.v_optimal_split to orderbook_reader;
