/**
 * What every command that runs the ETL stands on: the raw store and the warehouse, both checked
 * and the schema migrated, and one run (or backfill) over them. The CLI and the demo share it;
 * what could not start is a StartupError, which only the CLI turns into an exit code.
 */
import type { Config } from '../config.ts';
import { createVenueClients } from '../venues/index.ts';
import type { Logger } from '../log.ts';
import { openRawStore, probeRawStore, type RawStore } from '../raw/index.ts';
import {
  closeDeadRuns,
  compactLevels,
  dropExpiredLevels,
  ensureLevelPartitionsAhead,
  Loader,
  migrate,
  type MigrateOptions,
  openWarehouse,
  type Warehouse,
  WarehouseBusyError,
  WarehouseLoginError,
  WarehouseOpenStopped,
  withMarketLocks,
} from '../warehouse/index.ts';
import { marketLabel } from '../markets.ts';
import { backfill, type BackfillOptions, type BackfillSummary } from './backfill.ts';
import { RequestTally, writeRunMetrics } from './metrics.ts';
import type { ProgressSink } from './progress.ts';
import { runOnce, type RunSummary } from './run.ts';

/** Why a job could not start: the raw store or the warehouse unusable, or its schema not migrated. */
export type StartupReason =
  | 'raw_store'
  | 'warehouse_busy'
  | 'warehouse_login'
  | 'warehouse_unreachable'
  | 'read_only'
  | 'migration'
  /** SIGTERM/SIGINT came while the store or the warehouse was still being tried. */
  | 'stopped';

/**
 * A job that could not start, nothing done. The message is what to log; `fields` what goes
 * with it (the store or warehouse, never a secret); the cause is the error underneath. The CLI
 * turns it into the exit code (DESIGN §3).
 */
export class StartupError extends Error {
  readonly reason: StartupReason;
  readonly fields: Record<string, string>;
  constructor(reason: StartupReason, message: string, fields: Record<string, string>, cause: unknown) {
    super(message, { cause });
    this.name = 'StartupError';
    this.reason = reason;
    this.fields = fields;
  }
}

export interface OpenOptions extends MigrateOptions {
  /** Tries to reach the database (default: openWarehouse's). */
  connectAttempts?: number;
  /** The command's stop signal: ends the raw store's and the database's retries at once. */
  signal?: AbortSignal;
}

/** The warehouse, reachable and migrated; a StartupError when it is not. */
export async function openMigratedWarehouse(
  config: Config,
  log: Logger,
  options: OpenOptions = {},
): Promise<Warehouse> {
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.concurrency + 2,
      log,
      ...(options.connectAttempts === undefined ? {} : { connectAttempts: options.connectAttempts }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof WarehouseOpenStopped) {
      throw new StartupError('stopped', 'stopped while the warehouse was tried: nothing done', {}, error);
    }
    if (error instanceof WarehouseBusyError) {
      throw new StartupError(
        'warehouse_busy',
        'another run holds the embedded warehouse: not starting',
        {},
        error,
      );
    }
    if (error instanceof WarehouseLoginError) {
      throw new StartupError(
        'warehouse_login',
        'warehouse refused the login (check the user, password and database in DATABASE_URL): nothing done',
        {},
        error,
      );
    }
    throw new StartupError('warehouse_unreachable', 'warehouse unreachable: nothing done', {}, error);
  }
  try {
    await migrate(warehouse.db, log, config, options);
  } catch (error) {
    await warehouse.close();
    if (hasSqlState(error, '42501')) {
      throw new StartupError(
        'read_only',
        'this login is read-only: use the owner role for etl/migrate (orderbook_reader logins can only read the views, e.g. npm run report): nothing done',
        { warehouse: warehouse.location },
        error,
      );
    }
    throw new StartupError(
      'migration',
      'migration failed: nothing done',
      { warehouse: warehouse.location },
      error,
    );
  }
  return warehouse;
}

/** Whether the error or one of its causes is a PostgreSQL error with this SQLSTATE. */
function hasSqlState(error: unknown, code: string): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true;
  }
  return false;
}

export interface Pipeline {
  store: RawStore;
  warehouse: Warehouse;
  close(): Promise<void>;
}

