-- fact_depth (DESIGN §6): in band b, bids with price >= mid * (1 - b/10000) and asks with
-- price <= mid * (1 + b/10000); _base = sum(size), _quote = sum(price * size).
-- $1 bigint[]: snapshots; $2 integer[]: bands in bps. Needs fact_top of the same snapshots.
-- Each level inside the widest band is read once, one side of one book at a time: width_bucket
-- counts, by exact numeric comparison with the band limits, how many bands hold it (bands nest,
-- so it is in the widest that many), and the sums per count then add up into every band.
with band as (
  -- k = 1 is the widest band.
  select b.band_bps, row_number() over (order by b.band_bps desc) as k
  from (select distinct unnest($2::integer[]) as band_bps) b
),
target as (
  -- Band limits widest first: bid floors ascending, ask ceilings negated so they ascend too.
  select t.snapshot_id,
         array_agg(t.mid_price * (1 - band.band_bps::numeric / 10000) order by band.k) as bid_floor,
         array_agg(-(t.mid_price * (1 + band.band_bps::numeric / 10000)) order by band.k) as ask_ceiling
  from orderbook.fact_top t cross join band
  where t.snapshot_id = any ($1::bigint[])
  group by t.snapshot_id
),
held as (
  select t.snapshot_id, sd.side, h.bands, h.base, h.quote
  from target t
  cross join (values ('bid'), ('ask')) as sd (side)
  cross join lateral (
    select case sd.side when 'bid' then width_bucket(l.price, t.bid_floor)
                        else width_bucket(-l.price, t.ask_ceiling) end as bands,
           sum(l.size) as base,
           sum(l.price * l.size) as quote
    from orderbook.fact_level_all l
    where l.snapshot_id = t.snapshot_id
      and l.side = sd.side
      and case sd.side when 'bid' then l.price >= t.bid_floor[1] else l.price <= -t.ask_ceiling[1] end
    group by 1
  ) h
)
insert into orderbook.fact_depth (snapshot_id, band_bps, bid_base, bid_quote, ask_base, ask_quote)
select
  t.snapshot_id,
  band.band_bps,
  coalesce(sum(h.base) filter (where h.side = 'bid'), 0),
  coalesce(sum(h.quote) filter (where h.side = 'bid'), 0),
  coalesce(sum(h.base) filter (where h.side = 'ask'), 0),
  coalesce(sum(h.quote) filter (where h.side = 'ask'), 0)
from target t
cross join band
left join held h on h.snapshot_id = t.snapshot_id and h.bands >= band.k
group by t.snapshot_id, band.band_bps
