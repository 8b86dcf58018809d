-- fact_fill (DESIGN §6): what an order of N USD costs, walking the stored book from the best
-- level: whole levels while cumulative price * size <= N, then (N - cum_quote) / price of the
-- next one. Buy walks asks, sell walks bids. Only markets quoted in USD or a USD stablecoin.
--   avg_price = N / filled_base; worst_price = last level touched; levels_used counts it;
--   slippage_bps = (avg - mid) / mid * 10000 for buy, (mid - avg) / mid * 10000 for sell;
--   fee_usd = N * fee_bps / 10000; all_in_price = avg * (1 ± fee_bps / 10000).
-- A book that cannot fill N: fully_filled = false, filled_base = all of the side,
-- avg_price = sum(price * size) / sum(size), and the fee is on what was actually traded.
-- $1 bigint[]: snapshots; $2 numeric[]: notionals; $3 text[] + $4 numeric[]: fee bps by exchange.
-- Needs fact_top of the same snapshots. Ratios at 40 decimals, rounded to 18 when stored.
-- A query, not an insert: derive.ts stores its rows in fact_fill (NOTIONALS_USD) and in
-- fact_cost_curve (COST_CURVE_USD), so both tables hold the one definition of a fill. Its
-- output columns are named as in those tables, and derive.ts copies them by name.
with recursive target as (
  select s.snapshot_id, t.mid_price, fee.fee_bps
  from orderbook.fact_snapshot s
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  join orderbook.dim_market m on m.market_id = s.market_id
  join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd
  join unnest($3::text[], $4::numeric[]) as fee (code, fee_bps) on fee.code = e.code
  where s.snapshot_id = any ($1::bigint[])
),
notional as (
  select distinct unnest($2::numeric[]) as n
),
walk (snapshot_id, book_side, side, level_no, price, size, quote_before, base_before, chunk_end, width) as (
  -- Each level with what the levels before it hold: the level that completes N is the one with
  -- quote_before < N <= quote_before + price * size. The walk reads each side in chunks of
  -- levels (64, then twice as many each time, straight from the primary key) and goes on only
  -- while the largest N is not yet reached: a deep book costs the levels an order can reach,
  -- not all of its tens of thousands. Levels are numbered 1..n on every side.
  select t.snapshot_id, sd.book_side, sd.side, l.level_no, l.price, l.size,
         coalesce(sum(l.price * l.size) over before, 0),
         coalesce(sum(l.size) over before, 0),
         lead(l.level_no) over before is null,
         64
  from target t
  cross join (values ('ask', 'buy'), ('bid', 'sell')) as sd (book_side, side)
  join orderbook.fact_level_all l on l.snapshot_id = t.snapshot_id and l.side = sd.book_side and l.level_no <= 64
  window before as (partition by t.snapshot_id, sd.side order by l.level_no rows between unbounded preceding and 1 preceding)
  union all
  select w.snapshot_id, w.book_side, w.side, l.level_no, l.price, l.size,
         w.quote_before + w.price * w.size + coalesce(sum(l.price * l.size) over before, 0),
         w.base_before + w.size + coalesce(sum(l.size) over before, 0),
         lead(l.level_no) over before is null,
         w.width * 2
  from walk w
  join orderbook.fact_level_all l
    on l.snapshot_id = w.snapshot_id and l.side = w.book_side
    and l.level_no > w.level_no and l.level_no <= w.level_no + w.width * 2
  where w.chunk_end and w.quote_before + w.price * w.size < (select max(n) from notional)
  window before as (partition by w.snapshot_id, w.side order by l.level_no rows between unbounded preceding and 1 preceding)
),
side_total as (
  -- The last level walked (the last row of the last chunk). When some N is more than the side
  -- holds, the walk ran to the end of the side, so this is its last level and these its totals.
  select distinct on (snapshot_id, side)
         snapshot_id, side,
         quote_before + price * size as quote_total,
         base_before + size as base_total,
         level_no as levels,
         price as last_price
  from walk
  where chunk_end
  order by snapshot_id, side, level_no desc
),
fill as (
  select t.snapshot_id, st.side, notional.n, t.mid_price, t.fee_bps,
         w.level_no is not null as fully_filled,
         -- Kept at 40 decimals until the end, so a fill inside one level averages exactly its price.
         case when w.level_no is not null
              then w.base_before + (notional.n - w.quote_before)::numeric(1000, 40) / w.price
              else st.base_total end as filled_exact,
         coalesce(w.price, st.last_price) as worst_price,
         coalesce(w.level_no, st.levels) as levels_used,
         st.quote_total
  from target t
  join side_total st on st.snapshot_id = t.snapshot_id
  cross join notional
  left join walk w
    on w.snapshot_id = t.snapshot_id
    and w.side = st.side
    and w.quote_before < notional.n
    and w.quote_before + w.price * w.size >= notional.n
),
priced as (
  select f.*,
         (case when f.fully_filled then f.n else f.quote_total end)::numeric(1000, 40) / f.filled_exact as avg_exact
  from fill f
)
select
  p.snapshot_id,
  p.side,
  p.n as notional_usd,
  round(p.filled_exact, 18) as filled_base,
  round(p.avg_exact, 18) as avg_price,
  p.worst_price,
  p.levels_used,
  round((case p.side when 'buy' then p.avg_exact - p.mid_price else p.mid_price - p.avg_exact end) * 10000 / p.mid_price, 18) as slippage_bps,
  p.fee_bps,
  (case when p.fully_filled then p.n else p.quote_total end) * p.fee_bps / 10000 as fee_usd,
  round(p.avg_exact * (case p.side when 'buy' then 1 + p.fee_bps / 10000 else 1 - p.fee_bps / 10000 end), 18) as all_in_price,
  p.fully_filled
from priced p
