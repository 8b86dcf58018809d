-- v_spread_rolling: per market and snapshot, the spread now against its recent averages, and
-- whether it is below, at or above each of them: the mean-reversion signal for placing limit
-- orders (a spread wider than usual tends to narrow back, a narrow one to widen).
-- Three trailing windows, each ending at (and including) this snapshot:
--   _window  the last FORECAST_WINDOW snapshots of the market (the same K as the mid-price
--            forecast; snapshots_window < K early in a market's history),
--   _1h      every snapshot captured in the hour up to captured_at (captured_at − 1 h inclusive),
--   _24h     the same over 24 hours.
-- Averages are exact (numeric, computed at 40 decimals, rounded to 18); spread_vs_* compares
-- spread_bps with the window's average spread_bps (bps, so a moving price does not skew 24 h).
-- The averages are stored per snapshot when it is derived (fact_spread_rolling, computed by
-- sql/derive/spread_rolling.sql, with those of the later snapshots whose windows reach back over
-- it), so the view is joins only: a filter on any column, or a join to v_latest, reads just the
-- snapshots asked for. FORECAST_WINDOW is the one of the last derive: after changing it, run
-- `npm run backfill -- --derive-only`, as for the forecasts.
create or replace view orderbook.v_spread_rolling as
select
  s.exchange, s.market, s.base, s.quote, s.snapshot_id, s.captured_at, t.spread, t.spread_bps,
  r.snapshots_window::bigint as snapshots_window, r.avg_spread_window, r.avg_spread_bps_window,
  case sign(t.spread_bps - r.avg_spread_bps_window) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_window,
  r.snapshots_1h::bigint as snapshots_1h, r.avg_spread_1h, r.avg_spread_bps_1h,
  case sign(t.spread_bps - r.avg_spread_bps_1h) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_1h,
  r.snapshots_24h::bigint as snapshots_24h, r.avg_spread_24h, r.avg_spread_bps_24h,
  case sign(t.spread_bps - r.avg_spread_bps_24h) when -1 then 'below' when 0 then 'at' else 'above' end
    as spread_vs_24h
from orderbook.v_snapshot s
join orderbook.fact_top t on t.snapshot_id = s.snapshot_id
join orderbook.fact_spread_rolling r on r.snapshot_id = s.snapshot_id;
grant select on orderbook.v_spread_rolling to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_spread_rolling is 'Each snapshot''s spread against its trailing averages, and whether it is below, at or above each: the last {{FORECAST_WINDOW}} snapshots of the market (FORECAST_WINDOW), the last hour and the last 24 hours, each ending at and including this snapshot. Averages exact (numeric, rounded to 18 decimals). One row per snapshot.';
comment on column orderbook.v_spread_rolling.exchange is 'Venue code: coinbase, binance, kraken, okx or bybit (dim_exchange.code).';
comment on column orderbook.v_spread_rolling.market is 'The venue''s own symbol of the market, as in MARKETS: BTC-USD on Coinbase, BTCUSDT on Binance and Bybit, XBTUSD on Kraken, BTC-USDT on OKX.';
comment on column orderbook.v_spread_rolling.base is 'Base asset code (what is bought or sold), e.g. BTC.';
comment on column orderbook.v_spread_rolling.quote is 'Quote asset code (what prices are in), e.g. USD or USDT.';
comment on column orderbook.v_spread_rolling.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.v_spread_rolling.captured_at is 'When the venue''s response arrived (fact_snapshot.received_at), UTC.';
comment on column orderbook.v_spread_rolling.spread is 'best_ask − best_bid, quote units.';
comment on column orderbook.v_spread_rolling.spread_bps is 'Spread relative to mid, bps: spread / mid_price × 10000.';
comment on column orderbook.v_spread_rolling.snapshots_window is 'Snapshots in the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window.';
comment on column orderbook.v_spread_rolling.avg_spread_window is 'Average spread over the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_window is 'Average spread_bps over the last {{FORECAST_WINDOW}} snapshots (FORECAST_WINDOW; fewer early in a market''s history) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_window is 'below, at or above: spread_bps against avg_spread_bps_window.';
comment on column orderbook.v_spread_rolling.snapshots_1h is 'Snapshots in the trailing hour (captured_at − 1 h to captured_at, inclusive) window.';
comment on column orderbook.v_spread_rolling.avg_spread_1h is 'Average spread over the trailing hour (captured_at − 1 h to captured_at, inclusive) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_1h is 'Average spread_bps over the trailing hour (captured_at − 1 h to captured_at, inclusive) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_1h is 'below, at or above: spread_bps against avg_spread_bps_1h.';
comment on column orderbook.v_spread_rolling.snapshots_24h is 'Snapshots in the trailing 24 hours (inclusive) window.';
comment on column orderbook.v_spread_rolling.avg_spread_24h is 'Average spread over the trailing 24 hours (inclusive) window, quote units.';
comment on column orderbook.v_spread_rolling.avg_spread_bps_24h is 'Average spread_bps over the trailing 24 hours (inclusive) window, bps.';
comment on column orderbook.v_spread_rolling.spread_vs_24h is 'below, at or above: spread_bps against avg_spread_bps_24h.';
