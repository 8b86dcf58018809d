-- v_max_size: how large an order can be before it gets expensive. Per snapshot × side ×
-- slippage threshold (SLIPPAGE_BPS_THRESHOLDS), the largest USD notional whose slippage vs mid
-- (DESIGN §6, fees not included) is at most the threshold, its base quantity and the levels it
-- takes — solved exactly inside the level where the limit falls (sql/derive/size_limit.sql).
-- book_exhausted: the whole stored side is within the threshold, so the real limit may be
-- larger than the book we kept. Markets quoted in USD or a USD stablecoin.
create or replace view orderbook.v_max_size as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  z.side, z.threshold_bps, t.mid_price,
  z.max_notional_usd, z.max_base, z.levels_used, z.worst_price, z.avg_price, z.slippage_bps,
  z.book_exhausted,
  -- The side walked (buy: asks, sell: bids); left join as in v_execution_cost.
  r.reach_bps,
  case when z.book_exhausted and r.snapshot_id is not null
       then case when r.cut is null then 'book_thin' else 'not_captured' end end as ran_out
from orderbook.v_snapshot s
join orderbook.fact_size_limit z on z.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
left join orderbook.fact_reach r
  on r.snapshot_id = s.snapshot_id and r.side = case z.side when 'buy' then 'ask' else 'bid' end;
grant select on orderbook.v_max_size to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_max_size is 'How large an order can be before slippage passes each SLIPPAGE_BPS_THRESHOLDS threshold, solved exactly inside the level where the limit falls. One row per snapshot × side × threshold; markets quoted in USD or a USD stablecoin.';
comment on column orderbook.v_max_size.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_max_size.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_max_size.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_max_size.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_max_size.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_max_size.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_max_size.side is 'buy (walks the asks from the best) or sell (walks the bids from the best).';
comment on column orderbook.v_max_size.threshold_bps is 'Slippage threshold t, bps (a SLIPPAGE_BPS_THRESHOLDS value).';
comment on column orderbook.v_max_size.mid_price is 'Mid price of the snapshot, quote per base: (best_bid + best_ask) / 2.';
comment on column orderbook.v_max_size.max_notional_usd is 'Largest order, USD traded before fees, whose slippage against mid is at most threshold_bps; 0 when even the best level is further from mid.';
comment on column orderbook.v_max_size.max_base is 'Base quantity of that order.';
comment on column orderbook.v_max_size.levels_used is 'Levels it touches, a partly taken last one included; 0 when max is 0.';
comment on column orderbook.v_max_size.worst_price is 'Price of the last level it touches; null when max is 0.';
comment on column orderbook.v_max_size.avg_price is 'max_notional_usd / max_base, quote per base; null when max is 0.';
comment on column orderbook.v_max_size.slippage_bps is 'Slippage of that order against mid, bps (fees not included): threshold_bps itself unless book_exhausted; null when max is 0.';
comment on column orderbook.v_max_size.book_exhausted is 'True when the whole stored side is within the threshold: the real limit is larger than the book kept (LEVELS_WITHIN_BPS, venue depth limit).';
comment on column orderbook.v_max_size.reach_bps is 'How far from mid the stored side this order walks reaches (buy: asks, sell: bids), bps (v_reach.reach_bps); null for a snapshot not derived since fact_reach existed.';
comment on column orderbook.v_max_size.ran_out is 'Why the limit is the whole stored side (book_exhausted true): book_thin, the venue''s whole side was captured, so max_notional_usd is the real limit (the book ends there); not_captured, the side was cut (venue depth limit or LEVELS_WITHIN_BPS, v_reach.cut), so the real limit may be larger. Null when not book_exhausted.';
