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
drop view if exists orderbook.v_spread_rolling cascade;
create view orderbook.v_spread_rolling as
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
