-- v_snapshot: every loaded snapshot with its names — the join every other view starts from.
-- Columns: exchange, market, base, quote, snapshot_id, captured_at (= received_at), run_id,
-- requested_at, exchange_time, exchange_sequence, bid_levels, ask_levels, stored_levels, raw_key.
drop view if exists orderbook.v_snapshot cascade;
create view orderbook.v_snapshot as
select
  e.code as exchange,
  m.symbol as market,
  b.code as base,
  q.code as quote,
  q.is_usd as quote_is_usd,
  s.snapshot_id,
  s.received_at as captured_at,
  s.run_id,
  s.requested_at,
  s.exchange_time,
  s.exchange_sequence,
  s.bid_levels,
  s.ask_levels,
  s.stored_levels,
  s.raw_key,
  s.market_id
from orderbook.fact_snapshot s
join orderbook.dim_market m on m.market_id = s.market_id
join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
join orderbook.dim_asset b on b.asset_id = m.base_asset_id
join orderbook.dim_asset q on q.asset_id = m.quote_asset_id;
grant select on orderbook.v_snapshot to orderbook_reader;
