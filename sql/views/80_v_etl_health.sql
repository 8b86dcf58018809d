-- v_etl_health: per UTC day × exchange × market, how the ETL did: runs that attempted the
-- market, snapshots loaded, failures, and the newest failure of the day.
drop view if exists orderbook.v_etl_health cascade;
create view orderbook.v_etl_health as
with attempt as (
  select (s.captured_at at time zone 'UTC')::date as day, s.exchange, s.market, s.run_id,
         1 as loaded, 0 as failed, null::text as message, null::text as stage, null::timestamptz as error_at,
         null::bigint as error_id
  from orderbook.v_snapshot s
  union all
  select (e.at at time zone 'UTC')::date, e.exchange, e.market, e.run_id,
         0, 1, e.message, e.stage, e.at, e.error_id
  from orderbook.etl_error e
)
select
  day, exchange, market,
  count(distinct run_id) as runs,
  sum(loaded) as loaded,
  sum(failed) as failed,
  (array_agg(message order by error_at desc, error_id desc) filter (where failed = 1))[1] as last_error,
  (array_agg(stage order by error_at desc, error_id desc) filter (where failed = 1))[1] as last_error_stage,
  max(error_at) as last_error_at
from attempt
group by day, exchange, market;
grant select on orderbook.v_etl_health to orderbook_reader;
