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
create or replace view orderbook.v_mid_price_forecast as
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
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_mid_price_forecast is 'Per market and snapshot, the least-squares line of mid price against time over the market''s last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; this one the last) and the mid it forecasts for the next snapshot. The newest row of a market is its forecast now. One row per snapshot from a market''s second.';
comment on column orderbook.v_mid_price_forecast.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_mid_price_forecast.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_mid_price_forecast.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_mid_price_forecast.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_mid_price_forecast.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_mid_price_forecast.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_mid_price_forecast.mid_price is 'Observed mid of this snapshot, quote per base (exact).';
comment on column orderbook.v_mid_price_forecast.window_snapshots is 'Snapshots in the regression window: {{FORECAST_WINDOW}}, fewer early in a market''s history.';
comment on column orderbook.v_mid_price_forecast.window_start is 'captured_at of the oldest snapshot in the window, UTC.';
comment on column orderbook.v_mid_price_forecast.slope_per_hour is 'Slope of the least-squares line, quote units per hour (fitted in exact numeric at derive time, kept as float8).';
comment on column orderbook.v_mid_price_forecast.fitted_mid is 'The line''s value at captured_at, quote per base (exact fit, kept as float8).';
comment on column orderbook.v_mid_price_forecast.r_squared is 'Coefficient of determination of the fit, 0 to 1 (exact fit, kept as float8): 1 for a flat mid, null when the window''s snapshots share one time.';
comment on column orderbook.v_mid_price_forecast.median_interval is 'Median interval between consecutive snapshots of the window: when the next snapshot is expected.';
comment on column orderbook.v_mid_price_forecast.forecast_at is 'When the next snapshot is expected: captured_at + median_interval.';
comment on column orderbook.v_mid_price_forecast.forecast_mid is 'Forecast mid at forecast_at: fitted_mid + slope × median_interval, quote per base (15 significant digits).';
