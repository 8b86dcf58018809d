-- fact_size_limit: per snapshot × side × threshold t (bps), the largest order whose slippage
-- (DESIGN §6: average price vs mid, fees not included) is at most t. Only markets quoted in USD
-- or a USD stablecoin, like fact_fill.
--
-- A buy's average price over its first q units never falls as q grows (each unit costs at
-- least what the ones before did), so "slippage <= t" is "avg <= P" with the limit price
-- P = mid × (1 + t/10000) — mid × (1 − t/10000) and "avg >= P" for a sell. It is solved, not
-- searched: with B base and Q quote of whole levels taken, the order stays within the limit
-- while Q <= P × B. The one level that would break that (Q_before <= P × B_before but
-- Q_before + price × size > P × (B_before + size); its price is past P) is taken in part:
--   (Q_before + price × x) / (B_before + x) = P   ⇒   x = (P × B_before − Q_before) / (price − P).
-- The same x serves a sell (both signs flip). If the best level itself is past P, x = 0: the
-- limit is 0. If no level breaks it, the limit is the whole stored side (book_exhausted).
--
-- $1 bigint[]: snapshots; $2 numeric[]: thresholds in bps. Needs fact_top of the same
-- snapshots. Ratios at 40 decimals, rounded to 18 when stored (as fill.sql does).
with target as (
  select s.snapshot_id, t.mid_price
  from orderbook.fact_snapshot s
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  join orderbook.dim_market m on m.market_id = s.market_id
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd
  where s.snapshot_id = any ($1::bigint[])
),
threshold as (
  select distinct unnest($2::numeric[]) as bps
),
walk as (
  select l.snapshot_id,
         case l.side when 'ask' then 'buy' else 'sell' end as side,
         l.level_no,
         l.price,
         l.size,
         lag(l.price) over w as price_before, -- lag ignores the frame: one window pass for all three
         coalesce(sum(l.price * l.size) over w, 0) as quote_before,
         coalesce(sum(l.size) over w, 0) as base_before
  from orderbook.fact_level l
  where l.snapshot_id in (select snapshot_id from target)
  window w as (partition by l.snapshot_id, l.side order by l.level_no rows between unbounded preceding and 1 preceding)
),
last_level as ( -- from the primary key alone: cheaper than sorting the walk to aggregate it
  select l.snapshot_id, case l.side when 'ask' then 'buy' else 'sell' end as side, max(l.level_no) as level_no
  from orderbook.fact_level l
  where l.snapshot_id in (select snapshot_id from target)
  group by l.snapshot_id, l.side
),
side_total as ( -- the walk's last row holds the side's totals: what came before it, plus itself
  select w.snapshot_id, w.side,
         w.quote_before + w.price * w.size as quote_total,
         w.base_before + w.size as base_total,
         w.level_no as levels,
         w.price as last_price
  from walk w
  join last_level ll on ll.snapshot_id = w.snapshot_id and ll.side = w.side and ll.level_no = w.level_no
),
bound as materialized ( -- the limit price once per threshold, not once per level compared
  select t.snapshot_id, st.side, th.bps, t.mid_price,
         -- Exact (t / 10000 at 40 decimals), then without trailing zeros: the limit is compared
         -- with every level, and numeric arithmetic costs by the digit.
         trim_scale(trim_scale(t.mid_price) * (case st.side when 'buy' then 1 + trim_scale(th.bps::numeric(1000, 40) / 10000)
                                              else 1 - trim_scale(th.bps::numeric(1000, 40) / 10000) end)) as limit_price,
         st.quote_total, st.base_total, st.levels, st.last_price
  from target t
  join side_total st on st.snapshot_id = t.snapshot_id
  cross join threshold th
),
solved as (
  select b.snapshot_id, b.side, b.bps, b.mid_price,
         w.level_no is null as book_exhausted,
         w.level_no, w.price, w.price_before, w.quote_before, w.base_before,
         b.quote_total, b.base_total, b.levels, b.last_price,
         (b.limit_price * w.base_before - w.quote_before)::numeric(1000, 40) / (w.price - b.limit_price) as x
  from bound b
  -- At most one level per threshold breaks the limit: a buy's cumulative Q − P × B falls while
  -- prices are under P and rises once they are past it, so it turns positive once (a sell's, mirrored).
  left join walk w
    on w.snapshot_id = b.snapshot_id
    and w.side = b.side
    and case b.side
          when 'buy' then w.quote_before <= b.limit_price * w.base_before
                      and w.quote_before + w.price * w.size > b.limit_price * (w.base_before + w.size)
          else w.quote_before >= b.limit_price * w.base_before
               and w.quote_before + w.price * w.size < b.limit_price * (w.base_before + w.size)
        end
),
sized as (
  select s.*,
         case when s.book_exhausted then s.quote_total else s.quote_before + s.price * s.x end as notional_exact,
         case when s.book_exhausted then s.base_total else s.base_before + s.x end as base_exact,
         -- The level that breaks the limit is touched only if some of it is taken.
         case when s.book_exhausted then s.levels
              when s.x > 0 then s.level_no
              else s.level_no - 1 end as levels_used,
         case when s.book_exhausted then s.last_price
              when s.x > 0 then s.price
              else s.price_before end as worst_price
  from solved s
),
averaged as (
  select z.*,
         case when z.base_exact > 0 then z.notional_exact::numeric(1000, 40) / z.base_exact end as avg_exact
  from sized z
)
insert into orderbook.fact_size_limit
  (snapshot_id, side, threshold_bps, max_notional_usd, max_base, levels_used, worst_price,
   avg_price, slippage_bps, book_exhausted)
select
  a.snapshot_id,
  a.side,
  a.bps,
  round(a.notional_exact, 18),
  round(a.base_exact, 18),
  a.levels_used,
  a.worst_price,
  round(a.avg_exact, 18),
  round((case a.side when 'buy' then a.avg_exact - a.mid_price else a.mid_price - a.avg_exact end) * 10000 / a.mid_price, 18),
  a.book_exhausted
from averaged a
