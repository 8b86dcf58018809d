-- v_forecast_error: each forecast of v_mid_price_forecast against the mid that actually
-- arrived — the market's next snapshot, whenever it came (actual_at; forecast_at is when it was
-- expected) — and the mean absolute error of the market's forecasts over the trailing 1 h, 24 h
-- and 7 d, by actual_at (when each error became known), this forecast included.
--   error = actual_mid − forecast_mid (positive: the mid came in above the forecast)
--   error_bps = error / actual_mid × 10000 (computed at 40 decimals, rounded to 18)
--   mean_abs_error_* / mean_abs_error_bps_* = the mean of |error| / |error_bps| in the window,
--   forecasts_* = how many forecasts it holds.
-- A forecast whose next snapshot has not arrived yet (the newest of each market) has no row.
-- Every window is partitioned by the market's names (and arrived is joined on them too), so a
-- filter on exchange, market, base or quote picks the snapshots before any window runs.
drop view if exists orderbook.v_forecast_error cascade;
create view orderbook.v_forecast_error as
with arrived as (
  select
    s.exchange, s.market, s.base, s.quote, s.snapshot_id,
    lead(s.snapshot_id) over m as actual_snapshot_id,
    lead(s.captured_at) over m as actual_at,
    lead(t.mid_price) over m as actual_mid
  from orderbook.v_snapshot s
  join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
  window m as (partition by s.market_id, s.exchange, s.market, s.base, s.quote order by s.captured_at, s.snapshot_id)
),
scored as (
  select
    f.exchange, f.market, f.base, f.quote, f.snapshot_id, f.captured_at, f.forecast_at, f.forecast_mid,
    a.actual_snapshot_id, a.actual_at, a.actual_mid,
    a.actual_mid - f.forecast_mid as error,
    round((a.actual_mid - f.forecast_mid)::numeric(1000, 40) * 10000 / a.actual_mid, 18) as error_bps
  from orderbook.v_mid_price_forecast f
  join arrived a
    on a.snapshot_id = f.snapshot_id
    and a.exchange = f.exchange and a.market = f.market and a.base = f.base and a.quote = f.quote
  where a.actual_snapshot_id is not null and f.forecast_mid is not null
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
