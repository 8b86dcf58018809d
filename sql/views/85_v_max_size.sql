-- v_max_size: how large an order can be before it gets expensive. Per snapshot × side ×
-- slippage threshold (SLIPPAGE_BPS_THRESHOLDS), the largest USD notional whose slippage vs mid
-- (DESIGN §6, fees not included) is at most the threshold, its base quantity and the levels it
-- takes — solved exactly inside the level where the limit falls (sql/derive/size_limit.sql).
-- book_exhausted: the whole stored side is within the threshold, so the real limit may be
-- larger than the book we kept. Markets quoted in USD or a USD stablecoin.
drop view if exists orderbook.v_max_size cascade;
create view orderbook.v_max_size as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  z.side, z.threshold_bps, t.mid_price,
  z.max_notional_usd, z.max_base, z.levels_used, z.worst_price, z.avg_price, z.slippage_bps,
  z.book_exhausted
from orderbook.v_snapshot s
join orderbook.fact_size_limit z on z.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_max_size to orderbook_reader;
