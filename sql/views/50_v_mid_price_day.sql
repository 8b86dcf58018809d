-- v_mid_price_day: average, lowest and highest mid price per market per UTC day.
-- "What is the average mid price per market?" bucket is the start of the day in UTC.
create or replace view orderbook.v_mid_price_day as
select
  s.exchange, s.market, s.base, s.quote,
  date_trunc('day', s.captured_at at time zone 'UTC') at time zone 'UTC' as bucket,
  avg(t.mid_price) as avg_mid,
  min(t.mid_price) as min_mid,
  max(t.mid_price) as max_mid,
  count(*) as snapshots
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
group by 1, 2, 3, 4, 5;
grant select on orderbook.v_mid_price_day to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_mid_price_day is 'Average, lowest and highest mid price per market per UTC day. One row per market × day.';
comment on column orderbook.v_mid_price_day.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_mid_price_day.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_mid_price_day.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_mid_price_day.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_mid_price_day.bucket is 'Start of the UTC day (timestamptz).';
comment on column orderbook.v_mid_price_day.avg_mid is 'Average mid price ((best_bid + best_ask) / 2) of the market''s snapshots in the day, quote per base.';
comment on column orderbook.v_mid_price_day.min_mid is 'Lowest mid price in the day, quote per base.';
comment on column orderbook.v_mid_price_day.max_mid is 'Highest mid price in the day, quote per base.';
comment on column orderbook.v_mid_price_day.snapshots is 'Snapshots of the market captured in the day.';
