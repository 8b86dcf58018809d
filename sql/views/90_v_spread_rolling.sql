-- v_spread_rolling: per market and snapshot, the spread now against its recent averages, and
-- whether it is below, at or above each of them: the mean-reversion signal for placing limit
-- orders (a spread wider than usual tends to narrow back, a narrow one to widen).
-- Three trailing windows, each ending at (and including) this snapshot:
--   _window  the last FORECAST_WINDOW snapshots of the market (the same K as the mid-price
--            forecast; snapshots_window < K early in a market's history),
--   _1h      every snapshot captured in the hour up to captured_at (captured_at − 1 h inclusive),
--   _24h     the same over 24 hours.
-- Averages are exact (numeric, computed at 40 decimals, rounded to 18); spread_vs_* compares
-- spread_bps with the window's average spread_bps (bps, so a moving price does not skew 24 h).
-- The windows are partitioned by the market's names as well as its id (the names follow from
-- the id): a filter on exchange, market, base or quote then picks the snapshots before any
-- window runs, rather than after every market's windows were computed.
create or replace view orderbook.v_spread_rolling as
with s as (
  select v.exchange, v.market, v.base, v.quote, v.snapshot_id, v.captured_at, v.market_id,
         t.spread, t.spread_bps
  from orderbook.v_snapshot v
  join orderbook.fact_top t on t.snapshot_id = v.snapshot_id
),
r as (
  select s.*,
    count(*) over k as snapshots_window,
    round(avg(spread::numeric(1000, 40)) over k, 18) as avg_spread_window,
    round(avg(spread_bps::numeric(1000, 40)) over k, 18) as avg_spread_bps_window,
    count(*) over h1 as snapshots_1h,
    round(avg(spread::numeric(1000, 40)) over h1, 18) as avg_spread_1h,
    round(avg(spread_bps::numeric(1000, 40)) over h1, 18) as avg_spread_bps_1h,
    count(*) over h24 as snapshots_24h,
    round(avg(spread::numeric(1000, 40)) over h24, 18) as avg_spread_24h,
    round(avg(spread_bps::numeric(1000, 40)) over h24, 18) as avg_spread_bps_24h
  from s
  window
    k as (partition by market_id, exchange, market, base, quote order by captured_at, snapshot_id
          rows between {{FORECAST_WINDOW_PRECEDING}} preceding and current row),
    h1 as (partition by market_id, exchange, market, base, quote order by captured_at
           range between interval '1 hour' preceding and current row),
    h24 as (partition by market_id, exchange, market, base, quote order by captured_at
            range between interval '24 hours' preceding and current row)
)
select
  exchange, market, base, quote, snapshot_id, captured_at, spread, spread_bps,
  snapshots_window, avg_spread_window, avg_spread_bps_window,
  case sign(spread_bps - avg_spread_bps_window) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_window,
  snapshots_1h, avg_spread_1h, avg_spread_bps_1h,
  case sign(spread_bps - avg_spread_bps_1h) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_1h,
  snapshots_24h, avg_spread_24h, avg_spread_bps_24h,
  case sign(spread_bps - avg_spread_bps_24h) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_24h
from r;
grant select on orderbook.v_spread_rolling to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_spread_rolling is 'Each snapshot''s spread against its trailing averages, and whether it is below, at or above each: the last {{FORECAST_WINDOW}} snapshots of the market (FORECAST_WINDOW), the last hour and the last 24 hours, each ending at and including this snapshot. Averages exact (numeric, rounded to 18 decimals). One row per snapshot.';
comment on column orderbook.v_spread_rolling.exchange is 'Venue code: coinbase or binance (dim_exchange.code).';
comment on column orderbook.v_spread_rolling.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance.';
comment on column orderbook.v_spread_rolling.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_spread_rolling.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_spread_rolling.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_spread_rolling.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_spread_rolling.spread is 'best_ask − best_bid, quote units.';
comment on column orderbook.v_spread_rolling.spread_bps is 'Spread relative to mid, bps: spread / mid_price × 10000.';
comment on column orderbook.v_spread_rolling.snapshots_window is 'Snapshots in the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window.';
comment on column orderbook.v_spread_rolling.avg_spread_window is 'Average spread over the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_window is 'Average spread_bps over the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_window is 'below, at or above: spread_bps against avg_spread_bps_window.';
comment on column orderbook.v_spread_rolling.snapshots_1h is 'Snapshots in the trailing hour (captured_at − 1 h to captured_at, inclusive) window.';
comment on column orderbook.v_spread_rolling.avg_spread_1h is 'Average spread over the trailing hour (captured_at − 1 h to captured_at, inclusive) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_1h is 'Average spread_bps over the trailing hour (captured_at − 1 h to captured_at, inclusive) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_1h is 'below, at or above: spread_bps against avg_spread_bps_1h.';
comment on column orderbook.v_spread_rolling.snapshots_24h is 'Snapshots in the trailing 24 hours (inclusive) window.';
comment on column orderbook.v_spread_rolling.avg_spread_24h is 'Average spread over the trailing 24 hours (inclusive) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_24h is 'Average spread_bps over the trailing 24 hours (inclusive) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_24h is 'below, at or above: spread_bps against avg_spread_bps_24h.';
