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
with recursive target as (
  select s.snapshot_id, t.mid_price
  from orderbook.fact_snapshot s
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  join orderbook.dim_market m on m.market_id = s.market_id
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd
  where s.snapshot_id = any ($1::bigint[])
),
bound as materialized ( -- the limit price once per threshold, not once per level compared
  select t.snapshot_id, sd.book_side, sd.side, th.bps, t.mid_price,
         -- Exact (t / 10000 at 40 decimals), then without trailing zeros: the limit is compared
         -- with every level walked, and numeric arithmetic costs by the digit.
         trim_scale(trim_scale(t.mid_price) * (case sd.side when 'buy' then 1 + trim_scale(th.bps::numeric(1000, 40) / 10000)
                                              else 1 - trim_scale(th.bps::numeric(1000, 40) / 10000) end)) as limit_price
  from target t
  cross join (values ('ask', 'buy'), ('bid', 'sell')) as sd (book_side, side)
  cross join (select distinct unnest($2::numeric[]) as bps) th
),
farthest as ( -- the widest threshold's limit: the walk goes on until the average is past it
  select snapshot_id, book_side, side,
         case side when 'buy' then max(limit_price) else min(limit_price) end as limit_price
  from bound
  group by snapshot_id, book_side, side
),
block (snapshot_id, book_side, side, far_limit, first_level, last_level, quote_before, base_before, quote_through, base_through) as (
  -- Each side summed a block of 128 levels at a time, straight from the primary key, and only
  -- while the average so far is within the widest limit: every limit is crossed by then (a
  -- narrower one no later), so a deep book costs the levels its limits reach, and only the
  -- block a limit is crossed in is walked level by level below. Blocks are level_no ranges, so
  -- this relies on each side being numbered 1..n without gaps (load.ts numbers them with
  -- ordinality): a gap as wide as a block would end the walk early, as if the side ran out.
  select f.snapshot_id, f.book_side, f.side, f.limit_price, 1, b.last_level, 0::numeric, 0::numeric, b.quote, b.base
  from farthest f
  cross join lateral (
    select max(l.level_no) as last_level, sum(l.price * l.size) as quote, sum(l.size) as base
    from orderbook.fact_level_all l
    where l.snapshot_id = f.snapshot_id and l.side = f.book_side and l.level_no between 1 and 128
  ) b
  where b.last_level is not null
  union all
  select w.snapshot_id, w.book_side, w.side, w.far_limit, w.last_level + 1, b.last_level,
         w.quote_through, w.base_through, w.quote_through + b.quote, w.base_through + b.base
  from block w
  cross join lateral (
    select max(l.level_no) as last_level, sum(l.price * l.size) as quote, sum(l.size) as base
    from orderbook.fact_level_all l
    where l.snapshot_id = w.snapshot_id and l.side = w.book_side and l.level_no between w.last_level + 1 and w.last_level + 128
  ) b
  where b.last_level is not null
    and case w.side when 'buy' then w.quote_through <= w.far_limit * w.base_through
                    else w.quote_through >= w.far_limit * w.base_through end
),
side_total as (
  -- The last block summed. When a limit is never crossed the blocks ran to the end of the side,
  -- so these are its totals (used only then).
  select st.*, last.price as last_price
  from (
    select distinct on (snapshot_id, side)
           snapshot_id, book_side, side, quote_through as quote_total, base_through as base_total, last_level as levels
    from block
    order by snapshot_id, side, last_level desc
  ) st
  join orderbook.fact_level_all last
    on last.snapshot_id = st.snapshot_id and last.side = st.book_side and last.level_no = st.levels
),
crossed_block as (
  -- Per threshold, the first block after which the average is past its limit: the crossing
  -- level is in it. None: the limit is never crossed.
  select distinct on (b.snapshot_id, b.side, b.bps)
         b.snapshot_id, b.book_side, b.side, b.bps, b.limit_price, k.first_level, k.last_level, k.quote_before, k.base_before
  from bound b
  join block k
    on k.snapshot_id = b.snapshot_id
    and k.side = b.side
    and case b.side when 'buy' then k.quote_through > b.limit_price * k.base_through
                    else k.quote_through < b.limit_price * k.base_through end
  order by b.snapshot_id, b.side, b.bps, k.last_level
),
walk as (
  -- The crossing block level by level, each with what the levels before it hold, and the price
  -- of the level before it (its price is the worst when none of the crossing level is taken):
  -- the walk starts one level early for that, and the sums leave that level out.
  select c.snapshot_id, c.side, c.bps, c.limit_price, c.first_level, l.level_no, l.price, l.size,
         lag(l.price) over before as price_before, -- lag ignores the frame
         c.quote_before + coalesce(sum(l.price * l.size) filter (where l.level_no >= c.first_level) over before, 0) as quote_before,
         c.base_before + coalesce(sum(l.size) filter (where l.level_no >= c.first_level) over before, 0) as base_before
  from crossed_block c
  join orderbook.fact_level_all l
    on l.snapshot_id = c.snapshot_id and l.side = c.book_side and l.level_no between c.first_level - 1 and c.last_level
  window before as (partition by c.snapshot_id, c.side, c.bps order by l.level_no rows between unbounded preceding and 1 preceding)
),
crossing as materialized ( -- once, not once per threshold joined below
  -- The one level of the block that breaks the limit: a buy's cumulative Q − P × B falls while
  -- prices are under P and rises once they are past it, so it turns positive once (a sell's, mirrored).
  select w.*
  from walk w
  where w.level_no >= w.first_level
    and case w.side
          when 'buy' then w.quote_before <= w.limit_price * w.base_before
                      and w.quote_before + w.price * w.size > w.limit_price * (w.base_before + w.size)
          else w.quote_before >= w.limit_price * w.base_before
               and w.quote_before + w.price * w.size < w.limit_price * (w.base_before + w.size)
        end
),
solved as (
  select b.snapshot_id, b.side, b.bps, b.mid_price,
         w.level_no is null as book_exhausted,
         w.level_no, w.price, w.price_before,
         w.quote_before, w.base_before,
         st.quote_total, st.base_total, st.levels, st.last_price,
         (b.limit_price * w.base_before - w.quote_before)::numeric(1000, 40) / (w.price - b.limit_price) as x
  from bound b
  join side_total st on st.snapshot_id = b.snapshot_id and st.side = b.side
  left join crossing w on w.snapshot_id = b.snapshot_id and w.side = b.side and w.bps = b.bps
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
-- In primary-key order: its entries then go in at the index's right edge and its pages fill,
-- instead of splitting half-full as rows out of order do (books that finish out of id order are
-- absorbed by the index's default fillfactor: migration 0022).
order by a.snapshot_id, a.side, a.bps
