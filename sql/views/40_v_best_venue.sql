-- v_best_venue: per run × base asset × side × notional, the venue to prefer — the lowest
-- all-in price to buy, the highest to sell — among fills the stored book could complete, with
-- the runner-up and how much better the winner is (bps of the runner-up's price). Only USD and
-- USD-stablecoin quotes compete (they are the only ones with fills).
drop view if exists orderbook.v_best_venue cascade;
create view orderbook.v_best_venue as
with ranked as (
  select
    s.run_id, s.captured_at, s.base, f.side, f.notional_usd, s.exchange, s.market,
    f.all_in_price, f.avg_price,
    row_number() over (
      partition by s.run_id, s.base, f.side, f.notional_usd
      order by case when f.side = 'buy' then f.all_in_price else -f.all_in_price end, s.exchange, s.market
    ) as rank
  from orderbook.v_snapshot s
  join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
  where f.fully_filled and s.quote_is_usd
)
select
  w.run_id, w.captured_at, w.base, w.side, w.notional_usd, w.exchange, w.market,
  w.all_in_price, w.avg_price,
  r.exchange as runner_up_exchange,
  r.market as runner_up_market,
  r.all_in_price as runner_up_all_in_price,
  round(
    case w.side when 'buy' then r.all_in_price - w.all_in_price else w.all_in_price - r.all_in_price end
    ::numeric(1000, 40) * 10000 / r.all_in_price, 18) as advantage_bps
from ranked w
left join ranked r
  on r.run_id = w.run_id and r.base = w.base and r.side = w.side and r.notional_usd = w.notional_usd and r.rank = 2
where w.rank = 1;
grant select on orderbook.v_best_venue to orderbook_reader;
