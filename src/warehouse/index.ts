/**
 * The warehouse as the jobs see it: open it (PostgreSQL or embedded PGlite), migrate it, load
 * raw objects, derive, record runs, lock markets, and read it (backfill's queries, the typed
 * view readers). Jobs import this module only.
 */
export {
  openWarehouse,
  WarehouseBusyError,
  WarehouseLoginError,
  WarehouseOpenStopped,
  WarehouseUnavailableError,
  type Warehouse,
  type WarehouseOptions,
} from './db.ts';
export type { Database, RunKind } from './schema.ts';
export { migrate, MigrationError, type MigrateOptions } from './migrate.ts';
export { Loader, type LoadResult, type LoadSettings, type LoadSource, type SnapshotToLoad } from './load.ts';
export type { TradesLoadResult, TradesToLoad } from './load-trades.ts';
export {
  deriveSnapshots,
  deriveSplits,
  deriveTrailing,
  type DeriveSettings,
  type SplitGroup,
} from './derive.ts';
export {
  closeDeadRuns,
  finishBackfill,
  finishRun,
  recordError,
  recordFoundError,
  startRun,
  type RunError,
} from './runlog.ts';
export { withMarketLocks, type MarketClaim } from './lock.ts';
export { dropExpiredLevels, ensureLevelPartitionsAhead } from './partitions.ts';
export { compactLevels } from './compact.ts';
export {
  deleteLevels,
  marketSnapshotPage,
  marketsInRange,
  presentKeys,
  snapshotIdPage,
  snapshotsWithoutLevels,
  splitGroupBooks,
  splitGroups,
  type RawKeyTable,
  type SnapshotRange,
  type TimeCursor,
} from './queries.ts';
export { readFreshness, type Freshness, type RunOutcome } from './freshness.ts';
export { loadReport, type ReportData } from './readers/report.ts';
export {
  loadHtmlReport,
  type AssetReport,
  type HtmlReportData,
  type SplitOrder,
  type StorageSettings,
} from './readers/html-report.ts';
