-- fact_forecast_error's window columns (v_forecast_error): per score, the mean absolute error of
-- the market's scores over the trailing 1 h, 24 h and 7 d by actual_at (when each error became
-- known), this one and those known at the same instant included.
--   mean_abs_error_* = avg |error|, mean_abs_error_bps_* = avg |error_bps| (at 40 decimals,
--   rounded to 18), forecasts_* = how many scores the window holds.
-- $1 integer[], $2 timestamptz[], $3 timestamptz[]: per market, the scores to compute are those
-- known from $2 to $3 inclusive (the changed scores' span, and 7 d after it: the windows that
-- reach back over them). A score's actual_at is its actual snapshot's received_at, so the
-- market's scores in a span are found through fact_snapshot (market, time).
with span as (
  select * from unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) as r (market_id, lo, hi)
),
target as (
  select e.snapshot_id, e.actual_at, p.market_id
  from span p
  join orderbook.fact_snapshot a on a.market_id = p.market_id and a.received_at between p.lo and p.hi
  join orderbook.fact_forecast_error e on e.actual_snapshot_id = a.snapshot_id
),
computed as (
  select t.snapshot_id, h1.*, h24.*, d7.*
  from target t
  cross join lateral (
    select count(*)::integer as forecasts_1h,
           round(avg(abs(x.error)::numeric(1000, 40)), 18) as mean_abs_error_1h,
           round(avg(abs(x.error_bps)::numeric(1000, 40)), 18) as mean_abs_error_bps_1h
    from orderbook.fact_snapshot a
    join orderbook.fact_forecast_error x on x.actual_snapshot_id = a.snapshot_id
    where a.market_id = t.market_id
      and a.received_at >= t.actual_at - interval '1 hour' and a.received_at <= t.actual_at
  ) h1
  cross join lateral (
    select count(*)::integer as forecasts_24h,
           round(avg(abs(x.error)::numeric(1000, 40)), 18) as mean_abs_error_24h,
           round(avg(abs(x.error_bps)::numeric(1000, 40)), 18) as mean_abs_error_bps_24h
    from orderbook.fact_snapshot a
    join orderbook.fact_forecast_error x on x.actual_snapshot_id = a.snapshot_id
    where a.market_id = t.market_id
      and a.received_at >= t.actual_at - interval '24 hours' and a.received_at <= t.actual_at
  ) h24
  cross join lateral (
    select count(*)::integer as forecasts_7d,
           round(avg(abs(x.error)::numeric(1000, 40)), 18) as mean_abs_error_7d,
           round(avg(abs(x.error_bps)::numeric(1000, 40)), 18) as mean_abs_error_bps_7d
    from orderbook.fact_snapshot a
    join orderbook.fact_forecast_error x on x.actual_snapshot_id = a.snapshot_id
    where a.market_id = t.market_id
      and a.received_at >= t.actual_at - interval '7 days' and a.received_at <= t.actual_at
  ) d7
)
update orderbook.fact_forecast_error e
set forecasts_1h = c.forecasts_1h, mean_abs_error_1h = c.mean_abs_error_1h,
    mean_abs_error_bps_1h = c.mean_abs_error_bps_1h,
    forecasts_24h = c.forecasts_24h, mean_abs_error_24h = c.mean_abs_error_24h,
    mean_abs_error_bps_24h = c.mean_abs_error_bps_24h,
    forecasts_7d = c.forecasts_7d, mean_abs_error_7d = c.mean_abs_error_7d,
    mean_abs_error_bps_7d = c.mean_abs_error_bps_7d
from computed c
where c.snapshot_id = e.snapshot_id
