-- The snapshots whose forecast a change to these snapshots (loaded, or re-derived) can move: per
-- market, every snapshot from the earliest changed one to the latest, and the FORECAST_WINDOW − 1
-- after it, whose trailing windows reach back over it (a backfill loads out of order).
-- $1 bigint[]: the changed snapshots; $2 integer: FORECAST_WINDOW.
with changed as (
  select s.market_id, s.received_at, s.snapshot_id
  from orderbook.fact_snapshot s
  where s.snapshot_id = any ($1::bigint[])
),
first as (
  select distinct on (market_id) market_id, received_at, snapshot_id
  from changed order by market_id, received_at, snapshot_id
),
last as (
  select distinct on (market_id) market_id, received_at, snapshot_id
  from changed order by market_id, received_at desc, snapshot_id desc
)
select s.snapshot_id
from first f
join last l on l.market_id = f.market_id
join orderbook.fact_snapshot s
  on s.market_id = f.market_id
  and s.received_at between f.received_at and l.received_at
  and (s.received_at, s.snapshot_id) >= (f.received_at, f.snapshot_id)
  and (s.received_at, s.snapshot_id) <= (l.received_at, l.snapshot_id)
union
select n.snapshot_id
from last l
cross join lateral (
  select s.snapshot_id
  from orderbook.fact_snapshot s
  where s.market_id = l.market_id
    and s.received_at >= l.received_at
    and (s.received_at, s.snapshot_id) > (l.received_at, l.snapshot_id)
  order by s.received_at, s.snapshot_id
  limit $2::integer - 1
) n
