-- v_etl_health: per UTC day × exchange × market, how the ETL did: runs that attempted the
-- market, snapshots loaded, failures, and the newest failure of the day.
create or replace view orderbook.v_etl_health as
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
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_etl_health is 'How the ETL did per UTC day × venue × market: runs that attempted the market, snapshots loaded, failures and the newest failure. Built from loaded snapshots and etl_error, so a backfill into an empty database shows the same. One row per day × exchange × market.';
comment on column orderbook.v_etl_health.day is 'UTC day (of captured_at for loads, of the error time for failures).';
comment on column orderbook.v_etl_health.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_etl_health.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_etl_health.runs is 'Distinct runs that loaded or failed the market that day (a backfill counts under the runs that fetched what it loaded, and for its own failures).';
comment on column orderbook.v_etl_health.loaded is 'Snapshots of the market loaded that day.';
comment on column orderbook.v_etl_health.failed is 'Failures of the market that day (etl_error rows: failed books and failed trades alike).';
comment on column orderbook.v_etl_health.last_error is 'Message of the newest failure of the day; null when none. Starts with venue:SYMBOL: trades: for a trades failure.';
comment on column orderbook.v_etl_health.last_error_stage is 'Stage of the newest failure: fetch, store, parse, load or derive.';
comment on column orderbook.v_etl_health.last_error_at is 'When the newest failure of the day happened, UTC.';
