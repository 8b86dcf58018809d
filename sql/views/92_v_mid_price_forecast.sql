-- v_mid_price_forecast: per market and snapshot, the least-squares line of mid price against
-- time over the market's trailing FORECAST_WINDOW snapshots (this one the last), and the mid it
-- forecasts for the market's next snapshot: due at captured_at + the median interval between
-- the window's snapshots (robust to a missed run). The forecast made at a market's newest
-- snapshot is its forecast now; older rows are the forecasts v_forecast_error scores.
--   mid ≈ fitted_mid + slope_per_hour × (hours since captured_at)
--   forecast_mid = fitted_mid + slope_per_hour × (median_interval in hours)
-- The line is fitted by PostgreSQL's regr_slope/regr_intercept/regr_r2, which work in double
-- precision: slope_per_hour, fitted_mid and r_squared are float8, and forecast_mid is that
-- float as numeric (15 significant digits); a forecast needs no more. Time is measured in
-- seconds from captured_at (x ≤ 0), so the intercept is the line's value now and no large
-- epoch offset costs precision. Observed mids (mid_price) stay exact numeric. A market's first
-- snapshot has no row (a line needs two points); window_snapshots < FORECAST_WINDOW while its
-- history is shorter than the window.
create or replace view orderbook.v_mid_price_forecast as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at, t.mid_price,
  f.window_snapshots, f.window_start,
  f.slope_per_second * 3600 as slope_per_hour,
  f.fitted_mid,
  f.r_squared,
  f.median_interval,
  s.captured_at + f.median_interval as forecast_at,
  (f.fitted_mid + f.slope_per_second * extract(epoch from f.median_interval)::float8)::numeric
    as forecast_mid
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
cross join lateral (
  select
    count(*) as window_snapshots,
    min(w.received_at) as window_start,
    regr_slope(w.y, w.x) as slope_per_second,
    regr_intercept(w.y, w.x) as fitted_mid,
    regr_r2(w.y, w.x) as r_squared,
    percentile_cont(0.5) within group (order by w.gap) as median_interval
  from (
    select
      k.received_at,
      k.mid_price::float8 as y,
      extract(epoch from k.received_at - s.captured_at)::float8 as x,
      k.received_at - lag(k.received_at) over (order by k.received_at, k.snapshot_id) as gap
    from (
      -- The window: this snapshot and the FORECAST_WINDOW − 1 before it (index on market, time).
      select ws.snapshot_id, ws.received_at, wt.mid_price
      from orderbook.fact_snapshot ws
      join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
      where ws.market_id = s.market_id
        and ws.received_at <= s.captured_at
        and (ws.received_at, ws.snapshot_id) <= (s.captured_at, s.snapshot_id)
      order by ws.received_at desc, ws.snapshot_id desc
      limit {{FORECAST_WINDOW}}
    ) k
  ) w
) f
where f.window_snapshots >= 2;
grant select on orderbook.v_mid_price_forecast to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_mid_price_forecast is 'Per market and snapshot, the least-squares line of mid price against time over the market''s last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; this one the last) and the mid it forecasts for the next snapshot. The newest row of a market is its forecast now. One row per snapshot from a market''s second.';
comment on column orderbook.v_mid_price_forecast.exchange is 'Venue code: coinbase or binance (dim_exchange.code).';
comment on column orderbook.v_mid_price_forecast.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance.';
comment on column orderbook.v_mid_price_forecast.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_mid_price_forecast.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_mid_price_forecast.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_mid_price_forecast.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_mid_price_forecast.mid_price is 'Observed mid of this snapshot, quote per base (exact).';
comment on column orderbook.v_mid_price_forecast.window_snapshots is 'Snapshots in the regression window: {{FORECAST_WINDOW}}, fewer early in a market''s history.';
comment on column orderbook.v_mid_price_forecast.window_start is 'captured_at of the oldest snapshot in the window, UTC.';
comment on column orderbook.v_mid_price_forecast.slope_per_hour is 'Slope of the fitted line, quote units per hour (float8, regr_slope).';
comment on column orderbook.v_mid_price_forecast.fitted_mid is 'The line''s value at captured_at, quote per base (float8, regr_intercept with time measured from captured_at).';
comment on column orderbook.v_mid_price_forecast.r_squared is 'Coefficient of determination of the fit, 0 to 1 (float8, regr_r2).';
comment on column orderbook.v_mid_price_forecast.median_interval is 'Median interval between consecutive snapshots of the window: when the next snapshot is expected.';
comment on column orderbook.v_mid_price_forecast.forecast_at is 'When the next snapshot is expected: captured_at + median_interval.';
comment on column orderbook.v_mid_price_forecast.forecast_mid is 'Forecast mid at forecast_at: fitted_mid + slope × median_interval, quote per base (15 significant digits).';
