-- v_mid_price_day: average, lowest and highest mid price per market per UTC day.
-- "What is the average mid price per market?" bucket is the start of the day in UTC.
drop view if exists orderbook.v_mid_price_day cascade;
create view orderbook.v_mid_price_day as
select
  s.exchange, s.market, s.base, s.quote,
  date_trunc('day', s.captured_at at time zone 'UTC') at time zone 'UTC' as bucket,
  avg(t.mid_price) as avg_mid,
  min(t.mid_price) as min_mid,
  max(t.mid_price) as max_mid,
  count(*) as snapshots
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
group by 1, 2, 3, 4, 5;
grant select on orderbook.v_mid_price_day to orderbook_reader;
