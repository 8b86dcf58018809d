-- Public trades, fetched with each book (Coinbase GET /products/{id}/trades, Binance GET
-- /api/v3/trades). Each run asks for the most recent trades, so consecutive fetches overlap:
-- a trade is stored once per market, keyed on the venue's own trade id.

-- One row per trades response loaded, like fact_snapshot for books: keyed on its raw object, so
-- loading the same object twice changes nothing and backfill can tell what is already in.
create table orderbook.fact_trade_fetch (
  fetch_id       bigint generated always as identity primary key,
  market_id      integer not null references orderbook.dim_market,
  run_id         uuid not null,
  requested_at   timestamptz not null,
  received_at    timestamptz not null,
  -- Trades in the response (0 is a valid answer for a quiet market) and their id range: a
  -- fetch whose first id is more than one past the previous fetch's last id left a gap.
  trade_count    integer not null check (trade_count >= 0),
  first_trade_id bigint,
  last_trade_id  bigint,
  raw_key        text not null unique
);
create index fact_trade_fetch_market_time on orderbook.fact_trade_fetch (market_id, received_at);

create table orderbook.fact_trade (
  market_id  integer not null references orderbook.dim_market,
  -- The venue's trade id (Coinbase trade_id, Binance id): integers that count up per market.
  trade_id   bigint not null,
  -- The venue's execution time (Coinbase `time` cut to microseconds, Binance `time` in ms).
  traded_at  timestamptz not null,
  price      numeric not null check (price > 0),
  size       numeric not null check (size > 0),
  -- The side of the order that took liquidity: Coinbase reports the maker's side (so the taker
  -- is the other one); Binance's isBuyerMaker = true means the taker sold.
  taker_side text not null check (taker_side in ('buy', 'sell')),
  -- The earliest fetch (by raw key, i.e. by time) that carried the trade, whatever order
  -- fetches were loaded in, so a backfill gives the same row as the runs did.
  fetch_id   bigint not null references orderbook.fact_trade_fetch,
  primary key (market_id, trade_id)
);
create index fact_trade_market_time on orderbook.fact_trade (market_id, traded_at);
create index fact_trade_by_fetch on orderbook.fact_trade (fetch_id);

-- A run's books and its trades are counted apart: markets_ok/markets_failed are about books
-- (as before), trades_failed counts markets whose trades could not be fetched, stored, parsed
-- or loaded (their book may still have loaded).
alter table orderbook.etl_run add column trades_failed integer not null default 0;
