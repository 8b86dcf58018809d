-- v_cost_curve: what each size of the COST_CURVE_USD ladder costs on each book, one row per
-- snapshot × side × size: the DESIGN §6 fill (the same as v_execution_cost, at more sizes),
-- with the price columns null where the stored book cannot fill the size (fully_filled false).
drop view if exists orderbook.v_cost_curve cascade;
create view orderbook.v_cost_curve as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  c.side, c.notional_usd, t.mid_price, c.fully_filled, c.fee_bps,
  case when c.fully_filled then c.all_in_price end as all_in_price,
  case when c.fully_filled then c.avg_price end as avg_price,
  case when c.fully_filled then c.slippage_bps end as slippage_bps,
  -- All-in cost vs mid in bps: slippage and fee together, comparable across venues and sizes.
  case when c.fully_filled then round(
    (case c.side when 'buy' then c.all_in_price - t.mid_price else t.mid_price - c.all_in_price end)
    ::numeric(1000, 40) * 10000 / t.mid_price, 18) end as all_in_cost_bps,
  case when c.fully_filled then c.filled_base end as filled_base,
  case when c.fully_filled then c.fee_usd end as fee_usd,
  case when c.fully_filled then c.worst_price end as worst_price,
  case when c.fully_filled then c.levels_used end as levels_used
from orderbook.v_snapshot s
join orderbook.fact_cost_curve c on c.snapshot_id = s.snapshot_id
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_cost_curve to orderbook_reader;
