-- v_optimal_transactions: the levels an order of each notional consumes, in order — "extract
-- $100k of book". Buy walks asks, sell walks bids, from the best level; the last level touched
-- gives only the part the order still needs ((N − quote before it) / price) when the book
-- completes the order; a book that cannot is taken whole.
create or replace view orderbook.v_optimal_transactions as
with walk as (
  select
    s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at,
    f.side, f.notional_usd, f.levels_used, f.fully_filled,
    l.level_no, l.price, l.size as level_size,
    coalesce(sum(l.price * l.size) over w, 0) as quote_before
  from orderbook.v_snapshot s
  join orderbook.fact_fill f on f.snapshot_id = s.snapshot_id
  join orderbook.fact_level_all l
    on l.snapshot_id = f.snapshot_id
    and l.side = case f.side when 'buy' then 'ask' else 'bid' end
    and l.level_no <= f.levels_used
  -- Partitioned by the snapshot_id the view shows (s's, not f's, though they are equal): only
  -- then can a filter on it reach the walk, rather than wait for every book's walk to finish.
  window w as (partition by s.snapshot_id, f.side, f.notional_usd order by l.level_no
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
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_optimal_transactions is 'The levels an order of each NOTIONALS_USD size consumes, in order ("extract $100k of book"): buy walks asks, sell walks bids, from the best. One row per snapshot × side × notional × level touched.';
comment on column orderbook.v_optimal_transactions.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_optimal_transactions.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_optimal_transactions.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_optimal_transactions.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_optimal_transactions.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_optimal_transactions.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_optimal_transactions.side is 'buy (walks the asks from the best) or sell (walks the bids from the best).';
comment on column orderbook.v_optimal_transactions.notional_usd is 'Order size N in USD (a NOTIONALS_USD value), traded before fees; USD stablecoins count 1:1.';
comment on column orderbook.v_optimal_transactions.level_no is 'Level number on its side, 1 = best.';
comment on column orderbook.v_optimal_transactions.price is 'Price of the level, quote per base.';
comment on column orderbook.v_optimal_transactions.level_size is 'Size resting at the level, base units.';
comment on column orderbook.v_optimal_transactions.taken_base is 'Base units the order takes from the level: all of it, or for the last level of a fully filled order (N − quote before it) / price.';
comment on column orderbook.v_optimal_transactions.taken_quote is 'Quote the order spends (buy) or receives (sell) at the level before fees: taken_base × price (the last level: exactly what N still needed).';
comment on column orderbook.v_optimal_transactions.cum_base is 'Σ taken_base up to and including this level, base units.';
comment on column orderbook.v_optimal_transactions.cum_quote is 'Σ taken_quote up to and including this level, quote units; ends at N when the book fills the order.';
