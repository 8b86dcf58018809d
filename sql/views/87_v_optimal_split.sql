-- v_optimal_split: the cheapest way to split an order across venues. Per run × base asset ×
-- side × size, one row per competing book (USD and USD-stablecoin quotes, as v_best_venue):
-- how much of the order goes to it, and the order's totals repeated on each row.
--
-- The run's books of one base are merged and walked from the best all-in level price —
-- price × (1 + fee/10000) to buy, price × (1 − fee/10000) to sell, each book's taker fee as its
-- fills were priced — the way fact_fill walks one book: whole levels while the USD traded
-- (price × size, before fees) stays within N, then the part (N − USD before) / price of the
-- next one. Taking the lowest all-in price first is the cheapest way to buy (the most proceeds
-- for selling) the base quantity the walk ends with: no other split of that quantity costs less.
--   usd_amount      USD traded on this book (before fees); they sum to N when fully_filled
--   base_amount     base bought or sold there; fee_usd = usd_amount × fee_bps / 10000
--   blended_all_in_price = (Σ usd_amount ± Σ fee_usd) / Σ base_amount   (+ buy, − sell)
--   best_single_*   the best book alone at the same N: v_best_venue's winner (fully filled only)
--   saving_bps      (single − blended) / single × 10000 to buy, (blended − single) / single ×
--                   10000 to sell: what the split saves on the best single venue's all-in price
-- Sizes: every size the books were priced at, NOTIONALS_USD (fact_fill) and COST_CURVE_USD
-- (fact_cost_curve), so each split has its single-venue comparison. Filter on run_id (and base):
-- the walk then reads only that run's levels.
drop view if exists orderbook.v_optimal_split cascade;
create view orderbook.v_optimal_split as
with book as not materialized (
  select s.run_id, s.captured_at, s.base, s.quote, s.exchange, s.market, s.snapshot_id, fee.fee_bps
  from orderbook.v_snapshot s
  cross join lateral (
    select f.fee_bps from orderbook.fact_fill f where f.snapshot_id = s.snapshot_id limit 1
  ) fee
  where s.quote_is_usd
),
order_size as not materialized (
  -- Sizes in both tables are the same fill twice: harmless to a minimum.
  select b.run_id, b.base, f.side, f.notional_usd,
         max(b.captured_at) as captured_at,
         (array_agg(b.exchange order by case when f.side = 'buy' then f.all_in_price else -f.all_in_price end,
                    b.exchange, b.market) filter (where f.fully_filled))[1] as single_exchange,
         (array_agg(b.market order by case when f.side = 'buy' then f.all_in_price else -f.all_in_price end,
                    b.exchange, b.market) filter (where f.fully_filled))[1] as single_market,
         case when f.side = 'buy' then min(f.all_in_price) filter (where f.fully_filled)
              else max(f.all_in_price) filter (where f.fully_filled) end as single_all_in_price
  from book b
  join (
    select snapshot_id, side, notional_usd, all_in_price, fully_filled from orderbook.fact_fill
    union all
    select snapshot_id, side, notional_usd, all_in_price, fully_filled from orderbook.fact_cost_curve
  ) f on f.snapshot_id = b.snapshot_id
  group by b.run_id, b.base, f.side, f.notional_usd
),
level as (
  select b.run_id, b.base, b.snapshot_id, b.fee_bps, l.side as book_side, l.level_no, l.price, l.size,
         coalesce(sum(l.price * l.size) over w, 0) as quote_before
  from book b
  join orderbook.fact_level l on l.snapshot_id = b.snapshot_id
  window w as (
    partition by b.run_id, b.base, l.side
    order by case l.side when 'ask' then l.price * (1 + b.fee_bps / 10000)
                         else -(l.price * (1 - b.fee_bps / 10000)) end,
             b.exchange, b.market, l.level_no
    rows between unbounded preceding and 1 preceding)
),
taken as (
  select o.run_id, o.base, o.side, o.notional_usd, l.snapshot_id, l.price,
         least(l.price * l.size, o.notional_usd - l.quote_before) as usd,
         case when l.price * l.size <= o.notional_usd - l.quote_before then l.size
              else (o.notional_usd - l.quote_before)::numeric(1000, 40) / l.price end as base_amount
  from order_size o
  join level l
    on l.run_id = o.run_id and l.base = o.base
    and l.book_side = case o.side when 'buy' then 'ask' else 'bid' end
    and l.quote_before < o.notional_usd
),
allocation as (
  select run_id, base, side, notional_usd, snapshot_id,
         sum(usd) as usd, sum(base_amount) as base_amount, count(*) as levels_used,
         case side when 'buy' then max(price) else min(price) end as worst_price
  from taken
  group by run_id, base, side, notional_usd, snapshot_id
),
venue as (
  select o.run_id, o.captured_at, o.base, o.side, o.notional_usd,
         b.exchange, b.market, b.quote, b.snapshot_id, b.fee_bps,
         coalesce(a.usd, 0) as usd_amount,
         coalesce(a.base_amount, 0) as base_exact,
         coalesce(a.usd, 0) * b.fee_bps / 10000 as fee_usd,
         coalesce(a.levels_used, 0)::integer as levels_used,
         a.worst_price,
         o.single_exchange, o.single_market, o.single_all_in_price
  from order_size o
  join book b on b.run_id = o.run_id and b.base = o.base
  left join allocation a
    on a.run_id = o.run_id and a.base = o.base and a.side = o.side
    and a.notional_usd = o.notional_usd and a.snapshot_id = b.snapshot_id
),
total as (
  select v.*,
         sum(v.usd_amount) over o as filled_usd,
         sum(v.base_exact) over o as total_base_exact,
         sum(v.fee_usd) over o as total_fee_usd,
         count(*) filter (where v.usd_amount > 0) over o as venues_used
  from venue v
  window o as (partition by v.run_id, v.base, v.side, v.notional_usd)
),
blended as (
  select t.*,
         round((case t.side when 'buy' then t.filled_usd + t.total_fee_usd else t.filled_usd - t.total_fee_usd end)
               ::numeric(1000, 40) / nullif(t.total_base_exact, 0), 18) as blended_all_in_price
  from total t
)
select
  run_id, captured_at, base, side, notional_usd,
  exchange, market, quote, snapshot_id, fee_bps,
  usd_amount,
  round(base_exact, 18) as base_amount,
  fee_usd,
  round(usd_amount::numeric(1000, 40) * 100 / notional_usd, 18) as share_pct,
  levels_used,
  worst_price,
  filled_usd,
  round(total_base_exact, 18) as total_base,
  total_fee_usd,
  round(filled_usd::numeric(1000, 40) / nullif(total_base_exact, 0), 18) as blended_avg_price,
  blended_all_in_price,
  filled_usd = notional_usd as fully_filled,
  venues_used::integer as venues_used,
  single_exchange as best_single_exchange,
  single_market as best_single_market,
  single_all_in_price as best_single_all_in_price,
  round(
    case side when 'buy' then single_all_in_price - blended_all_in_price
              else blended_all_in_price - single_all_in_price end
    ::numeric(1000, 40) * 10000 / single_all_in_price, 18) as saving_bps
from blended;
grant select on orderbook.v_optimal_split to orderbook_reader;
