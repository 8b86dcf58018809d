-- fact_spread_rolling (v_spread_rolling): per snapshot, the average spread of the market over
-- three trailing windows, each ending at (and including) this snapshot:
--   _window  the last FORECAST_WINDOW snapshots of the market, by (captured_at, snapshot_id)
--            (fewer early in a market's history),
--   _1h      every snapshot captured from captured_at − 1 h to captured_at, inclusive (those
--            captured at the same instant included),
--   _24h     the same over 24 hours.
-- Averages are exact: avg over numeric at 40 decimals, rounded to 18, in quote units (spread)
-- and in bps (spread_bps). Only snapshots with a top of book count, and only they get a row.
-- $1 bigint[]: the snapshots to derive (spread_rolling_targets.sql); $2 integer: FORECAST_WINDOW.
-- Needs fact_top of the snapshots and of their windows.
-- One pass of window functions per market over what the targets' windows hold: from the earlier
-- of 24 h and FORECAST_WINDOW − 1 snapshots before the first target, to the last. (A subquery
-- per target depends on the planner keeping to index probes, which statistics that lag a bulk
-- load do not promise.)
insert into orderbook.fact_spread_rolling
  (snapshot_id, snapshots_window, avg_spread_window, avg_spread_bps_window,
   snapshots_1h, avg_spread_1h, avg_spread_bps_1h, snapshots_24h, avg_spread_24h, avg_spread_bps_24h)
with target as (
  select s.snapshot_id, s.market_id, s.received_at
  from orderbook.fact_snapshot s
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  where s.snapshot_id = any ($1::bigint[])
),
first as (
  select distinct on (market_id) market_id, received_at, snapshot_id
  from target order by market_id, received_at, snapshot_id
),
reach as (
  select f.market_id,
         least(f.received_at - interval '24 hours', coalesce(k.received_at, '-infinity')) as start,
         (select max(t.received_at) from target t where t.market_id = f.market_id) as stop
  from first f
  -- The FORECAST_WINDOW − 1th snapshot with a top before the first target (none: take them all).
  left join lateral (
    select ws.received_at
    from orderbook.fact_snapshot ws
    join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
    where ws.market_id = f.market_id
      and ws.received_at <= f.received_at
      and (ws.received_at, ws.snapshot_id) < (f.received_at, f.snapshot_id)
    order by ws.received_at desc, ws.snapshot_id desc
    offset $2::integer - 2
    limit 1
  ) k on true
),
windowed as (
  select s.snapshot_id,
    count(*) over k as snapshots_window,
    round(avg(t.spread::numeric(1000, 40)) over k, 18) as avg_spread_window,
    round(avg(t.spread_bps::numeric(1000, 40)) over k, 18) as avg_spread_bps_window,
    count(*) over h1 as snapshots_1h,
    round(avg(t.spread::numeric(1000, 40)) over h1, 18) as avg_spread_1h,
    round(avg(t.spread_bps::numeric(1000, 40)) over h1, 18) as avg_spread_bps_1h,
    count(*) over h24 as snapshots_24h,
    round(avg(t.spread::numeric(1000, 40)) over h24, 18) as avg_spread_24h,
    round(avg(t.spread_bps::numeric(1000, 40)) over h24, 18) as avg_spread_bps_24h
  from reach r
  join orderbook.fact_snapshot s
    on s.market_id = r.market_id and s.received_at >= r.start and s.received_at <= r.stop
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  window
    k as (partition by s.market_id order by s.received_at, s.snapshot_id
          rows between $2::integer - 1 preceding and current row),
    h1 as (partition by s.market_id order by s.received_at
           range between interval '1 hour' preceding and current row),
    h24 as (partition by s.market_id order by s.received_at
            range between interval '24 hours' preceding and current row)
)
select w.snapshot_id, w.snapshots_window, w.avg_spread_window, w.avg_spread_bps_window,
       w.snapshots_1h, w.avg_spread_1h, w.avg_spread_bps_1h,
       w.snapshots_24h, w.avg_spread_24h, w.avg_spread_bps_24h
from windowed w
where w.snapshot_id = any ($1::bigint[])
