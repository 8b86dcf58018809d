/**
 * A fresh, empty warehouse for one test file (DESIGN §7): a new database on the server named by
 * TEST_DATABASE_URL or DATABASE_URL; else a PostgreSQL container through testcontainers when
 * Docker runs; else embedded PGlite in a temp folder. Each file gets its own database, so files
 * run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openWarehouse, type Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import type { Database } from '../../src/warehouse/schema.ts';
import { sqlFiles } from '../../src/warehouse/sqlfiles.ts';
import { loadConfig } from '../../src/config.ts';

/** DESIGN §3's defaults, from config.ts, the one place they are defined. */
const DEFAULTS = loadConfig({});

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  /** Set for PostgreSQL: what a child process gets as DATABASE_URL. */
  databaseUrl: string | undefined;
  /** A temp folder: DATA_DIR for child processes (PGlite lives under it when there is no URL). */
  dataDir: string;
  /** Opens (and migrates) the warehouse. PGlite allows one opener at a time. */
  open(options?: { migrate?: boolean }): Promise<Warehouse>;
  cleanup(): Promise<void>;
}

async function serverDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `obetl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

async function containerDatabase(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return {
      url: container.getConnectionUri(),
      drop: async () => {
        await container.stop();
      },
    };
  } catch {
    return null; // No Docker engine here: fall back to PGlite.
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'obetl-db-'));
  const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const server = adminUrl ? await serverDatabase(adminUrl) : await containerDatabase();
  const databaseUrl = server?.url;
  return {
    kind: databaseUrl ? 'postgres' : 'pglite',
    databaseUrl,
    dataDir,
    async open({ migrate: run = true } = {}) {
      const warehouse = await openWarehouse({ databaseUrl, dataDir, connectAttempts: 1 });
      if (run) await migrate(warehouse.db, undefined, DEFAULTS);
      return warehouse;
    },
    async cleanup() {
      await server?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Applies the migrations named before `first` (e.g. '0008'), as an older release did, so a test
 * can fill the older schema and then migrate it forward.
 */
export async function migrateBefore(db: Kysely<Database>, first: string): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const file of sqlFiles('migrations').filter((f) => f.name < first)) {
    migrations[file.name] = {
      up: async (tx) => {
        await sql.raw(file.sql).execute(tx);
      },
    };
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: 'orderbook',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error as Error;
}

/**
 * Registers `make` as a beforeAll and `unmake` as an afterAll, and returns a reader of what
 * `make` gave: registered before a file's own hooks, it is there for them and outlives their
 * afterAll (vitest runs after-hooks in reverse).
 */
function beforeAndAfterAll<T>(
  what: string,
  make: () => Promise<T>,
  unmake: (value: T) => Promise<void>,
): () => T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await make();
  });
  afterAll(async () => {
    if (current !== undefined) await unmake(current);
  });
  return () => {
    if (current === undefined) throw new Error(`${what} is made in beforeAll: use it in a hook or a test`);
    return current;
  };
}

export interface UseTestDatabaseOptions {
  /** Migrate it once before the tests (and close that connection): for tests whose child processes use it. */
  migrate?: boolean;
}

/**
 * A fresh database for the tests of this file (or describe block): made in a beforeAll, dropped
 * in an afterAll. The object returned reads the database of the moment, so it stands for the
 * TestDatabase itself.
 */
export function useTestDatabase({ migrate: run = false }: UseTestDatabaseOptions = {}): TestDatabase {
  const get = beforeAndAfterAll(
    'the test database',
    async () => {
      const testDb = await createTestDatabase();
      if (run) await (await testDb.open()).close();
      return testDb;
    },
    (testDb) => testDb.cleanup(),
  );
  return {
    get kind() {
      return get().kind;
    },
    get databaseUrl() {
      return get().databaseUrl;
    },
    get dataDir() {
      return get().dataDir;
    },
    open: (options) => get().open(options),
    cleanup: () => get().cleanup(),
  };
}

/**
 * A fresh database and the warehouse open on it for the tests of this file (or describe block),
 * migrated unless `migrate: false`; closed and dropped after them. Both objects returned read
 * what is open at the moment, so they stand for the TestDatabase and the Warehouse themselves.
 */
export function useTestWarehouse({ migrate: run = true }: { migrate?: boolean } = {}): {
  testDb: TestDatabase;
  warehouse: Warehouse;
} {
  const testDb = useTestDatabase();
  const get = beforeAndAfterAll(
    'the test warehouse',
    () => testDb.open({ migrate: run }),
    (warehouse) => warehouse.close(),
  );
  const warehouse: Warehouse = {
    get db() {
      return get().db;
    },
    get kind() {
      return get().kind;
    },
    get location() {
      return get().location;
    },
    close: () => get().close(),
  };
  return { testDb, warehouse };
}
