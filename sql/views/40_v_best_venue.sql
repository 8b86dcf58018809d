-- v_best_venue: per run × base asset × side × notional, the venue to prefer — the lowest
-- all-in price to buy, the highest to sell — among fills the stored book could complete, with
-- the runner-up and how much better the winner is (bps of the runner-up's price). Only USD and
-- USD-stablecoin quotes compete (they are the only ones with fills).
-- One window pass names the winner and, with lead(), its runner-up; a view that ranks once and
-- is read once lets a filter on run_id (or base, side, notional) reach the fills directly
-- instead of ranking all history first.
-- Same moment: a run snapshots its markets one after another, so the books compared were not
-- captured at one instant; capture_span is the largest minus the smallest captured_at among
-- them (books_compared), so an analyst sees when the venues were not snapshotted together.
-- Executable only: a book that cannot be taken as shown (v_snapshot.executable false: a
-- Coinbase auction's indicative quote, a halted or cancel-only market) often shows the best
-- price precisely because nobody can trade against it. It is ranked apart (the executable
-- column is in the window's partition), so it never wins nor is runner-up, and it is not
-- counted in books_compared or capture_span; books_excluded and excluded name the fully filled
-- books left out so, and why. A group whose every book is excluded has no row (no venue to
-- prefer); its books are in v_snapshot with their reasons.
create or replace view orderbook.v_best_venue as
with ranked as (
  select
    s.run_id, s.captured_at, s.base, f.side, f.notional_usd, s.exchange, s.market,
    f.all_in_price, f.avg_price, s.executable,
    row_number() over venue as rank,
    lead(s.exchange) over venue as runner_up_exchange,
    lead(s.market) over venue as runner_up_market,
    lead(f.all_in_price) over venue as runner_up_all_in_price,
    count(*) filter (where s.executable) over books as books_compared,
    max(s.captured_at) filter (where s.executable) over books
      - min(s.captured_at) filter (where s.executable) over books as capture_span,
    count(*) filter (where not s.executable) over books as books_excluded
  from orderbook.v_snapshot s
  join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
  where f.fully_filled and s.quote_is_usd
  window venue as (
    partition by s.run_id, s.base, f.side, f.notional_usd, s.executable
    order by case when f.side = 'buy' then f.all_in_price else -f.all_in_price end, s.exchange, s.market
  ),
  books as (partition by s.run_id, s.base, f.side, f.notional_usd)
)
select
  run_id, captured_at, base, side, notional_usd, exchange, market,
  all_in_price, avg_price,
  runner_up_exchange,
  runner_up_market,
  runner_up_all_in_price,
  round(
    case side when 'buy' then runner_up_all_in_price - all_in_price else all_in_price - runner_up_all_in_price end
    ::numeric(1000, 40) * 10000 / runner_up_all_in_price, 18) as advantage_bps,
  books_compared::integer as books_compared,
  capture_span,
  books_excluded::integer as books_excluded,
  case when books_excluded > 0 then (
    -- Read only for the groups that left a book out: most runs pay nothing for it.
    select string_agg(x.exchange || ':' || x.market || ' (' || x.not_executable_reason || ')', ', '
                      order by x.exchange, x.market)
    from orderbook.v_snapshot x
    join orderbook.fact_fill xf on xf.snapshot_id = x.snapshot_id
    where x.run_id = ranked.run_id and x.base = ranked.base and not x.executable and x.quote_is_usd
      and xf.side = ranked.side and xf.notional_usd = ranked.notional_usd and xf.fully_filled
  ) end as excluded
from ranked
where rank = 1 and executable;
grant select on orderbook.v_best_venue to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_best_venue is 'Per run × base asset × side × notional, the venue to prefer: the lowest all-in price to buy, the highest to sell, among fully filled fills of executable books of USD and USD-stablecoin markets, with the runner-up; books not executable as shown are left out and named in excluded. One row per run × base × side × notional_usd with at least one executable book.';
comment on column orderbook.v_best_venue.run_id is 'The run whose books are compared (etl_run.run_id; see v_run).';
comment on column orderbook.v_best_venue.captured_at is 'When the winning book''s response arrived, UTC.';
comment on column orderbook.v_best_venue.base is 'Base asset compared across venues, e.g. BTC.';
comment on column orderbook.v_best_venue.side is 'buy or sell.';
comment on column orderbook.v_best_venue.notional_usd is 'Order size N in USD (a NOTIONALS_USD value).';
comment on column orderbook.v_best_venue.exchange is 'Venue of the winning book.';
comment on column orderbook.v_best_venue.market is 'Market (venue symbol) of the winning book.';
comment on column orderbook.v_best_venue.all_in_price is 'Winner''s price per base unit, fee included (v_execution_cost.all_in_price).';
comment on column orderbook.v_best_venue.avg_price is 'Winner''s average price before fees.';
comment on column orderbook.v_best_venue.runner_up_exchange is 'Venue of the second best book; null when only one book could fill.';
comment on column orderbook.v_best_venue.runner_up_market is 'Market of the second best book; null when only one book could fill.';
comment on column orderbook.v_best_venue.runner_up_all_in_price is 'All-in price of the second best book; null when only one book could fill.';
comment on column orderbook.v_best_venue.advantage_bps is 'How much better the winner is, bps of the runner-up price: buy (runner_up − winner) / runner_up × 10000, sell (winner − runner_up) / runner_up × 10000. Null without a runner-up.';
comment on column orderbook.v_best_venue.books_compared is 'Books that competed: executable books whose fill of USD and USD-stablecoin markets of this base in the run is fully filled.';
comment on column orderbook.v_best_venue.capture_span is 'Largest minus smallest captured_at among the books compared: how far apart in time the venues were snapshotted (0 with one book).';
comment on column orderbook.v_best_venue.books_excluded is 'Books that would have competed (fully filled, USD or USD-stablecoin quote) but are not executable as shown (v_snapshot.executable false), so neither won nor were runner-up; 0 when none.';
comment on column orderbook.v_best_venue.excluded is 'The books left out and why, exchange:market (reason), by exchange and market, e.g. ''coinbase:BTC-USD (auction_mode)''; null when books_excluded is 0.';
