-- The snapshots whose trailing spread averages (fact_spread_rolling) a change to these snapshots
-- (loaded, or re-derived) can move: per market, every snapshot from the earliest changed one
-- (those captured at the same instant too: the 1 h and 24 h windows hold their peers) to 24 h
-- after the latest, and the FORECAST_WINDOW − 1 after the latest, whose windows reach back over
-- them (a backfill loads out of order).
-- $1 bigint[]: the changed snapshots; $2 integer: FORECAST_WINDOW.
with changed as (
  select s.market_id, s.received_at, s.snapshot_id
  from orderbook.fact_snapshot s
  where s.snapshot_id = any ($1::bigint[])
),
span as (
  select market_id, min(received_at) as first_at, max(received_at) as last_at
  from changed group by market_id
),
last as (
  select distinct on (market_id) market_id, received_at, snapshot_id
  from changed order by market_id, received_at desc, snapshot_id desc
)
select s.snapshot_id
from span p
join orderbook.fact_snapshot s
  on s.market_id = p.market_id
  and s.received_at >= p.first_at
  and s.received_at <= p.last_at + interval '24 hours'
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
