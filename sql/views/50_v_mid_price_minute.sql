-- v_mid_price_minute: average, lowest and highest mid price per market per UTC minute.
-- "What is the average mid price per market?" bucket is the start of the minute in UTC.
drop view if exists orderbook.v_mid_price_minute cascade;
create view orderbook.v_mid_price_minute as
select
  s.exchange, s.market, s.base, s.quote,
  date_trunc('minute', s.captured_at at time zone 'UTC') at time zone 'UTC' as bucket,
  avg(t.mid_price) as avg_mid,
  min(t.mid_price) as min_mid,
  max(t.mid_price) as max_mid,
  count(*) as snapshots
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
group by 1, 2, 3, 4, 5;
grant select on orderbook.v_mid_price_minute to orderbook_reader;
