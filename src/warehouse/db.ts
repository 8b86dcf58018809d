/**
 * Opens the warehouse: PostgreSQL through a pg Pool when DATABASE_URL is set, else embedded
 * PGlite persisted under DATA_DIR/pglite, so `npm run etl` works with no database installed.
 * Both speak the same SQL; the rest of the code cannot tell them apart.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
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
 * When a process started, in clock ticks since boot (field 22 of /proc/PID/stat), or null where
 * there is no /proc. The command name (field 2) is in parentheses and may hold spaces, so the
 * fields are counted from the last `)`.
 */
async function processStart(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

async function bootId(): Promise<string | null> {
  return readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (id) => id.trim(),
    () => null,
  );
}

/** Who holds the folder: a PID alone is not enough, since PIDs are reused (always 1 in a container). */
interface Holder {
  pid: number;
  start: string | null;
  boot: string | null;
}

function readHolder(text: string): Holder | null {
  try {
    const json = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(json.pid) && (json.pid ?? 0) > 0) {
      return { pid: json.pid ?? 0, start: json.start ?? null, boot: json.boot ?? null };
    }
  } catch {
    // Written by an older version: the PID alone.
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, start: null, boot: null } : null;
}

/**
 * Whether the process that wrote the lock still runs: same boot, a live process of that PID, and
 * (where /proc tells) one that started when the holder did, so a new process that was given the
 * same PID, such as every container's PID 1 after a restart, is not taken for the holder.
 */
async function holderAlive(holder: Holder): Promise<boolean> {
  const boot = await bootId();
  if (holder.boot !== null && boot !== null && holder.boot !== boot) return false;
  if (!processAlive(holder.pid)) return false;
  if (holder.start === null) return true;
  const start = await processStart(holder.pid);
  return start === null || start === holder.start;
}

/**
 * Claims the PGlite folder for this process: two processes writing one PGlite folder corrupt it.
 * A lock left by a process that died (SIGKILL, power cut, a container killed) is taken over.
 * Processes in different PID namespaces sharing one DATA_DIR at the same time cannot see each
 * other: PGlite is for one process; several use PostgreSQL.
 */
async function lockFolder(lockFile: string, location: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // Written aside and linked into place, so the lock never exists without its holder in it.
      const me: Holder = { pid: process.pid, start: await processStart(process.pid), boot: await bootId() };
      const aside = `${lockFile}.${process.pid}.${randomUUID()}`;
      await writeFile(aside, JSON.stringify(me));
      try {
        await link(aside, lockFile).catch(async (error: unknown) => {
          const code = (error as NodeJS.ErrnoException).code;
          // Some mounts have no hard links: exclusive create, then write.
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
          await writeFile(lockFile, JSON.stringify(me), { flag: 'wx' });
        });
      } finally {
        await rm(aside, { force: true });
      }
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(await readFile(lockFile, 'utf8').catch(() => ''));
      if (holder && (await holderAlive(holder))) {
        throw new WarehouseBusyError(location, holder.pid);
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
  /** The command's stop signal: a SIGTERM while the database is retried ends the tries at once. */
  signal?: AbortSignal;
}

/** Opening the warehouse was given up because the command was asked to stop. */
export class WarehouseOpenStopped extends Error {
  constructor(location: string) {
    super(`stopped while opening the warehouse ${location}`);
    this.name = 'WarehouseOpenStopped';
  }
}

/** Rejects when `signal` aborts (never, without one): raced against a wait that has no signal of its own. */
function abortion(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener(
      'abort',
      () => {
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
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
    // p-retry ends its backoff on abort but waits out an attempt in flight (a connect may take
    // its whole 10 s timeout), hence the race.
    const tries = pRetry(() => sql`select 1`.execute(warehouse.db), {
      ...(options.signal ? { signal: options.signal } : {}),
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
    tries.catch(() => undefined); // rejected after the race was lost to a stop: already handled
    await Promise.race([tries, abortion(options.signal)]);
  } catch (error) {
    if (options.signal?.aborted) {
      // Not awaited: closing the pool waits for a connect in flight, which is what a stop skips.
      void warehouse.close().catch(() => undefined);
      throw new WarehouseOpenStopped(warehouse.location);
    }
    await warehouse.close().catch(() => undefined);
    if (isLoginRefusal(error)) throw new WarehouseLoginError(warehouse.location, error);
    throw new WarehouseUnavailableError(warehouse.location, error);
  }
  return warehouse;
}
