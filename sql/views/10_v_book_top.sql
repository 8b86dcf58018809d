-- v_book_top: best bid and ask with their sizes, mid price, spread and spread in bps, one row
-- per snapshot. "What is the spread on each venue right now?" A book that is not executable
-- (an auction's indicative quote, a halted market) keeps its top here, flagged, so its prices
-- can be seen and not mistaken for ones to trade at.
create or replace view orderbook.v_book_top as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size, t.mid_price, t.spread, t.spread_bps,
  s.executable, s.not_executable_reason
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_book_top to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_book_top is 'Top of book per snapshot: best bid and ask with their sizes, mid price, spread and spread in bps. One row per snapshot.';
comment on column orderbook.v_book_top.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_book_top.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_book_top.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_book_top.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_book_top.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_book_top.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_book_top.best_bid is 'Highest bid price, quote per base.';
comment on column orderbook.v_book_top.best_bid_size is 'Size at the best bid, base units.';
comment on column orderbook.v_book_top.best_ask is 'Lowest ask price, quote per base.';
comment on column orderbook.v_book_top.best_ask_size is 'Size at the best ask, base units.';
comment on column orderbook.v_book_top.mid_price is 'Mid price, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_book_top.spread is 'best_ask − best_bid, quote units.';
comment on column orderbook.v_book_top.spread_bps is 'Spread relative to mid, bps: spread / mid_price × 10000.';
comment on column orderbook.v_book_top.executable is 'False when the book cannot be taken as shown (Coinbase auction_mode, or the market closed to takers in the run''s market list): its prices are not there to trade. See v_snapshot.executable.';
comment on column orderbook.v_book_top.not_executable_reason is 'Why the book is not executable (auction_mode, status: BREAK …); null when executable.';
