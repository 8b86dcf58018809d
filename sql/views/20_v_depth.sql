-- v_depth: liquidity within each band around mid (DEPTH_BANDS_BPS), one row per snapshot × band:
-- base units and quote value on each side.
drop view if exists orderbook.v_depth cascade;
create view orderbook.v_depth as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  d.band_bps, d.bid_base, d.bid_quote, d.ask_base, d.ask_quote
from orderbook.v_snapshot s
join orderbook.fact_depth d on d.snapshot_id = s.snapshot_id;
grant select on orderbook.v_depth to orderbook_reader;
