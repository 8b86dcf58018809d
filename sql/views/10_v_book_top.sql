-- v_book_top: best bid and ask with their sizes, mid price, spread and spread in bps, one row
-- per snapshot. "What is the spread on each venue right now?"
drop view if exists orderbook.v_book_top cascade;
create view orderbook.v_book_top as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size, t.mid_price, t.spread, t.spread_bps
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id;
grant select on orderbook.v_book_top to orderbook_reader;
