-- v_trade: every stored public trade with its names, one row per trade (each trade once,
-- however many fetches carried it). taker_side is the side of the order that took liquidity;
-- notional = price × size in the quote currency; run_id and fetched_at are those of the
-- earliest fetch that carried the trade.
create or replace view orderbook.v_trade as
select
  e.code as exchange,
  m.symbol as market,
  b.code as base,
  q.code as quote,
  t.trade_id,
  t.traded_at,
  t.price,
  t.size,
  t.price * t.size as notional,
  t.taker_side,
  f.run_id,
  f.received_at as fetched_at
from orderbook.fact_trade t
join orderbook.fact_trade_fetch f on f.fetch_id = t.fetch_id
join orderbook.dim_market m on m.market_id = t.market_id
join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
join orderbook.dim_asset b on b.asset_id = m.base_asset_id
join orderbook.dim_asset q on q.asset_id = m.quote_asset_id;
grant select on orderbook.v_trade to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_trade is 'Every stored public trade with its names, each trade once however many fetches carried it. One row per trade.';
comment on column orderbook.v_trade.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_trade.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_trade.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_trade.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_trade.trade_id is 'The venue''s trade id (Coinbase trade_id, Binance id), counting up per market.';
comment on column orderbook.v_trade.traded_at is 'The venue''s execution time, UTC.';
comment on column orderbook.v_trade.price is 'Trade price, quote per base.';
comment on column orderbook.v_trade.size is 'Trade size, base units.';
comment on column orderbook.v_trade.notional is 'price × size, quote units.';
comment on column orderbook.v_trade.taker_side is 'Side of the order that took liquidity: buy or sell.';
comment on column orderbook.v_trade.run_id is 'The run of the earliest fetch that carried the trade (see v_run).';
comment on column orderbook.v_trade.fetched_at is 'When that earliest fetch arrived, UTC.';
