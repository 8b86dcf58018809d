-- v_best_venue: per run × base asset × side × notional, the venue to prefer — the lowest
-- all-in price to buy, the highest to sell — among fills the stored book could complete, with
-- the runner-up and how much better the winner is (bps of the runner-up's price). Only USD and
-- USD-stablecoin quotes compete (they are the only ones with fills).
drop view if exists orderbook.v_best_venue cascade;
-- One window pass names the winner and, with lead(), its runner-up; a view that ranks once and
-- is read once lets a filter on run_id (or base, side, notional) reach the fills directly
-- instead of ranking all history first.
create view orderbook.v_best_venue as
with ranked as (
  select
    s.run_id, s.captured_at, s.base, f.side, f.notional_usd, s.exchange, s.market,
    f.all_in_price, f.avg_price,
    row_number() over venue as rank,
    lead(s.exchange) over venue as runner_up_exchange,
    lead(s.market) over venue as runner_up_market,
    lead(f.all_in_price) over venue as runner_up_all_in_price
  from orderbook.v_snapshot s
  join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
  where f.fully_filled and s.quote_is_usd
  window venue as (
    partition by s.run_id, s.base, f.side, f.notional_usd
    order by case when f.side = 'buy' then f.all_in_price else -f.all_in_price end, s.exchange, s.market
  )
)
select
  run_id, captured_at, base, side, notional_usd, exchange, market,
  all_in_price, avg_price,
  runner_up_exchange,
  runner_up_market,
  runner_up_all_in_price,
  round(
    case side when 'buy' then runner_up_all_in_price - all_in_price else all_in_price - runner_up_all_in_price end
    ::numeric(1000, 40) * 10000 / runner_up_all_in_price, 18) as advantage_bps
from ranked
where rank = 1;
grant select on orderbook.v_best_venue to orderbook_reader;
