-- v_depth: liquidity within each band around mid (DEPTH_BANDS_BPS), one row per snapshot × band:
-- base units and quote value on each side, and the band's bid/ask imbalance:
--   imbalance = (bid_quote − ask_quote) / (bid_quote + ask_quote), from −1 (asks only) to +1
--   (bids only); null when the band holds neither (40 decimals, rounded to 18);
-- and, on venues that count the orders at each level (Coinbase, OKX), the orders on each side.
create or replace view orderbook.v_depth as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  d.band_bps, d.bid_base, d.bid_quote, d.ask_base, d.ask_quote,
  round((d.bid_quote - d.ask_quote)::numeric(1000, 40) / nullif(d.bid_quote + d.ask_quote, 0), 18) as imbalance,
  d.bid_orders, d.ask_orders
from orderbook.v_snapshot s
join orderbook.fact_depth d on d.snapshot_id = s.snapshot_id;
grant select on orderbook.v_depth to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_depth is 'Liquidity around mid per snapshot and DEPTH_BANDS_BPS band: base and quote on each side within the band, their imbalance, and the orders behind them where the venue counts orders. One row per snapshot × band.';
comment on column orderbook.v_depth.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_depth.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_depth.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_depth.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_depth.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_depth.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_depth.band_bps is 'Band half-width b, bps of mid: bids with price >= mid × (1 − b/10000), asks with price <= mid × (1 + b/10000).';
comment on column orderbook.v_depth.bid_base is 'Σ size of the bids within the band, base units.';
comment on column orderbook.v_depth.bid_quote is 'Σ price × size of the bids within the band, quote units.';
comment on column orderbook.v_depth.ask_base is 'Σ size of the asks within the band, base units.';
comment on column orderbook.v_depth.ask_quote is 'Σ price × size of the asks within the band, quote units.';
comment on column orderbook.v_depth.imbalance is '(bid_quote − ask_quote) / (bid_quote + ask_quote) within the band: −1 asks only, +1 bids only, 0 balanced; null when the band is empty on both sides.';
comment on column orderbook.v_depth.bid_orders is 'Orders resting on the bids within the band (Σ of the levels'' order counts): Coinbase and OKX count them; null on Binance, Kraken and Bybit, which do not, and for rows derived before migration 0021 until backfill --derive-only.';
comment on column orderbook.v_depth.ask_orders is 'Orders resting on the asks within the band (Σ of the levels'' order counts): Coinbase and OKX count them; null on Binance, Kraken and Bybit, which do not, and for rows derived before migration 0021 until backfill --derive-only.';
