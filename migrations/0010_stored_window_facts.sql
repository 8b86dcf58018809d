-- Year-scale speed (issue 13): v_vwap's hourly rows were aggregated from every stored trade on
-- each query (16.7 s at a year of 20 markets). Each hour's sums are now kept in fact_trade_hour,
-- recomputed from fact_trade for the hours a trades load touches (sql/derive/trade_hour.sql), so
-- the view reads one row per market-hour. The sums are exact numeric, so every figure v_vwap
-- derives from them (vwap, volume, notional, trades_missing) is the value it computed before.
-- (Migration 0009 is left to another change in flight.)
create table orderbook.fact_trade_hour (
  market_id         integer not null references orderbook.dim_market,
  -- The UTC hour the trades were executed in (its start).
  hour              timestamptz not null,
  trades            bigint not null check (trades > 0),
  first_trade_at    timestamptz not null,
  last_trade_at     timestamptz not null,
  -- Σ price × size (quote units) and Σ size (base units), exact.
  notional          numeric not null,
  volume            numeric not null,
  taker_buy_volume  numeric not null,
  taker_sell_volume numeric not null,
  first_trade_id    bigint not null,
  last_trade_id     bigint not null,
  primary key (market_id, hour)
);

-- The hours of the trades already stored, as sql/derive/trade_hour.sql sums them.
insert into orderbook.fact_trade_hour
select
  t.market_id,
  date_trunc('hour', t.traded_at at time zone 'UTC') at time zone 'UTC',
  count(*), min(t.traded_at), max(t.traded_at),
  sum(t.price * t.size), sum(t.size),
  coalesce(sum(t.size) filter (where t.taker_side = 'buy'), 0),
  coalesce(sum(t.size) filter (where t.taker_side = 'sell'), 0),
  min(t.trade_id), max(t.trade_id)
from orderbook.fact_trade t
group by 1, 2;

-- "The newest snapshots" (v_book_top, v_snapshot ordered by captured_at, across markets) read the
-- index backwards instead of sorting every snapshot of the year.
create index fact_snapshot_time on orderbook.fact_snapshot (received_at);
-- v_etl_health's day, so "the last week" reads the last week's snapshots, not every one.
create index fact_snapshot_day on orderbook.fact_snapshot (((received_at at time zone 'UTC')::date));

-- v_spread_rolling computed three trailing windows over every snapshot of a market on each
-- query (3.0 s at a year of 20 markets, for the newest row of each). Each snapshot's window
-- averages are now stored when it is derived (sql/derive/spread_rolling.sql), like its forecast,
-- and so are those of the later snapshots whose windows reach back over it. A warehouse from
-- before this migration gets them from `npm run backfill -- --derive-only` (the view shows
-- snapshots that have them).
create table orderbook.fact_spread_rolling (
  snapshot_id           bigint primary key references orderbook.fact_snapshot on delete cascade,
  -- The last FORECAST_WINDOW snapshots of the market, this one the last.
  snapshots_window      integer not null,
  avg_spread_window     numeric not null,
  avg_spread_bps_window numeric not null,
  -- Every snapshot captured from captured_at − 1 h (and − 24 h) to captured_at, inclusive.
  snapshots_1h          integer not null,
  avg_spread_1h         numeric not null,
  avg_spread_bps_1h     numeric not null,
  snapshots_24h         integer not null,
  avg_spread_24h        numeric not null,
  avg_spread_bps_24h    numeric not null
);

-- v_forecast_error averaged each market's scores over three trailing windows on every query
-- (1.7 s at a year of 20 markets). The averages are now stored with each score
-- (sql/derive/forecast_error_windows.sql, for the scores a derive changes and those whose
-- windows reach over them); the scores already stored get theirs here, as the view computed them.
alter table orderbook.fact_forecast_error
  add column forecasts_1h integer,
  add column mean_abs_error_1h numeric,
  add column mean_abs_error_bps_1h numeric,
  add column forecasts_24h integer,
  add column mean_abs_error_24h numeric,
  add column mean_abs_error_bps_24h numeric,
  add column forecasts_7d integer,
  add column mean_abs_error_7d numeric,
  add column mean_abs_error_bps_7d numeric;

update orderbook.fact_forecast_error e
set forecasts_1h = w.forecasts_1h, mean_abs_error_1h = w.mean_abs_error_1h,
    mean_abs_error_bps_1h = w.mean_abs_error_bps_1h,
    forecasts_24h = w.forecasts_24h, mean_abs_error_24h = w.mean_abs_error_24h,
    mean_abs_error_bps_24h = w.mean_abs_error_bps_24h,
    forecasts_7d = w.forecasts_7d, mean_abs_error_7d = w.mean_abs_error_7d,
    mean_abs_error_bps_7d = w.mean_abs_error_bps_7d
from (
  select x.snapshot_id,
    count(*) over h1 as forecasts_1h,
    round(avg(abs(x.error)::numeric(1000, 40)) over h1, 18) as mean_abs_error_1h,
    round(avg(abs(x.error_bps)::numeric(1000, 40)) over h1, 18) as mean_abs_error_bps_1h,
    count(*) over h24 as forecasts_24h,
    round(avg(abs(x.error)::numeric(1000, 40)) over h24, 18) as mean_abs_error_24h,
    round(avg(abs(x.error_bps)::numeric(1000, 40)) over h24, 18) as mean_abs_error_bps_24h,
    count(*) over d7 as forecasts_7d,
    round(avg(abs(x.error)::numeric(1000, 40)) over d7, 18) as mean_abs_error_7d,
    round(avg(abs(x.error_bps)::numeric(1000, 40)) over d7, 18) as mean_abs_error_bps_7d
  from orderbook.fact_forecast_error x
  join orderbook.fact_snapshot s on s.snapshot_id = x.snapshot_id
  window
    h1 as (partition by s.market_id order by x.actual_at range between interval '1 hour' preceding and current row),
    h24 as (partition by s.market_id order by x.actual_at range between interval '24 hours' preceding and current row),
    d7 as (partition by s.market_id order by x.actual_at range between interval '7 days' preceding and current row)
) w
where w.snapshot_id = e.snapshot_id;
