-- fact_trade_hour (v_vwap's hourly rows): per market and UTC hour of execution, the sums of the
-- stored trades that every hourly figure of v_vwap is computed from.
--   trades = count, notional = Σ price × size, volume = Σ size (exact numeric),
--   taker_buy_volume / taker_sell_volume = Σ size whose taker bought / sold,
--   first/last_trade_at, first/last_trade_id = the span (trades_missing comes from the ids).
-- Recomputes the hours from $2 (inclusive) to $3 (exclusive), both hour starts, of market $1
-- from fact_trade: the hours a trades load touched. An hour left with no trade loses its row
-- (the upsert and the delete touch disjoint rows, so they can share one statement).
with fresh as (
  select
    t.market_id,
    date_trunc('hour', t.traded_at at time zone 'UTC') at time zone 'UTC' as hour,
    count(*) as trades, min(t.traded_at) as first_trade_at, max(t.traded_at) as last_trade_at,
    sum(t.price * t.size) as notional, sum(t.size) as volume,
    coalesce(sum(t.size) filter (where t.taker_side = 'buy'), 0) as taker_buy_volume,
    coalesce(sum(t.size) filter (where t.taker_side = 'sell'), 0) as taker_sell_volume,
    min(t.trade_id) as first_trade_id, max(t.trade_id) as last_trade_id
  from orderbook.fact_trade t
  where t.market_id = $1::integer and t.traded_at >= $2::timestamptz and t.traded_at < $3::timestamptz
  group by 1, 2
),
stored as (
  insert into orderbook.fact_trade_hour
    (market_id, hour, trades, first_trade_at, last_trade_at, notional, volume,
     taker_buy_volume, taker_sell_volume, first_trade_id, last_trade_id)
  select market_id, hour, trades, first_trade_at, last_trade_at, notional, volume,
         taker_buy_volume, taker_sell_volume, first_trade_id, last_trade_id
  from fresh
  on conflict (market_id, hour) do update set
    trades = excluded.trades, first_trade_at = excluded.first_trade_at,
    last_trade_at = excluded.last_trade_at, notional = excluded.notional, volume = excluded.volume,
    taker_buy_volume = excluded.taker_buy_volume, taker_sell_volume = excluded.taker_sell_volume,
    first_trade_id = excluded.first_trade_id, last_trade_id = excluded.last_trade_id
)
delete from orderbook.fact_trade_hour h
where h.market_id = $1::integer and h.hour >= $2::timestamptz and h.hour < $3::timestamptz
  and not exists (select 1 from fresh f where f.hour = h.hour)
