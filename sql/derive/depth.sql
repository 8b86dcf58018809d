-- fact_depth (DESIGN §6): in band b, bids with price >= mid * (1 - b/10000) and asks with
-- price <= mid * (1 + b/10000); _base = sum(size), _quote = sum(price * size);
-- _orders = sum(order_count), where the venue counts orders (Coinbase, OKX).
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
  select t.snapshot_id, sd.side, h.bands, h.base, h.quote, h.levels, h.counted, h.orders
  from target t
  cross join (values ('bid'), ('ask')) as sd (side)
  cross join lateral (
    select case sd.side when 'bid' then width_bucket(l.price, t.bid_floor)
                        else width_bucket(-l.price, t.ask_ceiling) end as bands,
           sum(l.size) as base,
           sum(l.price * l.size) as quote,
           count(*) as levels,
           count(l.order_count) as counted,
           -- bigint: a band's orders can pass what one level's integer holds.
           sum(l.order_count::bigint) as orders
    from orderbook.fact_level_all l
    where l.snapshot_id = t.snapshot_id
      and l.side = sd.side
      and case sd.side when 'bid' then l.price >= t.bid_floor[1] else l.price <= -t.ask_ceiling[1] end
    group by 1
  ) h
),
counts as (
  -- Whether a side's orders are counted: every level within the widest band has a count (a sum
  -- over levels of which some have none would be too low, so it is not given). A side with no
  -- level in the widest band asks its best level (read only then): a venue that counts orders
  -- has 0 in every band, one that does not has null.
  select t.snapshot_id, sd.side,
         coalesce(
           c.counted,
           (select l.order_count is not null from orderbook.fact_level_all l
            where l.snapshot_id = t.snapshot_id and l.side = sd.side and l.level_no = 1)
         ) as counted
  from target t
  cross join (values ('bid'), ('ask')) as sd (side)
  left join (
    select h.snapshot_id, h.side, bool_and(h.levels = h.counted) as counted
    from held h group by h.snapshot_id, h.side
  ) c on c.snapshot_id = t.snapshot_id and c.side = sd.side
)
insert into orderbook.fact_depth (snapshot_id, band_bps, bid_base, bid_quote, ask_base, ask_quote,
                                  bid_orders, ask_orders)
select
  t.snapshot_id,
  band.band_bps,
  coalesce(sum(h.base) filter (where h.side = 'bid'), 0),
  coalesce(sum(h.quote) filter (where h.side = 'bid'), 0),
  coalesce(sum(h.base) filter (where h.side = 'ask'), 0),
  coalesce(sum(h.quote) filter (where h.side = 'ask'), 0),
  case when cb.counted then coalesce(sum(h.orders) filter (where h.side = 'bid'), 0) end,
  case when ca.counted then coalesce(sum(h.orders) filter (where h.side = 'ask'), 0) end
from target t
cross join band
join counts cb on cb.snapshot_id = t.snapshot_id and cb.side = 'bid'
join counts ca on ca.snapshot_id = t.snapshot_id and ca.side = 'ask'
left join held h on h.snapshot_id = t.snapshot_id and h.bands >= band.k
group by t.snapshot_id, band.band_bps, cb.counted, ca.counted
