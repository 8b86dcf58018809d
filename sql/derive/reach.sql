-- fact_reach: per snapshot × side, how far from mid the stored book reaches and what cut it —
-- so that a fill that runs out of book says whether the market is thin or we did not keep it.
--   levels_sent   what the venue sent (fact_snapshot.bid_levels / ask_levels)
--   levels_stored the levels kept (LEVELS_WITHIN_BPS), numbered 1..n: the last one is the farthest
--   reach_bps     bids (mid − far_price) / mid × 10000, asks (far_price − mid) / mid × 10000
--   cut           levels_within_bps when fewer levels were kept than sent: the stored side ends at
--                 our cut, whatever the venue sent past it; else venue_depth_limit when the venue
--                 sent as many as were asked (fact_snapshot.depth_limit): its book may go on;
--                 else null, the stored side is the venue's whole side.
-- $1 bigint[]: the snapshots to derive. Needs fact_top of the same snapshots. Ratios at 40
-- decimals, rounded to 18 (as top.sql's spread_bps).
insert into orderbook.fact_reach (snapshot_id, side, levels_sent, levels_stored, far_price, reach_bps, cut)
select
  s.snapshot_id,
  sd.side,
  sd.sent,
  far.level_no,
  far.price,
  round((case sd.side when 'bid' then t.mid_price - far.price else far.price - t.mid_price end)
        ::numeric(1000, 40) * 10000 / t.mid_price, 18),
  case when far.level_no < sd.sent then 'levels_within_bps'
       when sd.sent >= s.depth_limit then 'venue_depth_limit' end
from orderbook.fact_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
cross join lateral (values ('bid', s.bid_levels), ('ask', s.ask_levels)) as sd (side, sent)
cross join lateral (
  -- The farthest stored level, straight from the primary key's end.
  select l.level_no, l.price
  from orderbook.fact_level_all l
  where l.snapshot_id = s.snapshot_id and l.side = sd.side
  order by l.level_no desc
  limit 1
) far
where s.snapshot_id = any ($1::bigint[])
