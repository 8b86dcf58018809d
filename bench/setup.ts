/**
 * What every part of the bench stands on: the simulator (its own process), a temp raw folder, a
 * fresh warehouse database made for this bench and dropped after it, and a Config built by the
 * real loadConfig so the loader and derive see the settings a deployment would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.ts';
import { createVenueClients, type VenueClient } from '../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../src/http/ratelimit.ts';
import { createLogger, type Logger } from '../src/log.ts';
import type { Venue } from '../src/markets.ts';
import { openRawStore, type RawStore } from '../src/raw/index.ts';
import type { SimMarket } from '../src/simulator/index.ts';
import { openWarehouse } from '../src/warehouse/db.ts';
import { migrate } from '../src/warehouse/migrate.ts';
import { EmbeddedPGliteDialect, PGLITE_OPTIONS } from '../src/warehouse/pglite-dialect.ts';
import type { Database } from '../src/warehouse/schema.ts';
import { copyFrom } from './copy.ts';

export interface SimulatorProcess {
  url: string;
  close(): Promise<void>;
}

/** startSimulator (rate limits off) in a child process; resolves once it listens. */
export async function spawnSimulator(markets: SimMarket[]): Promise<SimulatorProcess> {
  const script = fileURLToPath(new URL('./simulator-process.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, script, JSON.stringify(markets)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const stdout = child.stdout;
  if (!stdout) throw new Error('simulator: no stdout');
  const lines = createInterface({ input: stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`simulator exited with code ${String(code)} before listening`));
    });
    lines.once('line', (line) => {
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.stdin?.end();
      await exited;
    },
  };
}

/** Fact rows going into fact_snapshot for the COPY baseline: the loader's row, minus the loader. */
export interface SnapshotRow {
  marketId: number;
  runId: string;
  at: string;
  sequence: string;
  bidLevels: number;
  askLevels: number;
  storedLevels: number;
  rawKey: string;
}

/** The warehouse under test: PostgreSQL (a database of its own) or embedded PGlite. */
export interface BenchWarehouse {
  kind: 'postgres' | 'pglite';
  db: Kysely<Database>;
  /** Where it is, without secrets. */
  location: string;
  /**
   * One transaction: the fact_snapshot row, then its levels by COPY (`chunks` formats them for
   * the new snapshot_id). Resolves with the rows copied.
   */
  copySnapshot(row: SnapshotRow, chunks: (snapshotId: string) => Buffer[]): Promise<number>;
  /** Empties the facts (keeps dims): a clean slate for a backfill. */
  truncateFacts(): Promise<void>;
  close(): Promise<void>;
}

const ENSURE_PARTITION = `select orderbook.ensure_level_partition(($1::timestamptz at time zone 'UTC')::date)`;
const LEVEL_COLUMNS = 'orderbook.fact_level (snapshot_id, side, level_no, price, size, order_count)';
const INSERT_SNAPSHOT = `insert into orderbook.fact_snapshot
  (market_id, run_id, requested_at, received_at, exchange_time, exchange_sequence, bid_levels, ask_levels, stored_levels, raw_key)
  values ($1, $2, $3, $3, null, $4, $5, $6, $7, $8) returning snapshot_id`;

function snapshotParams(row: SnapshotRow): unknown[] {
  return [
    row.marketId,
    row.runId,
    row.at,
    row.sequence,
    row.bidLevels,
    row.askLevels,
    row.storedLevels,
    row.rawKey,
  ];
}

async function truncateFacts(db: Kysely<Database>): Promise<void> {
  await sql`truncate orderbook.fact_snapshot, orderbook.etl_run, orderbook.etl_error cascade`.execute(db);
}

