/**
 * Kysely's view of the warehouse tables (migrations/ is the truth). numeric and bigint columns
 * come back as decimal strings, so nothing exact passes through a JS number.
 */
import type { ColumnType, Generated, GeneratedAlways } from 'kysely';
import type { RawObject } from '../raw/index.ts';

type Numeric = ColumnType<string, string, string>;
type BigIntId = ColumnType<string, string | bigint, string | bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface DimExchangeTable {
  exchange_id: number;
  code: string;
  name: string;
}

export interface DimAssetTable {
  asset_id: GeneratedAlways<number>;
  code: string;
  is_usd: boolean;
}

export interface DimMarketTable {
  market_id: GeneratedAlways<number>;
  exchange_id: number;
  symbol: string;
  base_asset_id: number;
  quote_asset_id: number;
  first_seen: Timestamp;
  last_seen: Timestamp;
}

export type RunKind = 'one-shot' | 'scheduled' | 'backfill';

export interface EtlRunTable {
  run_id: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: 'running' | 'ok' | 'partial' | 'failed' | 'interrupted';
  /** Null for runs recorded before migration 0007. */
  kind: ColumnType<RunKind | null, RunKind | null | undefined, RunKind | null>;
  markets_ok: number;
  markets_failed: number;
  markets_abandoned: ColumnType<number, number | undefined, number>;
  /** Markets whose trades failed this run (their book is counted in markets_ok/markets_failed). */
  trades_failed: ColumnType<number, number | undefined, number>;
}

