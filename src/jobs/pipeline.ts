/**
 * What every command that runs the ETL stands on: the raw store and the warehouse, both checked
 * and the schema migrated, and one run over them. The CLI and the demo share it.
 */
import type { Config } from '../config.ts';
import { createVenueClients } from '../exchanges/index.ts';
import type { Logger } from '../log.ts';
import { openRawStore, probeRawStore, type RawStore } from '../raw/index.ts';
import {
  closeDeadRuns,
  dropExpiredLevels,
  ensureLevelPartitionsAhead,
  Loader,
  migrate,
  type MigrateOptions,
  openWarehouse,
  type Warehouse,
  WarehouseBusyError,
  WarehouseLoginError,
  withMarketLocks,
} from '../warehouse/index.ts';
import { marketLabel } from '../markets.ts';
import { RequestTally, writeRunMetrics } from './metrics.ts';
import { runOnce, type RunSummary } from './run.ts';

/**
 * The warehouse, reachable and migrated; else the exit code (already logged): 1, or 0 when the
 * embedded database is held by another run (DESIGN §3: a run that finds the lock taken exits 0).
 */
export async function migratedWarehouse(
  config: Config,
  log: Logger,
  options: MigrateOptions = {},
): Promise<Warehouse | number> {
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.concurrency + 2,
      log,
    });
  } catch (error) {
    if (error instanceof WarehouseBusyError) {
      log.warn({ err: error }, 'another run holds the embedded warehouse: not starting');
      return 0;
    }
    if (error instanceof WarehouseLoginError) {
      log.fatal(
        { err: error },
        'warehouse refused the login (check the user, password and database in DATABASE_URL): nothing done',
      );
      return 1;
    }
    log.fatal({ err: error }, 'warehouse unreachable: nothing done');
    return 1;
  }
  try {
    await migrate(warehouse.db, log, config, options);
  } catch (error) {
    const readOnly = hasSqlState(error, '42501');
    log.fatal(
      { warehouse: warehouse.location, err: error },
      readOnly
        ? 'this login is read-only: use the owner role for etl/migrate (orderbook_reader logins can only read the views, e.g. npm run report): nothing done'
        : 'migration failed: nothing done',
    );
    await warehouse.close();
    return 1;
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

/** Raw store and warehouse, both checked; an exit code (already logged) when either is unusable. */
export async function openPipeline(config: Config, log: Logger): Promise<Pipeline | number> {
  const store = openRawStore(config.rawStoreUrl, { ...config.s3, maxAttempts: config.httpRetries + 1 });
  try {
    await probeRawStore(store);
  } catch (error) {
    log.fatal({ rawStore: store.location, err: error }, 'raw store unreachable: run not started');
    return 1;
  }
  try {
    const warehouse = await migratedWarehouse(config, log);
    if (typeof warehouse === 'number') {
      await store.close();
      return warehouse;
    }
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
      loader: new Loader(pipeline.warehouse.db, config),
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
    return summary;
  });
  return locked.acquired ? locked.value : null;
}
