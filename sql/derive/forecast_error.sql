-- fact_forecast_error (v_forecast_error), first part: each forecast against the mid that
-- actually arrived, the market's next snapshot whenever it came (actual_at).
--   error = actual_mid − forecast_mid (positive: the mid came in above the forecast)
--   error_bps = error / actual_mid × 10000 (at 40 decimals, rounded to 18)
-- A forecast whose next snapshot has not arrived yet has no row. v_forecast_error averages
-- these scores over trailing windows.
-- $1 bigint[]: the forecasts to score (forecast_error_targets.sql).
insert into orderbook.fact_forecast_error
  (snapshot_id, actual_snapshot_id, actual_at, actual_mid, error, error_bps)
select
  s.snapshot_id, n.snapshot_id, n.received_at, n.mid_price,
  n.mid_price - f.forecast_mid,
  round((n.mid_price - f.forecast_mid)::numeric(1000, 40) * 10000 / n.mid_price, 18)
from orderbook.fact_snapshot s
join orderbook.fact_forecast f on f.snapshot_id = s.snapshot_id
cross join lateral (
  -- The next snapshot that has a top of book (as lead() over the market's snapshots with one).
  select ns.snapshot_id, ns.received_at, nt.mid_price
  from orderbook.fact_snapshot ns
  join orderbook.fact_top nt on nt.snapshot_id = ns.snapshot_id
  where ns.market_id = s.market_id
    and ns.received_at >= s.received_at
    and (ns.received_at, ns.snapshot_id) > (s.received_at, s.snapshot_id)
  order by ns.received_at, ns.snapshot_id
  limit 1
) n
where s.snapshot_id = any ($1::bigint[])
  and f.forecast_mid is not null
