-- Year-scale speed (issue 13): v_vwap's hourly rows were aggregated from every stored trade on
-- each query (16.7 s at a year of 20 markets). Each hour's sums are now kept in fact_trade_hour,
-- recomputed from fact_trade for the hours a trades load touches (sql/derive/trade_hour.sql), so
-- the view reads one row per market-hour. The sums are exact numeric, so every figure v_vwap
-- derives from them (vwap, volume, notional, trades_missing) is the value it computed before.
-- (Migration 0009 is left to another change in flight.)
create table orderbook.fact_trade_hour (
  market_id         integer not null references orderbook.dim_market,
  -- The UTC hour the trades were executed in (its start).
  hour              timestamptz not null,
  trades            bigint not null check (trades > 0),
  first_trade_at    timestamptz not null,
  last_trade_at     timestamptz not null,
  -- Σ price × size (quote units) and Σ size (base units), exact.
  notional          numeric not null,
  volume            numeric not null,
  taker_buy_volume  numeric not null,
  taker_sell_volume numeric not null,
  first_trade_id    bigint not null,
  last_trade_id     bigint not null,
  primary key (market_id, hour)
);

-- The hours of the trades already stored, as sql/derive/trade_hour.sql sums them.
insert into orderbook.fact_trade_hour
select
  t.market_id,
  date_trunc('hour', t.traded_at at time zone 'UTC') at time zone 'UTC',
  count(*), min(t.traded_at), max(t.traded_at),
  sum(t.price * t.size), sum(t.size),
  coalesce(sum(t.size) filter (where t.taker_side = 'buy'), 0),
  coalesce(sum(t.size) filter (where t.taker_side = 'sell'), 0),
  min(t.trade_id), max(t.trade_id)
from orderbook.fact_trade t
group by 1, 2;

-- "The newest snapshots" (v_book_top, v_snapshot ordered by captured_at, across markets) read the
-- index backwards instead of sorting every snapshot of the year.
create index fact_snapshot_time on orderbook.fact_snapshot (received_at);
