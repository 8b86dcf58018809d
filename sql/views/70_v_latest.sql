-- v_latest: the newest snapshot of each market with its top of book and its fills, one row per
-- market × side × notional (a market without USD fills still has one row, fill columns null).
drop view if exists orderbook.v_latest cascade;
create view orderbook.v_latest as
with newest as (
  -- One index probe per market on (market_id, received_at), not a sort of all history.
  select s.*
  from orderbook.dim_market m
  cross join lateral (
    select * from orderbook.v_snapshot v
    where v.market_id = m.market_id
    order by v.captured_at desc, v.snapshot_id desc
    limit 1
  ) s
)
select
  n.exchange, n.market, n.base, n.quote, n.snapshot_id, n.captured_at, n.run_id,
  t.best_bid, t.best_ask, t.mid_price, t.spread, t.spread_bps,
  f.side, f.notional_usd, f.avg_price, f.all_in_price, f.slippage_bps, f.fee_usd, f.fully_filled
from newest n
left join orderbook.fact_top t on t.snapshot_id = n.snapshot_id
left join orderbook.fact_fill f on f.snapshot_id = n.snapshot_id;
grant select on orderbook.v_latest to orderbook_reader;
