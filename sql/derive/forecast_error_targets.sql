-- The forecasts whose score a change to these forecasts can move: themselves, and per market the
-- snapshot just before the earliest (the snapshot that arrived after it may be a new one).
-- $1 bigint[]: snapshots whose forecast was derived again (forecast_targets.sql).
with changed as (
  select s.market_id, s.received_at, s.snapshot_id
  from orderbook.fact_snapshot s
  where s.snapshot_id = any ($1::bigint[])
),
first as (
  select distinct on (market_id) market_id, received_at, snapshot_id
  from changed order by market_id, received_at, snapshot_id
)
select snapshot_id from changed
union
select p.snapshot_id
from first f
cross join lateral (
  select s.snapshot_id
  from orderbook.fact_snapshot s
  where s.market_id = f.market_id
    and s.received_at <= f.received_at
    and (s.received_at, s.snapshot_id) < (f.received_at, f.snapshot_id)
  order by s.received_at desc, s.snapshot_id desc
  limit 1
) p
