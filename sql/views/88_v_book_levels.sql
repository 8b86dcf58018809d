-- v_book_levels: every stored level of every book with the cumulative base and USD (quote) up
-- to and including it from the best level — the data of a depth chart — and its distance
-- from mid in bps. One row per snapshot × side × level; filter on snapshot_id.
drop view if exists orderbook.v_book_levels cascade;
create view orderbook.v_book_levels as
select
  -- l.snapshot_id (the window's partition) so a filter on it is applied before the windows run.
  s.exchange, s.market, s.base, s.quote, l.snapshot_id, s.captured_at,
  l.side, l.level_no, l.price, l.size, l.order_count,
  sum(l.size) over w as cum_base,
  sum(l.price * l.size) over w as cum_quote,
  round((case l.side when 'ask' then l.price - t.mid_price else t.mid_price - l.price end)
        ::numeric(1000, 40) * 10000 / t.mid_price, 18) as distance_bps
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
join orderbook.fact_level l on l.snapshot_id = s.snapshot_id
window w as (partition by l.snapshot_id, l.side order by l.level_no);
grant select on orderbook.v_book_levels to orderbook_reader;
