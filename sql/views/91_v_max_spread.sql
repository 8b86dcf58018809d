-- v_max_spread: the widest spread of each market in each UTC hour and each UTC day, and when it
-- was seen. One row per market × period ('hour' or 'day') × bucket (the start of the hour or day
-- in UTC). Widest = the largest spread in quote units; ties go to the larger spread_bps, then
-- to the earliest snapshot. snapshot_id, captured_at and spread_bps are that snapshot's;
-- snapshots counts the bucket's snapshots. The windows are partitioned by the market's names
-- as well as its id (the names follow from the id), so a filter on exchange, market, base or
-- quote picks the snapshots before they are ranked.
create or replace view orderbook.v_max_spread as
with s as not materialized ( -- read twice below, yet a filter on names must still reach it
  select v.exchange, v.market, v.base, v.quote, v.snapshot_id, v.captured_at, v.market_id,
         t.spread, t.spread_bps
  from orderbook.v_snapshot v
  join orderbook.fact_top t on t.snapshot_id = v.snapshot_id
),
bucketed as (
  select 'hour'::text as period,
         date_trunc('hour', s.captured_at at time zone 'UTC') at time zone 'UTC' as bucket, s.*
  from s
  union all
  select 'day'::text,
         date_trunc('day', s.captured_at at time zone 'UTC') at time zone 'UTC', s.*
  from s
),
ranked as (
  select b.*,
    row_number() over w as rank,
    count(*) over (partition by b.market_id, b.exchange, b.market, b.base, b.quote, b.period, b.bucket) as snapshots
  from bucketed b
  window w as (partition by b.market_id, b.exchange, b.market, b.base, b.quote, b.period, b.bucket
               order by b.spread desc, b.spread_bps desc, b.captured_at, b.snapshot_id)
)
select exchange, market, base, quote, period, bucket, snapshot_id, captured_at,
       spread as max_spread, spread_bps, snapshots
from ranked
where rank = 1;
grant select on orderbook.v_max_spread to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_max_spread is 'The widest spread of each market in each UTC hour and each UTC day, and when it was seen. One row per market × period × bucket.';
comment on column orderbook.v_max_spread.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_max_spread.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_max_spread.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_max_spread.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_max_spread.period is 'hour or day.';
comment on column orderbook.v_max_spread.bucket is 'Start of the UTC hour or day.';
comment on column orderbook.v_max_spread.snapshot_id is 'The snapshot with the widest spread (ties: larger spread_bps, then earliest).';
comment on column orderbook.v_max_spread.captured_at is 'When that snapshot arrived, UTC.';
comment on column orderbook.v_max_spread.max_spread is 'The widest spread in the bucket: best_ask − best_bid, quote units.';
comment on column orderbook.v_max_spread.spread_bps is 'That snapshot''s spread / mid × 10000, bps.';
comment on column orderbook.v_max_spread.snapshots is 'Snapshots of the market in the bucket.';
