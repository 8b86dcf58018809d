-- The warehouse of DESIGN §5: dimensions, facts, derived metrics and the ETL's own bookkeeping.
-- Prices and sizes are unconstrained numeric: exact, whatever scale a venue sends.

create schema if not exists orderbook;

create table orderbook.dim_exchange (
  exchange_id smallint primary key,
  code        text not null unique,
  name        text not null
);
insert into orderbook.dim_exchange (exchange_id, code, name) values
  (1, 'coinbase', 'Coinbase Exchange'),
  (2, 'binance', 'Binance');

create table orderbook.dim_asset (
  asset_id integer generated always as identity primary key,
  code     text not null unique,
  -- USD itself or a stablecoin counted 1:1 as USD (USD_STABLECOINS) when venues are compared.
  is_usd   boolean not null
);

create table orderbook.dim_market (
  market_id      integer generated always as identity primary key,
  exchange_id    smallint not null references orderbook.dim_exchange,
  symbol         text not null,
  base_asset_id  integer not null references orderbook.dim_asset,
  quote_asset_id integer not null references orderbook.dim_asset,
  first_seen     timestamptz not null,
  last_seen      timestamptz not null,
  unique (exchange_id, symbol)
);

create table orderbook.etl_run (
  run_id         uuid primary key,
  started_at     timestamptz not null,
  finished_at    timestamptz,
  status         text not null check (status in ('running', 'ok', 'partial', 'failed')),
  markets_ok     integer not null default 0,
  markets_failed integer not null default 0
);

create table orderbook.etl_error (
  error_id bigint generated always as identity primary key,
  run_id   uuid not null,
  exchange text not null,
  market   text not null,
  stage    text not null check (stage in ('fetch', 'store', 'parse', 'load')),
  kind     text not null,
  message  text not null,
  raw_key  text,
  at       timestamptz not null default now()
);
create index etl_error_at on orderbook.etl_error (at);
create index etl_error_run on orderbook.etl_error (run_id);

create table orderbook.fact_snapshot (
  snapshot_id       bigint generated always as identity primary key,
  market_id         integer not null references orderbook.dim_market,
  run_id            uuid not null,
  requested_at      timestamptz not null,
  received_at       timestamptz not null,
  exchange_time     timestamptz,
  exchange_sequence bigint not null,
  bid_levels        integer not null,
  ask_levels        integer not null,
  stored_levels     integer not null,
  -- Loading the same raw object twice must change nothing.
  raw_key           text not null unique
);
create index fact_snapshot_market_time on orderbook.fact_snapshot (market_id, received_at);
create index fact_snapshot_run on orderbook.fact_snapshot (run_id);

create table orderbook.fact_level (
  snapshot_id bigint not null references orderbook.fact_snapshot on delete cascade,
  side        text not null check (side in ('bid', 'ask')),
  level_no    integer not null check (level_no >= 1),
  price       numeric not null check (price > 0),
  size        numeric not null check (size > 0),
  order_count integer,
  primary key (snapshot_id, side, level_no)
);

create table orderbook.fact_top (
  snapshot_id   bigint primary key references orderbook.fact_snapshot on delete cascade,
  best_bid      numeric not null,
  best_bid_size numeric not null,
  best_ask      numeric not null,
  best_ask_size numeric not null,
  mid_price     numeric not null,
  spread        numeric not null,
  spread_bps    numeric not null
);

create table orderbook.fact_depth (
  snapshot_id bigint not null references orderbook.fact_snapshot on delete cascade,
  band_bps    integer not null,
  bid_base    numeric not null,
  bid_quote   numeric not null,
  ask_base    numeric not null,
  ask_quote   numeric not null,
  primary key (snapshot_id, band_bps)
);

create table orderbook.fact_fill (
  snapshot_id  bigint not null references orderbook.fact_snapshot on delete cascade,
  side         text not null check (side in ('buy', 'sell')),
  notional_usd numeric not null,
  filled_base  numeric not null,
  avg_price    numeric not null,
  worst_price  numeric not null,
  levels_used  integer not null,
  slippage_bps numeric not null,
  fee_bps      numeric not null,
  fee_usd      numeric not null,
  all_in_price numeric not null,
  fully_filled boolean not null,
  primary key (snapshot_id, side, notional_usd)
);
