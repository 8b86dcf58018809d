-- fact_spread_rolling (v_spread_rolling): per snapshot, the average spread of the market over
-- three trailing windows, each ending at (and including) this snapshot:
--   _window  the last FORECAST_WINDOW snapshots of the market, by (captured_at, snapshot_id)
--            (fewer early in a market's history),
--   _1h      every snapshot captured from captured_at − 1 h to captured_at, inclusive (those
--            captured at the same instant included),
--   _24h     the same over 24 hours.
-- Averages are exact: avg over numeric at 40 decimals, rounded to 18, in quote units (spread)
-- and in bps (spread_bps). Only snapshots with a top of book count, and only they get a row.
-- $1 bigint[]: the snapshots to derive (spread_rolling_targets.sql); $2 integer: FORECAST_WINDOW.
-- Needs fact_top of the snapshots and of their windows.
insert into orderbook.fact_spread_rolling
  (snapshot_id, snapshots_window, avg_spread_window, avg_spread_bps_window,
   snapshots_1h, avg_spread_1h, avg_spread_bps_1h, snapshots_24h, avg_spread_24h, avg_spread_bps_24h)
select
  t.snapshot_id,
  k.n, k.avg_spread, k.avg_spread_bps,
  h1.n, h1.avg_spread, h1.avg_spread_bps,
  h24.n, h24.avg_spread, h24.avg_spread_bps
from orderbook.fact_snapshot t
join orderbook.fact_top tt on tt.snapshot_id = t.snapshot_id
cross join lateral (
  select count(*)::integer as n,
         round(avg(w.spread::numeric(1000, 40)), 18) as avg_spread,
         round(avg(w.spread_bps::numeric(1000, 40)), 18) as avg_spread_bps
  from (
    -- This snapshot and the FORECAST_WINDOW − 1 before it (index on market, time).
    select wt.spread, wt.spread_bps
    from orderbook.fact_snapshot ws
    join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
    where ws.market_id = t.market_id
      and ws.received_at <= t.received_at
      and (ws.received_at, ws.snapshot_id) <= (t.received_at, t.snapshot_id)
    order by ws.received_at desc, ws.snapshot_id desc
    limit $2::integer
  ) w
) k
cross join lateral (
  select count(*)::integer as n,
         round(avg(wt.spread::numeric(1000, 40)), 18) as avg_spread,
         round(avg(wt.spread_bps::numeric(1000, 40)), 18) as avg_spread_bps
  from orderbook.fact_snapshot ws
  join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
  where ws.market_id = t.market_id
    and ws.received_at >= t.received_at - interval '1 hour' and ws.received_at <= t.received_at
) h1
cross join lateral (
  select count(*)::integer as n,
         round(avg(wt.spread::numeric(1000, 40)), 18) as avg_spread,
         round(avg(wt.spread_bps::numeric(1000, 40)), 18) as avg_spread_bps
  from orderbook.fact_snapshot ws
  join orderbook.fact_top wt on wt.snapshot_id = ws.snapshot_id
  where ws.market_id = t.market_id
    and ws.received_at >= t.received_at - interval '24 hours' and ws.received_at <= t.received_at
) h24
where t.snapshot_id = any ($1::bigint[])
