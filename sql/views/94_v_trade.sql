-- v_trade: every stored public trade with its names, one row per trade (each trade once,
-- however many fetches carried it). taker_side is the side of the order that took liquidity;
-- notional = price × size in the quote currency; run_id and fetched_at are those of the
-- earliest fetch that carried the trade.
drop view if exists orderbook.v_trade cascade;
create view orderbook.v_trade as
select
  e.code as exchange,
  m.symbol as market,
  b.code as base,
  q.code as quote,
  t.trade_id,
  t.traded_at,
  t.price,
  t.size,
  t.price * t.size as notional,
  t.taker_side,
  f.run_id,
  f.received_at as fetched_at
from orderbook.fact_trade t
join orderbook.fact_trade_fetch f on f.fetch_id = t.fetch_id
join orderbook.dim_market m on m.market_id = t.market_id
join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
join orderbook.dim_asset b on b.asset_id = m.base_asset_id
join orderbook.dim_asset q on q.asset_id = m.quote_asset_id;
grant select on orderbook.v_trade to orderbook_reader;
