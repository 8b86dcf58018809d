-- v_vwap: volume-weighted average price and volume of each market's stored trades, over its
-- last 200 trades (period 'last_200', bucket null) and per UTC hour (period 'hour', bucket =
-- the start of the hour), with when the trades span and who took liquidity.
--   vwap = Σ price × size / Σ size (computed at 40 decimals, rounded to 18)
--   volume = Σ size (base units), notional = Σ price × size (quote units)
--   taker_buy_volume / taker_sell_volume = the volume whose taker bought / sold
--   trades_missing = trade ids the venue used in the span that were never fetched: both
--   venues number a market's trades one by one, so 0 means the figures cover every trade of
--   the span; each run fetches the newest 1000, so a busy hour between hourly runs is partial.
-- The hourly rows read the sums kept per market-hour in fact_trade_hour (summed again for the
-- hours each trades load touches, sql/derive/trade_hour.sql), so the view does not aggregate
-- every stored trade on each query; the last 200 are summed here, from the newest trade back.
create or replace view orderbook.v_vwap as
with named as (
  select m.market_id, e.code as exchange, m.symbol as market, b.code as base, q.code as quote
  from orderbook.dim_market m
  join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
  join orderbook.dim_asset b on b.asset_id = m.base_asset_id
  join orderbook.dim_asset q on q.asset_id = m.quote_asset_id
),
sums as (
  select n.exchange, n.market, n.base, n.quote, 'last_200'::text as period, null::timestamptz as bucket,
         count(*) as trades, min(l.traded_at) as first_trade_at, max(l.traded_at) as last_trade_at,
         sum(l.price * l.size) as notional, sum(l.size) as volume,
         coalesce(sum(l.size) filter (where l.taker_side = 'buy'), 0) as taker_buy_volume,
         coalesce(sum(l.size) filter (where l.taker_side = 'sell'), 0) as taker_sell_volume,
         min(l.trade_id) as first_trade_id, max(l.trade_id) as last_trade_id
  from named n
  -- The newest 200 by trade id: a backward walk of the primary key, per market.
  cross join lateral (
    select t.trade_id, t.traded_at, t.price, t.size, t.taker_side
    from orderbook.fact_trade t
    where t.market_id = n.market_id
    order by t.trade_id desc
    limit 200
  ) l
  group by n.exchange, n.market, n.base, n.quote
  union all
  select n.exchange, n.market, n.base, n.quote, 'hour'::text, h.hour,
         h.trades, h.first_trade_at, h.last_trade_at, h.notional, h.volume,
         h.taker_buy_volume, h.taker_sell_volume, h.first_trade_id, h.last_trade_id
  from named n
  join orderbook.fact_trade_hour h on h.market_id = n.market_id
)
select
  exchange, market, base, quote, period, bucket,
  trades,
  first_trade_at,
  last_trade_at,
  round(notional::numeric(1000, 40) / volume, 18) as vwap,
  volume,
  notional,
  taker_buy_volume,
  taker_sell_volume,
  last_trade_id - first_trade_id + 1 - trades as trades_missing
from sums;
grant select on orderbook.v_vwap to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_vwap is 'Volume-weighted average price and volume of each market''s stored trades, over its last 200 trades and per UTC hour. One row per market × period × bucket.';
comment on column orderbook.v_vwap.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_vwap.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_vwap.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_vwap.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_vwap.period is 'last_200 (the market''s newest 200 stored trades) or hour.';
comment on column orderbook.v_vwap.bucket is 'Start of the UTC hour; null for last_200.';
comment on column orderbook.v_vwap.trades is 'Trades counted.';
comment on column orderbook.v_vwap.first_trade_at is 'Execution time of the earliest trade counted, UTC.';
comment on column orderbook.v_vwap.last_trade_at is 'Execution time of the latest trade counted, UTC.';
comment on column orderbook.v_vwap.vwap is 'Σ price × size / Σ size, quote per base (40 decimals, rounded to 18).';
comment on column orderbook.v_vwap.volume is 'Σ size, base units.';
comment on column orderbook.v_vwap.notional is 'Σ price × size, quote units.';
comment on column orderbook.v_vwap.taker_buy_volume is 'Volume whose taker bought, base units.';
comment on column orderbook.v_vwap.taker_sell_volume is 'Volume whose taker sold, base units.';
comment on column orderbook.v_vwap.trades_missing is 'Trade ids in the span never fetched (max id − min id + 1 − trades); 0 means every trade of the span is counted.';
