/**
 * What every command that runs the ETL stands on: the raw store and the warehouse, both checked
 * and the schema migrated, and one run over them. The CLI and the demo share it.
 */
import type { Config } from '../config.ts';
import { createVenueClients } from '../exchanges/index.ts';
import type { Logger } from '../log.ts';
import { openRawStore, probeRawStore, type RawStore } from '../raw/index.ts';
import { openWarehouse, WarehouseBusyError, type Warehouse } from '../warehouse/db.ts';
import { Loader } from '../warehouse/load.ts';
import { migrate } from '../warehouse/migrate.ts';
import { dropExpiredLevels, ensureLevelPartitionsAhead } from '../warehouse/partitions.ts';
import { closeDeadRuns } from '../warehouse/runlog.ts';
import { runOnce, type RunSummary } from './run.ts';

/**
 * The warehouse, reachable and migrated; else the exit code (already logged): 1, or 0 when the
 * embedded database is held by another run (DESIGN §3: a run that finds the lock taken exits 0).
 */
export async function migratedWarehouse(config: Config, log: Logger): Promise<Warehouse | number> {
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
      log.warn({ err: error.message }, 'another run holds the embedded warehouse: not starting');
      return 0;
    }
    log.fatal({ err: (error as Error).message }, 'warehouse unreachable: nothing done');
    return 1;
  }
  try {
    await migrate(warehouse.db, log, config);
  } catch (error) {
    log.fatal(
      { warehouse: warehouse.location, err: (error as Error).message },
      'migration failed: nothing done',
    );
    await warehouse.close();
    return 1;
  }
  return warehouse;
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
    log.fatal({ rawStore: store.location, err: String(error) }, 'raw store unreachable: run not started');
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
 * One run; the caller holds the run lock (withRunLock), which is what makes closeDeadRuns safe.
 * Before it, fact_level's partitions for today and tomorrow are made ahead of need; after it,
 * level detail past LEVEL_RETENTION_DAYS is dropped (neither can fail the run: a load makes its
 * own day's partition anyway, and a partition not dropped now is dropped by the next run).
 */
export async function runPipeline(
  config: Config,
  log: Logger,
  pipeline: Pipeline,
  signal?: AbortSignal,
): Promise<RunSummary> {
  const { db } = pipeline.warehouse;
  const dead = await closeDeadRuns(db);
  if (dead.length > 0) log.warn({ runIds: dead }, 'runs whose process died marked interrupted');
  await ensureLevelPartitionsAhead(db).catch((error: unknown) => {
    log.warn({ err: (error as Error).message }, 'level partitions not made ahead: each load makes its own');
  });
  const summary = await runOnce({
    config,
    log,
    store: pipeline.store,
    clients: createVenueClients(config, log),
    db: pipeline.warehouse.db,
    loader: new Loader(pipeline.warehouse.db, config),
    signal,
  });
  await dropExpiredLevels(db, config.levelRetentionDays, log).catch((error: unknown) => {
    log.warn({ err: (error as Error).message }, 'level retention not applied: the next run tries again');
  });
  return summary;
}
