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
-- the walk then reads only that run's levels; unfiltered, each run × base × side is walked once.
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
order_size as (
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
grp as (
  -- One row per run × base × side, its sizes as arrays: everything below runs once per group
  -- (a lateral subquery), reading only that run's levels, whatever plan the statistics suggest.
  select run_id, base, side, max(captured_at) as captured_at,
         array_agg(notional_usd order by notional_usd) as sizes,
         array_agg(single_exchange order by notional_usd) as single_exchanges,
         array_agg(single_market order by notional_usd) as single_markets,
         array_agg(single_all_in_price order by notional_usd) as single_prices
  from order_size
  group by run_id, base, side
),
allocation as (
  select g.run_id, g.captured_at, g.base, g.side, a.*
  from grp g
  cross join lateral (
    select t.notional_usd, t.snapshot_id, t.exchange, t.market, t.quote, t.fee_bps,
           t.single_exchange, t.single_market, t.single_all_in_price,
           sum(t.usd) as usd_amount,
           sum(t.base_amount) as base_exact,
           sum(t.level) as levels_used,
           case g.side when 'buy' then max(t.price) else min(t.price) end as worst_price
    from (
      select w.snapshot_id, w.exchange, w.market, w.quote, w.fee_bps, n.*,
             least(w.price * w.size, n.notional_usd - w.quote_before) as usd,
             case when w.price * w.size <= n.notional_usd - w.quote_before then w.size
                  else (n.notional_usd - w.quote_before)::numeric(1000, 40) / w.price end as base_amount,
             1 as level,
             w.price
      from (
        -- The group's books merged, best all-in level price first.
        select b.snapshot_id, b.exchange, b.market, b.quote, b.fee_bps, l.price, l.size,
               coalesce(sum(l.price * l.size) over (
                 order by case l.side when 'ask' then l.price * (1 + b.fee_bps / 10000)
                                      else -(l.price * (1 - b.fee_bps / 10000)) end,
                          b.exchange, b.market, l.level_no
                 rows between unbounded preceding and 1 preceding), 0) as quote_before
        from book b
        join orderbook.fact_level l
          on l.snapshot_id = b.snapshot_id and l.side = case g.side when 'buy' then 'ask' else 'bid' end
        where b.run_id = g.run_id and b.base = g.base
      ) w
      -- The sizes this level is (part of): referring to w keeps the walk the outer side.
      cross join lateral (
        select * from unnest(g.sizes, g.single_exchanges, g.single_markets, g.single_prices)
          as z (notional_usd, single_exchange, single_market, single_all_in_price)
        where z.notional_usd > w.quote_before
      ) n
      union all
      -- Every book of the group at every size, so a book the split leaves out shows 0.
      select b.snapshot_id, b.exchange, b.market, b.quote, b.fee_bps, n.*, 0, 0, 0, null
      from book b
      cross join unnest(g.sizes, g.single_exchanges, g.single_markets, g.single_prices)
        as n (notional_usd, single_exchange, single_market, single_all_in_price)
      where b.run_id = g.run_id and b.base = g.base
    ) t
    group by t.notional_usd, t.snapshot_id, t.exchange, t.market, t.quote, t.fee_bps,
             t.single_exchange, t.single_market, t.single_all_in_price
  ) a
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
  levels_used::integer as levels_used,
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
