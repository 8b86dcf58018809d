-- v_book_levels: every stored level of every book with the cumulative base and USD (quote) up
-- to and including it from the best level — the data of a depth chart — and its distance
-- from mid in bps. One row per snapshot × side × level; filter on snapshot_id, or on any
-- other column of the snapshot (exchange, market, base, quote, captured_at).
drop view if exists orderbook.v_book_levels cascade;
create view orderbook.v_book_levels as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
  l.side, l.level_no, l.price, l.size, l.order_count, l.cum_base, l.cum_quote,
  round((case l.side when 'ask' then l.price - t.mid_price else t.mid_price - l.price end)
        ::numeric(1000, 40) * 10000 / t.mid_price, 18) as distance_bps
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
-- The running sums per snapshot, beside it: a filter on the snapshot's columns chooses the
-- snapshots before any level is read, and each one's levels come in key order (no sort).
cross join lateral (
  select lv.side, lv.level_no, lv.price, lv.size, lv.order_count,
         sum(lv.size) over w as cum_base,
         sum(lv.price * lv.size) over w as cum_quote
  from orderbook.fact_level lv
  where lv.snapshot_id = s.snapshot_id
  window w as (partition by lv.side order by lv.level_no)
) l;
grant select on orderbook.v_book_levels to orderbook_reader;
