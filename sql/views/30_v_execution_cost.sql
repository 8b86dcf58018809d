-- v_execution_cost: what buying or selling each NOTIONALS_USD amount costs, fee included, one
-- row per snapshot × side × notional (markets quoted in USD or a USD stablecoin).
drop view if exists orderbook.v_execution_cost cascade;
create view orderbook.v_execution_cost as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  f.side, f.notional_usd, f.filled_base, f.avg_price, f.worst_price, f.levels_used,
  f.slippage_bps, f.fee_bps, f.fee_usd, f.all_in_price, f.fully_filled,
  t.mid_price
from orderbook.v_snapshot s
join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_execution_cost to orderbook_reader;