export interface EtlErrorTable {
  error_id: GeneratedAlways<string>;
  run_id: string;
  exchange: string;
  market: string;
  stage: 'fetch' | 'store' | 'parse' | 'load' | 'derive';
  /** Migration 0012: the raw kind whose stage failed; kind no longer carries a `trades_` prefix. */
  object: ColumnType<RawObject | null, RawObject | null | undefined, RawObject | null>;
  kind: string;
  message: string;
  raw_key: string | null;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** What migrate last applied of each view (views.ts). */
export interface ViewVersionTable {
  view_name: string;
  definition_sha256: string;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface FactSnapshotTable {
  snapshot_id: GeneratedAlways<string>;
  market_id: number;
  run_id: string;
  requested_at: Timestamp;
  received_at: Timestamp;
  exchange_time: Timestamp | null;
  exchange_sequence: BigIntId;
  bid_levels: number;
  ask_levels: number;
  /** Levels per side the request asked (migration 0019); null: the venue sends its whole book. */
  depth_limit: ColumnType<number | null, number | null | undefined, number | null>;
  stored_levels: number;
  raw_key: string;
  /** Migration 0020; the default (true) for books loaded before it. */
  executable: Generated<boolean>;
  not_executable_reason: string | null;
}

export interface FactLevelTable {
  snapshot_id: BigIntId;
  side: 'bid' | 'ask';
  level_no: number;
  price: Numeric;
  size: Numeric;
  order_count: number | null;
}

/**
 * One snapshot side of a compacted day (migration 0015): level i is price[i], size[i],
 * order_count[i]. Only SQL reads it (through fact_level_all); the array columns are typed as the
 * schema test's families for their element types, not as what a driver would make of an array.
 */
export interface FactLevelCompactTable {
  snapshot_id: BigIntId;
  side: 'bid' | 'ask';
  price: Numeric;
  size: Numeric;
  order_count: unknown;
}

export interface FactTopTable {
  snapshot_id: BigIntId;
  best_bid: Numeric;
  best_bid_size: Numeric;
  best_ask: Numeric;
  best_ask_size: Numeric;
  mid_price: Numeric;
  spread: Numeric;
  spread_bps: Numeric;
}

export interface FactDepthTable {
  snapshot_id: BigIntId;
  band_bps: number;
  bid_base: Numeric;
  bid_quote: Numeric;
  ask_base: Numeric;
  ask_quote: Numeric;
  /** Σ order_count within the band (bigint as a string); null where the venue counts no orders. */
  bid_orders: ColumnType<string | null, string | null | undefined, string | null>;
  ask_orders: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface FactFillTable {
  snapshot_id: BigIntId;
  side: 'buy' | 'sell';
  notional_usd: Numeric;
  filled_base: Numeric;
  avg_price: Numeric;
  worst_price: Numeric;
  levels_used: number;
  slippage_bps: Numeric;
  fee_bps: Numeric;
  fee_usd: Numeric;
  all_in_price: Numeric;
  fully_filled: boolean;
}

/** The same fill as fact_fill, at the COST_CURVE_USD sizes. */
export type FactCostCurveTable = FactFillTable;

export interface FactSizeLimitTable {
  snapshot_id: BigIntId;
  side: 'buy' | 'sell';
  threshold_bps: Numeric;
  max_notional_usd: Numeric;
  max_base: Numeric;
  levels_used: number;
  worst_price: Numeric | null;
  avg_price: Numeric | null;
  slippage_bps: Numeric | null;
  book_exhausted: boolean;
}

/** Per snapshot × side, how far the stored book reaches and what cut it (sql/derive/reach.sql). */
export interface FactReachTable {
  snapshot_id: BigIntId;
  side: 'bid' | 'ask';
  levels_sent: number;
  levels_stored: number;
  far_price: Numeric;
  reach_bps: Numeric;
  cut: 'venue_depth_limit' | 'levels_within_bps' | null;
}

export interface FactTradeFetchTable {
  fetch_id: GeneratedAlways<string>;
  market_id: number;
  run_id: string;
  requested_at: Timestamp;
  received_at: Timestamp;
  trade_count: number;
  first_trade_id: BigIntId | null;
  last_trade_id: BigIntId | null;
  raw_key: string;
}

export interface FactTradeTable {
  market_id: number;
  trade_id: BigIntId;
  traded_at: Timestamp;
  price: Numeric;
  size: Numeric;
  taker_side: 'buy' | 'sell';
  fetch_id: BigIntId;
}

/** Per snapshot, its market's trailing spread averages (sql/derive/spread_rolling.sql). */
export interface FactSpreadRollingTable {
  snapshot_id: BigIntId;
  snapshots_window: number;
  avg_spread_window: Numeric;
  avg_spread_bps_window: Numeric;
  snapshots_1h: number;
  avg_spread_1h: Numeric;
  avg_spread_bps_1h: Numeric;
  snapshots_24h: number;
  avg_spread_24h: Numeric;
  avg_spread_bps_24h: Numeric;
}

/** Per market and UTC hour, the sums of its stored trades (sql/derive/trade_hour.sql). */
export interface FactTradeHourTable {
  market_id: number;
  hour: Timestamp;
  trades: BigIntId;
  first_trade_at: Timestamp;
  last_trade_at: Timestamp;
  notional: Numeric;
  volume: Numeric;
  taker_buy_volume: Numeric;
  taker_sell_volume: Numeric;
  first_trade_id: BigIntId;
  last_trade_id: BigIntId;
}

/** Derived at load in SQL (fact_split, fact_forecast, fact_forecast_error); TS only deletes by id. */
export interface FactSplitTable {
  run_id: string;
  base_asset_id: number;
  side: 'buy' | 'sell';
  notional_usd: Numeric;
  snapshot_id: BigIntId;
  captured_at: Timestamp;
  fee_bps: Numeric;
  usd_amount: Numeric;
  base_exact: Numeric;
  levels_used: number;
  worst_price: Numeric | null;
  single_snapshot_id: BigIntId | null;
  single_exact: Numeric | null;
}

export interface FactForecastTable {
  snapshot_id: BigIntId;
  window_snapshots: number;
  window_start: Timestamp;
  slope_per_hour: number | null;
  fitted_mid: number | null;
  r_squared: number | null;
  /** node-pg and PGlite return an interval differently: cast it in SQL to read it. */
  median_interval: unknown;
  forecast_mid: Numeric | null;
}

export interface FactForecastErrorTable {
  snapshot_id: BigIntId;
  actual_snapshot_id: BigIntId;
  actual_at: Timestamp;
  actual_mid: Numeric;
  error: Numeric;
  error_bps: Numeric;
  forecasts_1h: number | null;
  mean_abs_error_1h: Numeric | null;
  mean_abs_error_bps_1h: Numeric | null;
  forecasts_24h: number | null;
  mean_abs_error_24h: Numeric | null;
  mean_abs_error_bps_24h: Numeric | null;
  forecasts_7d: number | null;
  mean_abs_error_7d: Numeric | null;
  mean_abs_error_bps_7d: Numeric | null;
}

export interface Database {
  'orderbook.dim_exchange': DimExchangeTable;
  'orderbook.dim_asset': DimAssetTable;
  'orderbook.dim_market': DimMarketTable;
  'orderbook.etl_run': EtlRunTable;
  'orderbook.etl_error': EtlErrorTable;
  'orderbook.view_version': ViewVersionTable;
  'orderbook.fact_snapshot': FactSnapshotTable;
  'orderbook.fact_level': FactLevelTable;
  'orderbook.fact_level_compact': FactLevelCompactTable;
  'orderbook.fact_top': FactTopTable;
  'orderbook.fact_depth': FactDepthTable;
  'orderbook.fact_fill': FactFillTable;
  'orderbook.fact_cost_curve': FactCostCurveTable;
  'orderbook.fact_size_limit': FactSizeLimitTable;
  'orderbook.fact_reach': FactReachTable;
  'orderbook.fact_split': FactSplitTable;
  'orderbook.fact_forecast': FactForecastTable;
  'orderbook.fact_forecast_error': FactForecastErrorTable;
  'orderbook.fact_trade_fetch': FactTradeFetchTable;
  'orderbook.fact_trade': FactTradeTable;
  'orderbook.fact_trade_hour': FactTradeHourTable;
  'orderbook.fact_spread_rolling': FactSpreadRollingTable;
}
