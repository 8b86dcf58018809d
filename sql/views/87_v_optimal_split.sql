-- v_optimal_split: the cheapest way to buy (the most proceeds to sell) the quantity that N USD
-- buys (sells), across venues. Per run × base asset × side × size N, one row per competing book
-- (USD and USD-stablecoin quotes, as v_best_venue): how much of the order goes to it, and the
-- order's totals repeated on each row.
--
-- The split. The run's books of one base are merged and walked from the best all-in level
-- price — price × (1 + fee/10000) to buy, price × (1 − fee/10000) to sell, each book's taker
-- fee as its fills were priced — the way fact_fill walks one book: whole levels while the USD
-- traded (price × size, before fees) stays within N, then the part (N − USD before) / price of
-- the next one. The walk ends with a base quantity Q (total_base). Every unit's all-in cost is
-- its level's all-in price, so taking the cheapest units first is the cheapest way to buy Q
-- (the most proceeds for selling Q): no other allocation of Q across these books does better.
--   usd_amount      USD traded on this book (before fees); they sum to N when fully_filled
--   base_amount     base bought or sold there; fee_usd = usd_amount × fee_bps / 10000
--   blended_all_in_price = (Σ usd_amount ± Σ fee_usd) / Q   (+ buy, − sell)
-- The comparison. Each book alone trading the same Q, walked by its own levels: whole levels
-- while their cumulative base stays within Q, then the part Q − base before of the next one;
-- its all-in price = USD of that walk × (1 ± fee/10000) / Q.
--   best_single_*   the book with the best such price (lowest to buy, highest to sell; ties to
--                   the first exchange, market) among those whose stored side holds Q; null
--                   when none does, or when the split itself is not fully_filled (the books
--                   together cannot take N)
--   saving_bps      (single − blended) / single × 10000 to buy, (blended − single) / single ×
--                   10000 to sell: what the split saves on the best venue alone for the same
--                   quantity. One venue alone is one way of allocating Q, so it is never negative
--                   (0 when the split uses one venue). Computed from the prices at 40 decimals,
--                   before they are rounded to 18 for output.
-- Sizes: every size the books were priced at, NOTIONALS_USD (fact_fill) and COST_CURVE_USD
-- (fact_cost_curve). The walk is done when the run's books are derived and kept in fact_split
-- (sql/derive/split.sql), so a run's split stays answerable after its levels are past
-- LEVEL_RETENTION_DAYS; here each book's allocation gets its names and the order's totals.
-- capture_span: the largest minus the smallest captured_at of the books the split merges, so
-- an analyst sees when the venues were not snapshotted at the same moment.
-- Executable books only: a book that cannot be taken as shown (v_snapshot.executable false:
-- a Coinbase auction's indicative quote, a halted or cancel-only market) is left out of the
-- split when it is derived, so it has no row here; books_excluded and excluded, the same on
-- every row of a run × base, say which books were left out and why. A run × base whose every
-- book is excluded has no split and no row.
-- reach_bps, books_cut, ran_out (fact_reach of the side walked): a split that cannot take N has
-- used up every stored book; if one of them was cut (venue depth limit, LEVELS_WITHIN_BPS) the
-- venues hold more than we kept (not_captured), else the books are that thin (book_thin).
create or replace view orderbook.v_optimal_split as
with allocation as (
  select f.run_id, f.captured_at, b.code as base, f.side, f.notional_usd,
         f.snapshot_id, s.exchange, s.market, s.quote, f.fee_bps, s.captured_at as book_captured_at,
         f.usd_amount, f.base_exact, f.levels_used, f.worst_price,
         ss.exchange as single_exchange, ss.market as single_market, f.single_exact,
         r.snapshot_id as reach_snapshot_id, r.reach_bps, r.cut
  from orderbook.fact_split f
  join orderbook.dim_asset b on b.asset_id = f.base_asset_id
  join orderbook.v_snapshot s on s.snapshot_id = f.snapshot_id and s.run_id = f.run_id
  left join orderbook.v_snapshot ss on ss.snapshot_id = f.single_snapshot_id and ss.run_id = f.run_id
  -- The side of this book the split walks; a left join, as in v_execution_cost.
  left join orderbook.fact_reach r
    on r.snapshot_id = f.snapshot_id and r.side = case f.side when 'buy' then 'ask' else 'bid' end
),
total as (
  select v.*,
         v.usd_amount * v.fee_bps / 10000 as fee_usd,
         sum(v.usd_amount) over o as filled_usd,
         sum(v.base_exact) over o as total_base_exact,
         sum(v.usd_amount * v.fee_bps / 10000) over o as total_fee_usd,
         count(*) filter (where v.usd_amount > 0) over o as venues_used,
         max(v.book_captured_at) over o - min(v.book_captured_at) over o as capture_span,
         count(*) filter (where v.cut is not null) over o as books_cut,
         count(*) filter (where v.reach_snapshot_id is null) over o as books_without_reach
  from allocation v
  window o as (partition by v.run_id, v.base, v.side, v.notional_usd)
),
blended as (
  select t.*,
         (case t.side when 'buy' then t.filled_usd + t.total_fee_usd else t.filled_usd - t.total_fee_usd end)
           ::numeric(1000, 40) / nullif(t.total_base_exact, 0) as blended_exact
  from total t
)
select
  run_id, captured_at, base, side, notional_usd,
  exchange, market, quote, snapshot_id, fee_bps,
  usd_amount,
  round(base_exact, 18) as base_amount,
  fee_usd,
  round(usd_amount::numeric(1000, 40) * 100 / notional_usd, 18) as share_pct,
  levels_used::integer as levels_used,
  worst_price,
  filled_usd,
  round(total_base_exact, 18) as total_base,
  total_fee_usd,
  round(filled_usd::numeric(1000, 40) / nullif(total_base_exact, 0), 18) as blended_avg_price,
  round(blended_exact, 18) as blended_all_in_price,
  filled_usd = notional_usd as fully_filled,
  venues_used::integer as venues_used,
  single_exchange as best_single_exchange,
  single_market as best_single_market,
  round(single_exact, 18) as best_single_all_in_price,
  round(
    case side when 'buy' then single_exact - blended_exact else blended_exact - single_exact end
    * 10000 / single_exact, 18) as saving_bps,
  capture_span,
  gone.books_excluded,
  gone.excluded,
  reach_bps,
  books_cut::integer as books_cut,
  case when filled_usd < notional_usd and books_without_reach = 0
       then case when books_cut = 0 then 'book_thin' else 'not_captured' end end as ran_out
from blended
cross join lateral (
  select count(*)::integer as books_excluded,
         string_agg(x.exchange || ':' || x.market || ' (' || x.not_executable_reason || ')', ', '
                    order by x.exchange, x.market) as excluded
  from orderbook.v_snapshot x
  where x.run_id = blended.run_id and x.base = blended.base and x.quote_is_usd and not x.executable
) gone;
grant select on orderbook.v_optimal_split to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_optimal_split is 'The cheapest way to buy (most proceeds to sell) the base quantity that N USD buys (sells), split across venues: the run''s books of one base merged and walked from the best all-in level price, compared with the best venue alone for the same quantity. One row per run × base × side × size × competing book (executable books of USD and USD-stablecoin quotes; books_excluded names the others). Sizes: NOTIONALS_USD and COST_CURVE_USD. Filter on run_id (and base).';
comment on column orderbook.v_optimal_split.run_id is 'The run whose books are split across (see v_run).';
comment on column orderbook.v_optimal_split.captured_at is 'When the newest of the run''s books of this base arrived, UTC.';
comment on column orderbook.v_optimal_split.base is 'Base asset, e.g. ETH.';
comment on column orderbook.v_optimal_split.side is 'buy (walks asks) or sell (walks bids).';
comment on column orderbook.v_optimal_split.notional_usd is 'Order size N in USD, traded before fees (NOTIONALS_USD or COST_CURVE_USD).';
comment on column orderbook.v_optimal_split.exchange is 'Venue of this row''s book.';
comment on column orderbook.v_optimal_split.market is 'Market of this row''s book.';
comment on column orderbook.v_optimal_split.quote is 'Quote asset of this row''s book.';
comment on column orderbook.v_optimal_split.snapshot_id is 'This row''s book (fact_snapshot.snapshot_id).';
comment on column orderbook.v_optimal_split.fee_bps is 'Taker fee of this book''s venue, bps (TAKER_FEE_BPS).';
comment on column orderbook.v_optimal_split.usd_amount is 'USD traded on this book, before fees; the rows of a split sum to N when fully_filled; 0 when the split leaves it out.';
comment on column orderbook.v_optimal_split.base_amount is 'Base bought or sold on this book.';
comment on column orderbook.v_optimal_split.fee_usd is 'Fee on this book: usd_amount × fee_bps / 10000.';
comment on column orderbook.v_optimal_split.share_pct is 'This book''s share of N, percent: usd_amount / N × 100.';
comment on column orderbook.v_optimal_split.levels_used is 'Levels of this book the split touches (a partial last one included).';
comment on column orderbook.v_optimal_split.worst_price is 'Price of the last level touched on this book; null when usd_amount is 0.';
comment on column orderbook.v_optimal_split.filled_usd is 'USD traded by the whole split, before fees (= N when fully_filled). Same on every row of the split.';
comment on column orderbook.v_optimal_split.total_base is 'Q: base quantity of the whole split. Same on every row.';
comment on column orderbook.v_optimal_split.total_fee_usd is 'Fees of the whole split, USD. Same on every row.';
comment on column orderbook.v_optimal_split.blended_avg_price is 'filled_usd / total_base: the split''s average price before fees.';
comment on column orderbook.v_optimal_split.blended_all_in_price is 'The split''s price per base unit, fees included: (filled_usd + total_fee_usd) / Q to buy, (filled_usd − total_fee_usd) / Q to sell.';
comment on column orderbook.v_optimal_split.fully_filled is 'True when the books together take N (filled_usd = N).';
comment on column orderbook.v_optimal_split.venues_used is 'Books with usd_amount > 0 in the split.';
comment on column orderbook.v_optimal_split.best_single_exchange is 'Venue whose book alone trades Q at the best all-in price; null when no book alone holds Q or the split is not fully filled.';
comment on column orderbook.v_optimal_split.best_single_market is 'Market of that book; null likewise.';
comment on column orderbook.v_optimal_split.best_single_all_in_price is 'That book''s all-in price for Q alone: USD of its own walk for Q × (1 ± fee/10000) / Q; null likewise.';
comment on column orderbook.v_optimal_split.saving_bps is 'What splitting saves against the best venue alone for the same Q, bps: buy (single − blended) / single × 10000, sell (blended − single) / single × 10000. Never negative; 0 when the split uses one venue; null without a single.';
comment on column orderbook.v_optimal_split.capture_span is 'Largest minus smallest captured_at among the books merged for this order: how far apart in time the venues were snapshotted (0 with one book).';
comment on column orderbook.v_optimal_split.books_excluded is 'Books of this run and base (USD and USD-stablecoin quotes) left out of the split because they are not executable as shown (v_snapshot.executable false); 0 when none. Same on every row of the run × base.';
comment on column orderbook.v_optimal_split.excluded is 'The books left out and why, exchange:market (reason), by exchange and market, e.g. ''coinbase:BTC-USD (auction_mode)''; null when books_excluded is 0.';
comment on column orderbook.v_optimal_split.reach_bps is 'How far from mid this book''s stored side the split walks reaches (buy: asks, sell: bids), bps (v_reach.reach_bps); null for a book not derived since fact_reach existed.';
comment on column orderbook.v_optimal_split.books_cut is 'Books of the split whose walked side was cut (venue depth limit or LEVELS_WITHIN_BPS, v_reach.cut): they may hold more than was kept. Same on every row.';
comment on column orderbook.v_optimal_split.ran_out is 'Why the books together could not take N (fully_filled false): book_thin, every book''s whole side was captured; not_captured, books_cut of them were cut, so the venues may hold N past what we kept. Null when fully filled. Same on every row.';
