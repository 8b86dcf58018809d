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
-- (sql/derive/forecast_error.sql), with its windows' averages (forecast_error_windows.sql,
-- recomputed for the scores whose windows a derive changes), so the view is joins only: a filter
-- on any column, or on actual_snapshot_id from v_latest, reads just the scores asked for. It
-- reads fact_forecast itself rather than v_mid_price_forecast: that view's fact_top join (for
-- mid_price, not shown here) made the query with v_latest one relation past the planner's
-- join_collapse_limit, and it was planned over the whole year. A forecast exists only where its
-- snapshot has a top (forecast.sql), so the rows are the same.
create or replace view orderbook.v_forecast_error as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  s.captured_at + f.median_interval as forecast_at, f.forecast_mid,
  e.actual_snapshot_id, e.actual_at, e.actual_mid, e.error, e.error_bps,
  abs(e.error) as abs_error, abs(e.error_bps) as abs_error_bps,
  e.mean_abs_error_1h, e.mean_abs_error_bps_1h, e.forecasts_1h::bigint as forecasts_1h,
  e.mean_abs_error_24h, e.mean_abs_error_bps_24h, e.forecasts_24h::bigint as forecasts_24h,
  e.mean_abs_error_7d, e.mean_abs_error_bps_7d, e.forecasts_7d::bigint as forecasts_7d
from orderbook.v_snapshot s
join orderbook.fact_forecast f on f.snapshot_id = s.snapshot_id
join orderbook.fact_forecast_error e on e.snapshot_id = s.snapshot_id;
grant select on orderbook.v_forecast_error to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_forecast_error is 'Each forecast of v_mid_price_forecast against the mid that actually arrived with the market''s next snapshot, and the mean absolute error over the trailing 1 h, 24 h and 7 d. One row per forecast whose next snapshot has arrived.';
comment on column orderbook.v_forecast_error.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_forecast_error.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_forecast_error.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_forecast_error.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_forecast_error.snapshot_id is 'The snapshot the forecast was made at.';
comment on column orderbook.v_forecast_error.captured_at is 'When that snapshot arrived, UTC.';
comment on column orderbook.v_forecast_error.forecast_at is 'When the next snapshot was expected (v_mid_price_forecast.forecast_at).';
comment on column orderbook.v_forecast_error.forecast_mid is 'Forecast mid, quote per base.';
comment on column orderbook.v_forecast_error.actual_snapshot_id is 'The market''s next snapshot, whose mid scores the forecast.';
comment on column orderbook.v_forecast_error.actual_at is 'When the next snapshot actually arrived, UTC.';
comment on column orderbook.v_forecast_error.actual_mid is 'Its mid price, quote per base.';
comment on column orderbook.v_forecast_error.error is 'actual_mid − forecast_mid, quote units (positive: the mid came in above the forecast).';
comment on column orderbook.v_forecast_error.error_bps is 'error / actual_mid × 10000, bps.';
comment on column orderbook.v_forecast_error.abs_error is '|error|, quote units.';
comment on column orderbook.v_forecast_error.abs_error_bps is '|error_bps|, bps.';
comment on column orderbook.v_forecast_error.mean_abs_error_1h is 'Mean |error| of the market''s forecasts whose actual arrived in the trailing hour (by actual_at, this one included), quote units.';
comment on column orderbook.v_forecast_error.mean_abs_error_bps_1h is 'Mean |error_bps| over the same trailing hour, bps.';
comment on column orderbook.v_forecast_error.forecasts_1h is 'Forecasts in the trailing hour window.';
comment on column orderbook.v_forecast_error.mean_abs_error_24h is 'Mean |error| of the market''s forecasts whose actual arrived in the trailing 24 hours (by actual_at, this one included), quote units.';
comment on column orderbook.v_forecast_error.mean_abs_error_bps_24h is 'Mean |error_bps| over the same trailing 24 hours, bps.';
comment on column orderbook.v_forecast_error.forecasts_24h is 'Forecasts in the trailing 24 hours window.';
comment on column orderbook.v_forecast_error.mean_abs_error_7d is 'Mean |error| of the market''s forecasts whose actual arrived in the trailing 7 days (by actual_at, this one included), quote units.';
comment on column orderbook.v_forecast_error.mean_abs_error_bps_7d is 'Mean |error_bps| over the same trailing 7 days, bps.';
comment on column orderbook.v_forecast_error.forecasts_7d is 'Forecasts in the trailing 7 days window.';
