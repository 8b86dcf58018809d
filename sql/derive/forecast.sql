-- fact_forecast (v_mid_price_forecast): per snapshot, the least-squares line of mid price
-- against time over the market's trailing FORECAST_WINDOW snapshots (this one the last), and the
-- mid it forecasts for the market's next snapshot, due after the median interval between the
-- window's snapshots (robust to a missed run).
--   mid ≈ fitted_mid + slope_per_hour × (hours since captured_at)
--   forecast_mid = fitted_mid + slope × median_interval
-- Time x is seconds from this snapshot (x ≤ 0), so the intercept is the line's value now. The
-- fit is computed in exact numeric from n·Σxy − Σx·Σy and its like (no cancellation: a float
-- regr_r2 gave 0.43 for a flat series), with the SQL standard's cases: no slope when every x is
-- the same, r² = 1 when every y is; the results are kept as float8 (forecast_mid as that float,
-- 15 significant digits). A market's first snapshot has no row (a line needs two points).
-- $1 bigint[]: the snapshots to derive (forecast_targets.sql); $2 integer: FORECAST_WINDOW.
-- Needs fact_top of the snapshots and of their windows.
insert into orderbook.fact_forecast
  (snapshot_id, window_snapshots, window_start, slope_per_hour, fitted_mid, r_squared, median_interval, forecast_mid)
select
  t.snapshot_id,
  a.n,
  a.window_start,
  (b.slope * 3600)::float8,
  b.fitted::float8,
  (case when d.dxx = 0 then null
        when d.dyy = 0 then 1
        else d.dxy * d.dxy / (d.dxx * d.dyy) end)::float8,
  a.median_interval,
  (b.fitted + b.slope * extract(epoch from a.median_interval))::float8::numeric
from orderbook.fact_snapshot t
cross join lateral (
  select
    count(*)::integer as n,
    min(w.received_at) as window_start,
    sum(w.x) as sx, sum(w.y) as sy,
    sum(w.x * w.x) as sxx, sum(w.y * w.y) as syy, sum(w.x * w.y) as sxy,
    percentile_cont(0.5) within group (order by w.gap) as median_interval
  from (
    select
      k.received_at,
      k.mid_price as y,
      extract(epoch from k.received_at - t.received_at) as x,
      k.received_at - lag(k.received_at) over (order by k.received_at, k.snapshot_id) as gap
    from (
      -- The window: this snapshot and the FORECAST_WINDOW − 1 before it (index on market, time).
      select ws.snapshot_id, ws.received_at, wt.mid_price
      from orderbook.fact_snapshot ws
      join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
      where ws.market_id = t.market_id
        and ws.received_at <= t.received_at
        and (ws.received_at, ws.snapshot_id) <= (t.received_at, t.snapshot_id)
      order by ws.received_at desc, ws.snapshot_id desc
      limit $2::integer
    ) k
  ) w
) a
cross join lateral (
  select a.n * a.sxx - a.sx * a.sx as dxx,
         a.n * a.syy - a.sy * a.sy as dyy,
         a.n * a.sxy - a.sx * a.sy as dxy
) d
cross join lateral (
  select s.slope, (a.sy - s.slope * a.sx)::numeric(1000, 40) / a.n as fitted
  from (select case when d.dxx <> 0 then d.dxy::numeric(1000, 40) / d.dxx end as slope) s
) b
where t.snapshot_id = any ($1::bigint[])
  and exists (select 1 from orderbook.fact_top tt where tt.snapshot_id = t.snapshot_id)
  and a.n >= 2
