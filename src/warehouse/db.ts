/**
 * Opens the warehouse: PostgreSQL through a pg Pool when DATABASE_URL is set, else embedded
 * PGlite persisted under DATA_DIR/pglite, so `npm run etl` works with no database installed.
 * Both speak the same SQL; the rest of the code cannot tell them apart.
 */
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import pRetry from 'p-retry';
import { redactSecretUrl } from '../config.ts';
import type { Logger } from '../log.ts';
import { makeFolder } from '../util/make-folder.ts';
import { CopyingClient } from './copy.ts';
import { EmbeddedPGliteDialect, PGLITE_OPTIONS } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';

export interface Warehouse {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, without a password: for logs and messages. */
  location: string;
  close(): Promise<void>;
}

export class WarehouseUnavailableError extends Error {
  constructor(location: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`warehouse ${location} unreachable: ${reason}`, { cause });
    this.name = 'WarehouseUnavailableError';
  }
}

/**
 * The server answered and said no: a wrong password, a role or database that does not exist, a
 * login not allowed to connect. Asking again cannot help, so it is never retried.
 */
export class WarehouseLoginError extends Error {
  constructor(location: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`warehouse ${location} refused the connection: ${reason}`, { cause });
    this.name = 'WarehouseLoginError';
  }
}

// SQLSTATE classes 28 (authorization: bad password, no such role, pg_hba), 3D000 (no such
// database) and 42501 (no CONNECT privilege): a configuration problem, not an outage.
const REFUSAL = /^(28|3D000$|42501$)/;

/** True when the server itself refused us (as opposed to not answering: refused, timed out, DNS). */
export function isLoginRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && REFUSAL.test(code);
}

/** The embedded database is open in another process (PGlite allows one). */
export class WarehouseBusyError extends Error {
  constructor(location: string, pid: number) {
    super(`embedded warehouse ${location} is in use by process ${pid}`);
    this.name = 'WarehouseBusyError';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the PGlite folder for this process: two processes writing one PGlite folder corrupt it.
 * A lock left by a process that died (SIGKILL, power cut) is taken over.
 */
async function lockFolder(lockFile: string, location: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new WarehouseBusyError(location, pid);
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${lockFile}`);
}

export interface WarehouseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Connections in the pg pool; the run holds at most CONCURRENCY of them at once. */
  poolSize?: number;
  /** Tries to reach the database before giving up (exit code 1). */
  connectAttempts?: number;
  log?: Logger;
}

function openPostgres(url: string, poolSize: number): Warehouse {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'orderbook-etl',
    // Our client class: the loader's COPY of levels goes through Kysely like any query.
    Client: CopyingClient,
  });
  // A dropped connection must not crash the process: idle ones surface on the pool, and one
  // checked out (mid-transaction when the server goes away) on its client after its query has
  // already failed with the reason. The next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', location: redactSecretUrl(url), close: () => db.destroy() };
}

async function openPGlite(dataDir: string): Promise<Warehouse> {
  const dir = path.join(dataDir, 'pglite');
  const location = `pglite:${dir}`;
  await makeFolder(dir);
  const unlock = await lockFolder(`${dir}.lock`, location);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create({ ...PGLITE_OPTIONS, dataDir: dir });
    const db = new Kysely<Database>({ dialect: new EmbeddedPGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      location,
      close: async () => {
        await db.destroy();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/** Opens and checks the warehouse, retrying a few times so a database restart does not fail the run. */
export async function openWarehouse(options: WarehouseOptions): Promise<Warehouse> {
  const warehouse = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 8)
    : await openPGlite(options.dataDir);
  try {
    await pRetry(() => sql`select 1`.execute(warehouse.db), {
      retries: (options.connectAttempts ?? 4) - 1,
      minTimeout: 500,
      factor: 2,
      shouldRetry: ({ error }) => !isLoginRefusal(error),
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (isLoginRefusal(error)) return;
        options.log?.warn(
          { warehouse: warehouse.location, retriesLeft, err: error },
          'warehouse not reachable',
        );
      },
    });
  } catch (error) {
    await warehouse.close().catch(() => undefined);
    if (isLoginRefusal(error)) throw new WarehouseLoginError(warehouse.location, error);
    throw new WarehouseUnavailableError(warehouse.location, error);
  }
  return warehouse;
}