/** Raw store and warehouse, both checked and the schema migrated; a StartupError when either is unusable. */
export async function openPipeline(
  config: Config,
  log: Logger,
  options: OpenOptions = {},
): Promise<Pipeline> {
  const store = openRawStore(config.rawStoreUrl, { ...config.s3, maxAttempts: config.httpRetries + 1 });
  try {
    await probeRawStore(store, options.signal);
  } catch (error) {
    await store.close();
    if (options.signal?.aborted) {
      throw new StartupError(
        'stopped',
        'stopped while the raw store was tried: run not started',
        { rawStore: store.location },
        error,
      );
    }
    throw new StartupError(
      'raw_store',
      'raw store unreachable: run not started',
      { rawStore: store.location },
      error,
    );
  }
  try {
    const warehouse = await openMigratedWarehouse(config, log, options);
    return {
      store,
      warehouse,
      close: async () => {
        await warehouse.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The one loader of a pipeline's runs and backfills, with the settings that shape its rows. */
function loaderOf(pipeline: Pipeline, config: Config): Loader {
  return new Loader(pipeline.warehouse.db, config);
}

/**
 * One run over the markets no other run holds (locks per market: lock.ts); markets another run
 * holds are skipped and logged, not failed. Null when every market is taken: nothing was run.
 * Before it, fact_level's partitions for today and tomorrow are made ahead of need; after it,
 * level detail past LEVEL_RETENTION_DAYS is dropped (neither can fail the run: a load makes its
 * own day's partition anyway, and a partition not dropped now is dropped by the next run). With
 * METRICS_FILE set, the run's metrics are written as soon as it is recorded (metrics.ts).
 */
export async function runPipeline(
  config: Config,
  log: Logger,
  pipeline: Pipeline,
  signal?: AbortSignal,
  kind: 'one-shot' | 'scheduled' = 'one-shot',
): Promise<RunSummary | null> {
  const { db } = pipeline.warehouse;
  const locked = await withMarketLocks(pipeline.warehouse, config.markets, async (claim) => {
    if (claim.taken.length > 0) {
      log.warn(
        { markets: claim.taken.map(marketLabel), running: claim.markets.map(marketLabel) },
        'markets skipped: another run holds them',
      );
    }
    const dead = await closeDeadRuns(db, claim.deadRuns);
    if (dead.length > 0) log.warn({ runIds: dead }, 'runs whose process died marked interrupted');
    await ensureLevelPartitionsAhead(db).catch((error: unknown) => {
      log.warn({ err: error }, 'level partitions not made ahead: each load makes its own');
    });
    const claimed = { ...config, markets: claim.markets };
    const requests = new RequestTally();
    const summary = await runOnce({
      config: claimed,
      log,
      store: pipeline.store,
      clients: createVenueClients(claimed, log, undefined, signal, requests.observe),
      db: pipeline.warehouse.db,
      loader: loaderOf(pipeline, config),
      signal,
      beforeStart: claim.holdRun,
      kind,
    });
    if (config.metricsFile) {
      await writeRunMetrics({
        file: config.metricsFile,
        summary,
        requests,
        markets: config.markets,
        db,
        log,
      });
    }
    await dropExpiredLevels(db, config.levelRetentionDays, log).catch((error: unknown) => {
      log.warn({ err: error }, 'level retention not applied: the next run tries again');
    });
    await compactLevels(db, config.levelCompactAfterDays, log).catch((error: unknown) => {
      log.warn({ err: error }, 'level compaction not applied: the next run tries again');
    });
    return summary;
  });
  return locked.acquired ? locked.value : null;
}

/** A backfill over the pipeline (backfill.ts), with its loader. */
export function backfillPipeline(
  config: Config,
  log: Logger,
  pipeline: Pipeline,
  options: BackfillOptions,
  progress?: ProgressSink,
): Promise<BackfillSummary> {
  return backfill(
    {
      config,
      log,
      store: pipeline.store,
      db: pipeline.warehouse.db,
      loader: loaderOf(pipeline, config),
      ...(progress ? { progress } : {}),
    },
    options,
  );
}
