-- v_snapshot: every loaded snapshot with its names — the join every other view starts from.
-- Columns: exchange, market, base, quote, snapshot_id, captured_at (= received_at), run_id,
-- requested_at, exchange_time, exchange_sequence, bid_levels, ask_levels, stored_levels, raw_key,
-- and whether the book is executable as shown (with the reason when it is not).
create or replace view orderbook.v_snapshot as
select
  e.code as exchange,
  m.symbol as market,
  b.code as base,
  q.code as quote,
  q.is_usd as quote_is_usd,
  s.snapshot_id,
  s.received_at as captured_at,
  s.run_id,
  s.requested_at,
  s.exchange_time,
  s.exchange_sequence,
  s.bid_levels,
  s.ask_levels,
  s.stored_levels,
  s.raw_key,
  s.market_id,
  s.executable,
  s.not_executable_reason
from orderbook.fact_snapshot s
join orderbook.dim_market m on m.market_id = s.market_id
join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
join orderbook.dim_asset b on b.asset_id = m.base_asset_id
join orderbook.dim_asset q on q.asset_id = m.quote_asset_id;
grant select on orderbook.v_snapshot to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_snapshot is 'Every loaded order book snapshot with its names: the join every other view starts from. One row per snapshot.';
comment on column orderbook.v_snapshot.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_snapshot.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_snapshot.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_snapshot.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_snapshot.quote_is_usd is 'True when the quote is USD or a USD_STABLECOINS coin: the markets that get fills and compete in v_best_venue.';
comment on column orderbook.v_snapshot.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_snapshot.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_snapshot.run_id is 'The run that fetched the book (etl_run.run_id, a time-ordered UUIDv7; see v_run).';
comment on column orderbook.v_snapshot.requested_at is 'When the ETL sent the request, UTC.';
comment on column orderbook.v_snapshot.exchange_time is 'The venue''s own timestamp of the book: Coinbase time (cut to microseconds), OKX and Bybit ts, Kraken the newest level''s timestamp (whole seconds); null for Binance, which sends none.';
comment on column orderbook.v_snapshot.exchange_sequence is 'The venue''s book sequence: Coinbase sequence, Binance lastUpdateId, OKX seqId (else ts), Bybit seq (else u); Kraken sends none, so its newest level timestamp in seconds (it never goes back).';
comment on column orderbook.v_snapshot.bid_levels is 'Bid levels in the response (all of them, before LEVELS_WITHIN_BPS).';
comment on column orderbook.v_snapshot.ask_levels is 'Ask levels in the response (all of them, before LEVELS_WITHIN_BPS).';
comment on column orderbook.v_snapshot.stored_levels is 'Levels kept in fact_level, both sides: those within LEVELS_WITHIN_BPS of mid.';
comment on column orderbook.v_snapshot.raw_key is 'Key of the raw response in the raw store (RAW_STORE_URL): the source of truth the snapshot was loaded from.';
comment on column orderbook.v_snapshot.market_id is 'Internal market key (dim_market.market_id); exchange and market name it.';
comment on column orderbook.v_snapshot.executable is 'False when the book cannot be taken as shown: a Coinbase book in auction_mode (an indicative auction quote), or a market the run''s market list shows closed to takers (halted, cancel-only, post-only…). Such a book never wins v_best_venue nor takes part in v_optimal_split.';
comment on column orderbook.v_snapshot.not_executable_reason is 'Why the book is not executable, in the venue''s words: auction_mode, status: BREAK, state: suspend, cancel_only, post_only…, several joined by "; "; null when executable.';
