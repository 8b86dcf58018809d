-- fact_split (v_optimal_split): the cheapest split of each size across the venues of one run,
-- stored when the run's books are derived (a split compares the books of one run: each load of a
-- book derives its run × base again; backfill derives every run × base once its books are in).
-- What the split is, and why it is the cheapest, is v_optimal_split's header; this is its walk.
-- $1 uuid[], $2 text[]: the run × base-asset-code pairs to derive (the two arrays zipped).
-- Needs the books' levels and fact_fill/fact_cost_curve (their levels_used bound the walk).
insert into orderbook.fact_split
  (run_id, base_asset_id, side, notional_usd, snapshot_id, captured_at, fee_bps, usd_amount, base_exact,
   levels_used, worst_price, single_snapshot_id, single_exact)
with wanted as (
  select distinct g.run_id, g.base from unnest($1::uuid[], $2::text[]) as g (run_id, base)
),
book as materialized (
  -- The run's executable books of the base quoted in USD or a USD stablecoin, with the fee
  -- their fills were priced at. A book that is not executable as shown (fact_snapshot
  -- .executable: an auction's indicative quote, a halted market) is no book to split an order
  -- over: it is left out of every walk below, and v_optimal_split names it.
  select s.run_id, s.received_at as captured_at, b.code as base, b.asset_id as base_asset_id,
         q.code as quote, e.code as exchange, m.symbol as market, s.snapshot_id, fee.fee_bps
  from wanted w
  join orderbook.fact_snapshot s on s.run_id = w.run_id and s.executable
  join orderbook.dim_market m on m.market_id = s.market_id
  join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
  join orderbook.dim_asset b on b.asset_id = m.base_asset_id and b.code = w.base
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd
  cross join lateral (
    select f.fee_bps from orderbook.fact_fill f where f.snapshot_id = s.snapshot_id limit 1
  ) fee
),
grp as (
  -- One row per run × base × side, its sizes as an array: everything below runs once per group
  -- (a lateral subquery), reading only that run's levels, whatever plan the statistics suggest.
  -- Sizes in both tables are the same size twice: counted once.
  select b.run_id, b.base, b.base_asset_id, f.side, max(b.captured_at) as captured_at,
         array_agg(distinct f.notional_usd order by f.notional_usd) as sizes,
         max(f.notional_usd) as largest
  from book b
  join (
    select snapshot_id, side, notional_usd from orderbook.fact_fill
    union all
    select snapshot_id, side, notional_usd from orderbook.fact_cost_curve
  ) f on f.snapshot_id = b.snapshot_id
  group by b.run_id, b.base, b.base_asset_id, f.side
),
allocation as (
  select g.run_id, g.captured_at, g.base_asset_id, g.side, a.*
  from grp g
  cross join lateral (
    with recursive venue as materialized (
      -- fill_levels: the levels the book's own fill of the largest size used (fill.sql: the level
      -- that completes it, or the whole side when the side cannot). No level past it can be in
      -- the merged walk: the levels before one in that walk include the book's own levels before
      -- it, so its USD before in the walk is at least its USD before in its own book, which past
      -- fill_levels is the largest size or more. A book without that fill is read whole.
      select b.snapshot_id, b.exchange, b.market, b.quote, b.fee_bps,
             coalesce((
               select max(f.levels_used)
               from (
                 select levels_used from orderbook.fact_fill
                 where snapshot_id = b.snapshot_id and side = g.side and notional_usd = g.largest
                 union all
                 select levels_used from orderbook.fact_cost_curve
                 where snapshot_id = b.snapshot_id and side = g.side and notional_usd = g.largest
               ) f), 2147483647) as fill_levels
      from book b
      where b.run_id = g.run_id and b.base = g.base
    ),
    level as materialized (
      -- The group's books merged, best all-in level price first (equal ones by venue name), with
      -- the USD traded before each level: every level the split can take, and the same USD
      -- before each as in the walk of whole books.
      select v.snapshot_id, l.level_no, l.price, l.size, l.price * l.size as usd,
             coalesce(sum(l.price * l.size) over (
               order by case l.side when 'ask' then l.price * (1 + v.fee_bps / 10000)
                                    else -(l.price * (1 - v.fee_bps / 10000)) end,
                        v.exchange, v.market, l.level_no
               rows between unbounded preceding and 1 preceding), 0) as quote_before
      from venue v
      join orderbook.fact_level_all l
        on l.snapshot_id = v.snapshot_id and l.side = case g.side when 'buy' then 'ask' else 'bid' end
        and l.level_no <= v.fill_levels
    ),
    part as (
      select t.notional_usd, t.snapshot_id,
             sum(t.usd) as usd_amount,
             sum(t.base_amount) as base_exact,
             sum(t.level) as levels_used,
             case g.side when 'buy' then max(t.price) else min(t.price) end as worst_price
      from (
        select w.snapshot_id, n.notional_usd,
               least(w.usd, n.notional_usd - w.quote_before) as usd,
               case when w.usd <= n.notional_usd - w.quote_before then w.size
                    else (n.notional_usd - w.quote_before)::numeric(1000, 40) / w.price end as base_amount,
               1 as level,
               w.price
        -- Only the levels the largest size reaches, each matched with the sizes it is (part of).
        from (
          select * from level w where w.quote_before < g.largest offset 0
        ) w
        join unnest(g.sizes) as n (notional_usd) on n.notional_usd > w.quote_before
        union all
        -- Every book of the group at every size, so a book the split leaves out shows 0.
        select v.snapshot_id, n.notional_usd, 0, 0, 0, null
        from venue v
        cross join unnest(g.sizes) as n (notional_usd)
      ) t
      group by t.notional_usd, t.snapshot_id
    ),
    quantity as (
      -- Q of each size the books together fill: what each venue alone is compared on.
      select p.notional_usd, sum(p.base_exact) as q
      from part p
      group by p.notional_usd
      having sum(p.usd_amount) = p.notional_usd
    ),
    deeper (snapshot_id, last_level, base_through, width) as (
      -- Each book alone is walked for the largest Q below, which can lie past its fill_levels (the
      -- split may buy more base for the money than this book does): blocks of levels after the
      -- merged walk's, 64 and then twice as many each time (fill.sql's walk), while the base
      -- read so far is not more than that Q and the side goes on.
      select v.snapshot_id, coalesce(max(w.level_no), 0), coalesce(sum(w.size), 0), 64
      from venue v
      left join level w on w.snapshot_id = v.snapshot_id
      group by v.snapshot_id
      union all
      select d.snapshot_id, c.last_level, d.base_through + c.base, d.width * 2
      from deeper d
      cross join lateral (
        select max(l.level_no) as last_level, sum(l.size) as base
        from orderbook.fact_level_all l
        where l.snapshot_id = d.snapshot_id and l.side = case g.side when 'buy' then 'ask' else 'bid' end
          and l.level_no > d.last_level and l.level_no <= d.last_level + d.width
      ) c
      where d.base_through <= (select max(q) from quantity) and c.last_level is not null
    ),
    own as (
      -- The merged walk's rows (read once) and the blocks after them.
      select w.snapshot_id, w.level_no, w.price, w.size, w.usd from level w
      union all
      select l.snapshot_id, l.level_no, l.price, l.size, l.price * l.size
      from (select snapshot_id, min(last_level) as from_level, max(last_level) as to_level
            from deeper group by snapshot_id having max(last_level) > min(last_level)) d
      join orderbook.fact_level_all l
        on l.snapshot_id = d.snapshot_id and l.side = case g.side when 'buy' then 'ask' else 'bid' end
        and l.level_no > d.from_level and l.level_no <= d.to_level
    ),
    ladder as materialized (
      -- Each book's own levels, best first, with the base and USD before each in that book
      -- alone: as far as the largest Q, which is all that is looked up in it. A Q more than
      -- the side holds finds it read whole, so base_total says so as before.
      select w.snapshot_id, w.price, w.size,
             row_number() over o as rung,
             coalesce(sum(w.size) over o, 0) as base_before,
             coalesce(sum(w.usd) over o, 0) as quote_before
      from own w
      window o as (partition by w.snapshot_id order by w.level_no rows between unbounded preceding and 1 preceding)
    ),
    rungs as materialized (
      select snapshot_id, array_agg(base_before order by rung) as base_before, sum(size) as base_total
      from ladder
      group by snapshot_id
    ),
    reach as materialized (
      -- Each book alone for Q, if its side holds Q: the rung where its cumulative base reaches Q
      -- is the last whose base before is at most Q (width_bucket's binary search on the array).
      select q.notional_usd, q.q, r.snapshot_id, width_bucket(q.q, r.base_before) as rung
      from quantity q
      join rungs r on q.q <= r.base_total
    ),
    single as (
      -- Whole levels before that rung, and the part Q − base before of it.
      select distinct on (r.notional_usd) r.notional_usd, r.snapshot_id, c.all_in_exact
      from reach r
      join ladder l on l.snapshot_id = r.snapshot_id and l.rung = r.rung
      join venue v on v.snapshot_id = r.snapshot_id
      cross join lateral (
        select ((l.quote_before + (r.q - l.base_before) * l.price)
                * (case g.side when 'buy' then 1 + v.fee_bps / 10000 else 1 - v.fee_bps / 10000 end))
                ::numeric(1000, 40) / r.q as all_in_exact
      ) c
      order by r.notional_usd, case g.side when 'buy' then c.all_in_exact else -c.all_in_exact end,
               v.exchange, v.market
    )
    select p.notional_usd, v.snapshot_id, v.exchange, v.market, v.quote, v.fee_bps,
           p.usd_amount, p.base_exact, p.levels_used, p.worst_price,
           s.snapshot_id as single_snapshot_id, s.all_in_exact as single_exact
    from part p
    join venue v on v.snapshot_id = p.snapshot_id
    left join single s on s.notional_usd = p.notional_usd
  ) a
)
select run_id, base_asset_id, side, notional_usd, snapshot_id, captured_at, fee_bps, usd_amount, base_exact,
       levels_used, worst_price, single_snapshot_id, single_exact
from allocation
-- In primary-key order, so the index's pages fill (as size_limit.sql says).
order by run_id, base_asset_id, side, notional_usd, snapshot_id
