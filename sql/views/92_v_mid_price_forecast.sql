-- v_mid_price_forecast: per market and snapshot, the least-squares line of mid price against
-- time over the market's trailing FORECAST_WINDOW snapshots (this one the last), and the mid it
-- forecasts for the market's next snapshot: due at captured_at + the median interval between
-- the window's snapshots (robust to a missed run). The forecast made at a market's newest
-- snapshot is its forecast now; older rows are the forecasts v_forecast_error scores.
--   mid ≈ fitted_mid + slope_per_hour × (hours since captured_at)
--   forecast_mid = fitted_mid + slope_per_hour × (median_interval in hours)
-- Made when each snapshot is derived and kept in fact_forecast (sql/derive/forecast.sql, where
-- the fit is defined): the line is fitted in exact numeric, then kept as float8
-- (slope_per_hour, fitted_mid, r_squared; forecast_mid is that float as numeric, 15
-- significant digits); r_squared is 1 for a flat mid and null when the window's snapshots share
-- one time. Observed mids (mid_price) stay exact numeric. A market's first snapshot has no row (a
-- line needs two points); window_snapshots < FORECAST_WINDOW while its history is shorter than
-- the window. FORECAST_WINDOW is the one in force when the snapshot was derived: after changing
-- it, `npm run backfill -- --derive-only` derives the history again.
drop view if exists orderbook.v_mid_price_forecast cascade;
create view orderbook.v_mid_price_forecast as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at, t.mid_price,
  f.window_snapshots::bigint as window_snapshots, f.window_start,
  f.slope_per_hour,
  f.fitted_mid,
  f.r_squared,
  f.median_interval,
  s.captured_at + f.median_interval as forecast_at,
  f.forecast_mid
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
join orderbook.fact_forecast f on f.snapshot_id = s.snapshot_id;
grant select on orderbook.v_mid_price_forecast to orderbook_reader;
