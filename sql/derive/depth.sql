-- fact_depth (DESIGN §6): in band b, bids with price >= mid * (1 - b/10000) and asks with
-- price <= mid * (1 + b/10000); _base = sum(size), _quote = sum(price * size).
-- $1 bigint[]: snapshots; $2 integer[]: bands in bps. Needs fact_top of the same snapshots.
-- Only levels inside the widest band are read, so deep stored books cost little here.
with band as (
  select unnest($2::integer[]) as band_bps
),
target as (
  select t.snapshot_id, t.mid_price,
         t.mid_price * (1 - max(band.band_bps)::numeric / 10000) as lowest,
         t.mid_price * (1 + max(band.band_bps)::numeric / 10000) as highest
  from orderbook.fact_top t cross join band
  where t.snapshot_id = any ($1::bigint[])
  group by t.snapshot_id, t.mid_price
)
insert into orderbook.fact_depth (snapshot_id, band_bps, bid_base, bid_quote, ask_base, ask_quote)
select
  t.snapshot_id,
  band.band_bps,
  coalesce(sum(l.size) filter (where l.side = 'bid' and l.price >= t.mid_price * (1 - band.band_bps::numeric / 10000)), 0),
  coalesce(sum(l.price * l.size) filter (where l.side = 'bid' and l.price >= t.mid_price * (1 - band.band_bps::numeric / 10000)), 0),
  coalesce(sum(l.size) filter (where l.side = 'ask' and l.price <= t.mid_price * (1 + band.band_bps::numeric / 10000)), 0),
  coalesce(sum(l.price * l.size) filter (where l.side = 'ask' and l.price <= t.mid_price * (1 + band.band_bps::numeric / 10000)), 0)
from target t
cross join band
left join orderbook.fact_level l
  on l.snapshot_id = t.snapshot_id
  and ((l.side = 'bid' and l.price >= t.lowest) or (l.side = 'ask' and l.price <= t.highest))
group by t.snapshot_id, band.band_bps
