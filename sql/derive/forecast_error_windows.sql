-- fact_forecast_error's window columns (v_forecast_error): per score, the mean absolute error of
-- the market's scores over the trailing 1 h, 24 h and 7 d by actual_at (when each error became
-- known), this one and those known at the same instant included.
--   mean_abs_error_* = avg |error|, mean_abs_error_bps_* = avg |error_bps| (at 40 decimals,
--   rounded to 18), forecasts_* = how many scores the window holds.
-- $1 integer[], $2 timestamptz[], $3 timestamptz[]: spans of changed scores by when they became
-- known (a market may have several: where its scores were, and where they are now). The scores
-- to compute are each market's from its earliest span start to 7 d after its latest span end
-- (the windows that reach back over them).
-- One pass of window functions over the market's scores from 7 d before $2 to $3 (all that those
-- windows hold), then the scores from $2 on are written. A score's actual_at is its actual
-- snapshot's received_at, so the scores of a span are found through fact_snapshot (market, time).
-- (A subquery per score, summing its own windows, went wrong with statistics that lag a bulk load:
-- the planner scanned every score once per score.)
with span as (
  select r.market_id, min(r.lo) as lo, max(r.hi) + interval '7 days' as hi
  from unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) as r (market_id, lo, hi)
  group by r.market_id
),
scores as (
  select p.market_id, p.lo, e.snapshot_id, e.actual_at, e.error, e.error_bps
  from span p
  join orderbook.fact_snapshot a
    on a.market_id = p.market_id
    and a.received_at >= p.lo - interval '7 days' and a.received_at <= p.hi
  join orderbook.fact_forecast_error e on e.actual_snapshot_id = a.snapshot_id
),
computed as (
  select s.snapshot_id, s.actual_at, s.lo,
    count(*) over h1 as forecasts_1h,
    round(avg(abs(s.error)::numeric(1000, 40)) over h1, 18) as mean_abs_error_1h,
    round(avg(abs(s.error_bps)::numeric(1000, 40)) over h1, 18) as mean_abs_error_bps_1h,
    count(*) over h24 as forecasts_24h,
    round(avg(abs(s.error)::numeric(1000, 40)) over h24, 18) as mean_abs_error_24h,
    round(avg(abs(s.error_bps)::numeric(1000, 40)) over h24, 18) as mean_abs_error_bps_24h,
    count(*) over d7 as forecasts_7d,
    round(avg(abs(s.error)::numeric(1000, 40)) over d7, 18) as mean_abs_error_7d,
    round(avg(abs(s.error_bps)::numeric(1000, 40)) over d7, 18) as mean_abs_error_bps_7d
  from scores s
  window
    h1 as (partition by s.market_id order by s.actual_at range between interval '1 hour' preceding and current row),
    h24 as (partition by s.market_id order by s.actual_at range between interval '24 hours' preceding and current row),
    d7 as (partition by s.market_id order by s.actual_at range between interval '7 days' preceding and current row)
)
update orderbook.fact_forecast_error e
set forecasts_1h = c.forecasts_1h, mean_abs_error_1h = c.mean_abs_error_1h,
    mean_abs_error_bps_1h = c.mean_abs_error_bps_1h,
    forecasts_24h = c.forecasts_24h, mean_abs_error_24h = c.mean_abs_error_24h,
    mean_abs_error_bps_24h = c.mean_abs_error_bps_24h,
    forecasts_7d = c.forecasts_7d, mean_abs_error_7d = c.mean_abs_error_7d,
    mean_abs_error_bps_7d = c.mean_abs_error_bps_7d
from computed c
where c.snapshot_id = e.snapshot_id and c.actual_at >= c.lo
