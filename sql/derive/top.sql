-- fact_top (DESIGN §6): best bid and ask, mid = (best_bid + best_ask) / 2,
-- spread = best_ask - best_bid, spread_bps = spread / mid * 10000.
-- $1 bigint[]: the snapshots to derive. Ratios are taken at 40 decimals and rounded to 18.
insert into orderbook.fact_top
  (snapshot_id, best_bid, best_bid_size, best_ask, best_ask_size, mid_price, spread, spread_bps)
select
  s.snapshot_id,
  b.price,
  b.size,
  a.price,
  a.size,
  (b.price + a.price) / 2,
  a.price - b.price,
  round((a.price - b.price)::numeric(1000, 40) * 10000 / ((b.price + a.price) / 2), 18)
from unnest($1::bigint[]) as s (snapshot_id)
join orderbook.fact_level_all b on b.snapshot_id = s.snapshot_id and b.side = 'bid' and b.level_no = 1
join orderbook.fact_level_all a on a.snapshot_id = s.snapshot_id and a.side = 'ask' and a.level_no = 1
