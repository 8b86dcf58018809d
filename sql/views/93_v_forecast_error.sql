-- v_forecast_error: each forecast of v_mid_price_forecast against the mid that actually
-- arrived — the market's next snapshot, whenever it came (actual_at; forecast_at is when it was
-- expected) — and the mean absolute error of the market's forecasts over the trailing 1 h, 24 h
-- and 7 d, by actual_at (when each error became known), this forecast included.
--   error = actual_mid − forecast_mid (positive: the mid came in above the forecast)
--   error_bps = error / actual_mid × 10000 (computed at 40 decimals, rounded to 18)
--   mean_abs_error_* / mean_abs_error_bps_* = the mean of |error| / |error_bps| in the window,
--   forecasts_* = how many forecasts it holds.
-- A forecast whose next snapshot has not arrived yet (the newest of each market) has no row.
-- Each score is made when the next snapshot is derived and kept in fact_forecast_error
-- (sql/derive/forecast_error.sql); the windows here average the stored scores. Every window is
-- partitioned by the market's names, so a filter on exchange, market, base or quote picks the
-- market's scores before any window runs.
drop view if exists orderbook.v_forecast_error cascade;
create view orderbook.v_forecast_error as
with scored as (
  select
    f.exchange, f.market, f.base, f.quote, f.snapshot_id, f.captured_at, f.forecast_at, f.forecast_mid,
    e.actual_snapshot_id, e.actual_at, e.actual_mid, e.error, e.error_bps
  from orderbook.v_mid_price_forecast f
  join orderbook.fact_forecast_error e on e.snapshot_id = f.snapshot_id
)
select
  exchange, market, base, quote, snapshot_id, captured_at, forecast_at, forecast_mid,
  actual_snapshot_id, actual_at, actual_mid, error, error_bps,
  abs(error) as abs_error, abs(error_bps) as abs_error_bps,
  round(avg(abs(error)::numeric(1000, 40)) over h1, 18) as mean_abs_error_1h,
  round(avg(abs(error_bps)::numeric(1000, 40)) over h1, 18) as mean_abs_error_bps_1h,
  count(*) over h1 as forecasts_1h,
  round(avg(abs(error)::numeric(1000, 40)) over h24, 18) as mean_abs_error_24h,
  round(avg(abs(error_bps)::numeric(1000, 40)) over h24, 18) as mean_abs_error_bps_24h,
  count(*) over h24 as forecasts_24h,
  round(avg(abs(error)::numeric(1000, 40)) over d7, 18) as mean_abs_error_7d,
  round(avg(abs(error_bps)::numeric(1000, 40)) over d7, 18) as mean_abs_error_bps_7d,
  count(*) over d7 as forecasts_7d
from scored
window
  h1 as (partition by exchange, market, base, quote order by actual_at range between interval '1 hour' preceding and current row),
  h24 as (partition by exchange, market, base, quote order by actual_at range between interval '24 hours' preceding and current row),
  d7 as (partition by exchange, market, base, quote order by actual_at range between interval '7 days' preceding and current row);
grant select on orderbook.v_forecast_error to orderbook_reader;
