-- v_freshness: per market, is its data current? The newest loaded snapshot and its age, how the
-- market's latest run went, how many runs in a row failed its book since it last loaded, and its
-- newest error: what an operator (or `npm run health`) needs to call a market OK, warning or
-- critical. Built from loaded snapshots and etl_error like v_etl_health, so it tells the same
-- after a backfill into an empty database; etl_run adds the run's kind and status where it has
-- them. A backfill is not a run of the market: its own failures are left out (what it found in
-- the raw store is recorded under the run that fetched it, and counts there).
create or replace view orderbook.v_freshness as
with known as (
  select e.code as exchange, m.symbol as market, b.code as base, q.code as quote, m.market_id
  from orderbook.dim_market m
  join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
  join orderbook.dim_asset b on b.asset_id = m.base_asset_id
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id
  union all
  -- Markets that never loaded (a symbol the venue does not list, a venue never reached).
  select distinct x.exchange, x.market, null, null, null::integer
  from orderbook.etl_error x
  where x.stage <> 'derive'
    and not exists (
      select 1 from orderbook.dim_market m join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
      where e.code = x.exchange and m.symbol = x.market)
),
run_error as (
  -- A market's failures in the runs that fetched it (derive failures name a base, not a market).
  select x.*
  from orderbook.etl_error x
  where x.stage <> 'derive'
    and not exists (select 1 from orderbook.etl_run r where r.run_id = x.run_id and r.kind = 'backfill')
),
state as (
  select k.*, l.snapshot_id as last_snapshot_id, l.received_at as last_captured_at, l.run_id as loaded_run_id,
         f.runs as consecutive_failed_runs, f.since as failing_since,
         le.run_id as error_run_id, le.message as last_error, le.kind as last_error_kind,
         le.stage as last_error_stage, le.at as last_error_at
  from known k
  -- One index probe each: the newest snapshot (fact_snapshot_market_time), the book failures
  -- since it and the newest failure (etl_error_market_at).
  left join lateral (
    select s.snapshot_id, s.received_at, s.run_id
    from orderbook.fact_snapshot s
    where s.market_id = k.market_id
    order by s.received_at desc, s.snapshot_id desc
    limit 1
  ) l on true
  cross join lateral (
    select count(distinct x.run_id) as runs, min(x.at) as since
    from run_error x
    where x.exchange = k.exchange and x.market = k.market
      and x.at > coalesce(l.received_at, '-infinity')
      and x.run_id is distinct from l.run_id
      and x.object is distinct from 'trades'
  ) f
  left join lateral (
    select x.run_id, x.message, x.stage, x.at,
           -- The label kinds had before etl_error.object (0012): trades failures' start with trades_.
           case when x.object = 'trades' then 'trades_' || x.kind else x.kind end as kind
    from run_error x
    where x.exchange = k.exchange and x.market = k.market
    order by x.at desc, x.error_id desc
    limit 1
  ) le on true
),
latest as (
  select st.*,
         -- A failure newer than the newest load from another run: that run failed the market.
         case when st.error_run_id is distinct from st.loaded_run_id
                   and st.last_error_at > coalesce(st.last_captured_at, '-infinity')
              then st.error_run_id else coalesce(st.loaded_run_id, st.error_run_id) end as last_run_id
  from state st
)
select
  lt.exchange, lt.market, lt.base, lt.quote,
  lt.last_snapshot_id, lt.last_captured_at,
  now() - lt.last_captured_at as age,
  round(extract(epoch from now() - lt.last_captured_at), 3) as age_seconds,
  lt.last_run_id,
  r.kind as last_run_kind,
  r.status as last_run_status,
  coalesce(r.started_at, case when lt.last_run_id = lt.loaded_run_id then lt.last_captured_at else lt.last_error_at end)
    as last_run_at,
  case
    when lt.last_run_id is null then null
    when lt.last_run_id is distinct from lt.loaded_run_id then 'failed'
    when exists (
      select 1 from run_error x
      where x.run_id = lt.last_run_id and x.exchange = lt.exchange and x.market = lt.market
        and x.object = 'trades')
      then 'trades_failed'
    else 'loaded'
  end as last_run_outcome,
  lt.consecutive_failed_runs,
  lt.failing_since,
  lt.last_error, lt.last_error_kind, lt.last_error_stage, lt.last_error_at
from latest lt
left join orderbook.etl_run r on r.run_id = lt.last_run_id;
grant select on orderbook.v_freshness to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_freshness is 'Is each market''s data current? Its newest loaded snapshot and that snapshot''s age, how its latest run went, the runs in a row that failed its book since it last loaded, and its newest error: what npm run health reads. One row per market the warehouse has loaded or failed (every market ever configured; npm run health checks those in MARKETS). Backfills are not counted as runs of a market.';
comment on column orderbook.v_freshness.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_freshness.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_freshness.base is 'Base asset code, e.g. BTC; null for a market that never loaded (its assets are not known).';
comment on column orderbook.v_freshness.quote is 'Quote asset code, e.g. USD or USDT; null for a market that never loaded.';
comment on column orderbook.v_freshness.last_snapshot_id is 'The market''s newest loaded snapshot (by captured_at); null when none ever loaded.';
comment on column orderbook.v_freshness.last_captured_at is 'When that snapshot''s response arrived, UTC: the market''s data is as of this time.';
comment on column orderbook.v_freshness.age is 'now() − last_captured_at: how old the market''s newest data is (now() is the start of the query''s transaction). Null when it never loaded.';
comment on column orderbook.v_freshness.age_seconds is 'age in seconds (3 decimals), for monitors and thresholds.';
comment on column orderbook.v_freshness.last_run_id is 'The latest run that tried the market: the one that loaded its newest snapshot, or a later one that failed it.';
comment on column orderbook.v_freshness.last_run_kind is 'one-shot (npm run etl) or scheduled (npm start); null when etl_run has no row for it (after a backfill into an empty database) or it predates migration 0007.';
comment on column orderbook.v_freshness.last_run_status is 'That run''s status in etl_run, over all its markets: running, ok, partial, failed or interrupted; null when etl_run has no row for it.';
comment on column orderbook.v_freshness.last_run_at is 'When that run started, UTC (without its etl_run row: when its snapshot arrived, or its failure happened).';
comment on column orderbook.v_freshness.last_run_outcome is 'How that run did for this market: loaded (book and trades), trades_failed (the book loaded, its trades did not) or failed (the book did not load).';
comment on column orderbook.v_freshness.consecutive_failed_runs is 'Runs in a row, up to now, that tried the market and failed its book since its newest snapshot loaded (all its failed runs if it never loaded); 0 when the latest run loaded it. Failed trades alone do not count.';
comment on column orderbook.v_freshness.failing_since is 'When the first of those failures happened, UTC; null when consecutive_failed_runs is 0.';
comment on column orderbook.v_freshness.last_error is 'Message of the market''s newest failure (book or trades), however old; null when it never failed. Compare last_error_at with last_captured_at to tell a past failure from a current one.';
comment on column orderbook.v_freshness.last_error_kind is 'Kind of that failure: http_503, timeout, unknown_market, invalid_book…; trades failures start with trades_.';
comment on column orderbook.v_freshness.last_error_stage is 'Stage of that failure: fetch, store, parse or load.';
comment on column orderbook.v_freshness.last_error_at is 'When that failure happened, UTC.';