/** A database of its own on the server at `adminUrl`, migrated; dropped again by close(). */
export async function postgresWarehouse(
  adminUrl: string,
  config: Config,
  log: Logger,
  poolSize: number,
): Promise<BenchWarehouse> {
  const name = `obetl_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  };
  try {
    const warehouse = await openWarehouse({
      databaseUrl: url.toString(),
      dataDir: tmpdir(),
      poolSize,
      connectAttempts: 1,
    });
    await migrate(warehouse.db, log, config);
    const copier = new pg.Client({ connectionString: url.toString() });
    await copier.connect();
    return {
      kind: 'postgres',
      db: warehouse.db,
      location: `${warehouse.location} (PostgreSQL)`,
      async copySnapshot(row, chunks) {
        // As the loader does: the day's fact_level partition first (one round trip once it exists).
        await copier.query(ENSURE_PARTITION, [row.at]);
        await copier.query('begin');
        try {
          const { rows } = await copier.query<{ snapshot_id: string }>(INSERT_SNAPSHOT, snapshotParams(row));
          const id = rows[0]?.snapshot_id;
          if (id === undefined) throw new Error('copy baseline: no snapshot_id');
          const copied = await copyFrom(copier, `copy ${LEVEL_COLUMNS} from stdin`, chunks(id));
          await copier.query('commit');
          return copied;
        } catch (error) {
          await copier.query('rollback');
          throw error;
        }
      },
      truncateFacts: () => truncateFacts(warehouse.db),
      async close() {
        await copier.end();
        await warehouse.close();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

/**
 * Runs a bench script in a Node process of its own (with this process's flags), resolving with
 * the JSON it prints: for figures, such as a peak RSS, that must not mix with this process's.
 */
export function runJsonChild<T>(script: string, args: string[]): Promise<T> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${script} exited with code ${String(code)}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as T);
      } catch (error) {
        reject(new Error(`${script} printed no JSON: ${(error as Error).message}`));
      }
    });
  });
}

/**
 * Embedded PGlite in a temp folder, migrated; the folder is removed by close(). It opens an
 * existing database, the way every ETL run after the first does; firstStartPeakRssMb is the
 * peak of the process that created it.
 */
export async function pgliteWarehouse(
  config: Config,
  log: Logger,
): Promise<BenchWarehouse & { firstStartPeakRssMb: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-pglite-'));
  try {
    const { peakRssMb: firstStartPeakRssMb } = await runJsonChild<{ peakRssMb: number }>('./pglite-init.ts', [
      dir,
    ]);
    const pglite = await PGlite.create({ ...PGLITE_OPTIONS, dataDir: dir });
    const db = new Kysely<Database>({ dialect: new EmbeddedPGliteDialect(pglite) });
    await migrate(db, log, config);
    return {
      kind: 'pglite',
      db,
      location: `pglite:${dir} (embedded)`,
      firstStartPeakRssMb,
      copySnapshot: async (row, chunks) => {
        await pglite.query(ENSURE_PARTITION, [row.at]);
        return pglite.transaction(async (tx) => {
          const { rows } = await tx.query<{ snapshot_id: string }>(INSERT_SNAPSHOT, snapshotParams(row));
          const id = rows[0]?.snapshot_id;
          if (id === undefined) throw new Error('copy baseline: no snapshot_id');
          const result = await tx.query(`copy ${LEVEL_COLUMNS} from '/dev/blob'`, [], {
            blob: new Blob(chunks(id)),
          });
          return result.affectedRows ?? 0;
        });
      },
      truncateFacts: () => truncateFacts(db),
      async close() {
        await db.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Clients that never wait on their own limiters: the bench measures the pipeline, not the venues' quotas. */
export function unthrottledClients(config: Config, log: Logger): Record<Venue, VenueClient> {
  return createVenueClients(config, log, {
    coinbase: new RequestRateLimiter(1_000_000),
    binance: new WeightBudgetLimiter(1_000_000_000),
    kraken: new RequestRateLimiter(1_000_000),
    okx: new RequestRateLimiter(1_000_000),
    bybit: new RequestRateLimiter(1_000_000),
  });
}

export interface BenchEnv {
  config: Config;
  /** The simulator's markets, in MARKETS order (base/quote as the venues' metadata gives them). */
  markets: SimMarket[];
  log: Logger;
  sim: SimulatorProcess;
  rawDir: string;
  store: RawStore;
  warehouse: BenchWarehouse;
  close(): Promise<void>;
}

export interface EnvOptions {
  markets: SimMarket[];
  /** Markets the simulator serves besides `markets` but MARKETS leaves out (no run fetches them). */
  extraMarkets?: SimMarket[];
  /** PostgreSQL server to make the bench database on; null runs everything on embedded PGlite. */
  adminUrl: string | null;
  concurrency: number;
}

export async function createBenchEnv(options: EnvOptions): Promise<BenchEnv> {
  const log = createLogger({ level: 'silent' });
  const sim = await spawnSimulator([...options.markets, ...(options.extraMarkets ?? [])]);
  const rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-raw-'));
  const cleanups: (() => Promise<void>)[] = [
    () => sim.close(),
    () => rm(rawDir, { recursive: true, force: true }),
  ];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const config = benchConfig(sim.url, rawDir, options.markets, options.concurrency);
    const warehouse = options.adminUrl
      ? await postgresWarehouse(options.adminUrl, config, log, options.concurrency + 2)
      : await pgliteWarehouse(config, log);
    cleanups.push(() => warehouse.close());
    const store = openRawStore(config.rawStoreUrl);
    await store.probe();
    return { config, markets: options.markets, log, sim, rawDir, store, warehouse, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The settings a deployment would have, pointed at the simulator and the temp folder. Every
 * level is stored (LEVELS_WITHIN_BPS=all): the bench loads whole books, the heaviest case.
 */
export function benchConfig(
  simUrl: string,
  rawDir: string,
  markets: SimMarket[],
  concurrency: number,
): Config {
  return loadConfig({
    DATA_DIR: rawDir,
    RAW_STORE_URL: `file://${rawDir}`,
    COINBASE_API_URL: simUrl,
    BINANCE_API_URL: simUrl,
    KRAKEN_API_URL: simUrl,
    OKX_API_URL: simUrl,
    BYBIT_API_URL: simUrl,
    MARKETS: markets.map((m) => `${m.venue}:${m.symbol}`).join(','),
    LEVELS_WITHIN_BPS: 'all',
    CONCURRENCY: String(concurrency),
    HTTP_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'silent',
  });
}
