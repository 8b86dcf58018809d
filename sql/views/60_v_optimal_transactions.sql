-- v_optimal_transactions: the levels an order of each notional consumes, in order — "extract
-- $100k of book". Buy walks asks, sell walks bids, from the best level; the last level touched
-- gives only the part the order still needs ((N − quote before it) / price) when the book
-- completes the order; a book that cannot is taken whole.
drop view if exists orderbook.v_optimal_transactions cascade;
create view orderbook.v_optimal_transactions as
with walk as (
  select
    s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
    f.side, f.notional_usd, f.levels_used, f.fully_filled,
    l.level_no, l.price, l.size as level_size,
    coalesce(sum(l.price * l.size) over w, 0) as quote_before
  from orderbook.v_snapshot s
  join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
  join orderbook.fact_level l
    on l.snapshot_id = f.snapshot_id
    and l.side = case f.side when 'buy' then 'ask' else 'bid' end
    and l.level_no <= f.levels_used
  window w as (partition by f.snapshot_id, f.side, f.notional_usd order by l.level_no
               rows between unbounded preceding and 1 preceding)
),
taken as (
  select walk.*,
    case when fully_filled and level_no = levels_used
         then round((notional_usd - quote_before)::numeric(1000, 40) / price, 18)
         else level_size end as taken_base
  from walk
)
select
  exchange, market, base, quote, snapshot_id, captured_at, side, notional_usd,
  level_no, price, level_size, taken_base, taken_quote,
  sum(taken_base) over c as cum_base,
  sum(taken_quote) over c as cum_quote
from (
  -- The partial level is worth exactly what the order still needed, so cum_quote ends at N.
  select taken.*,
    case when fully_filled and level_no = levels_used then notional_usd - quote_before
         else level_size * price end as taken_quote
  from taken
) t
window c as (partition by snapshot_id, side, notional_usd order by level_no);
grant select on orderbook.v_optimal_transactions to orderbook_reader;
