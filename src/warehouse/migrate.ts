/**
 * Brings the schema up to date: the frozen migrations in migrations/ through Kysely's Migrator
 * (which holds a PostgreSQL advisory lock while it works), then the analysts' views from
 * sql/views/, recreated every time so the SQL there is always what the database runs.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Logger } from '../log.ts';
import type { Database } from './schema.ts';
import { sqlFiles } from './sqlfiles.ts';

class SqlFileMigrationProvider implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of sqlFiles('migrations')) {
      migrations[file.name] = {
        up: async (db) => {
          await sql.raw(file.sql).execute(db);
        },
      };
    }
    return Promise.resolve(migrations);
  }
}

/** Any fixed number works; it only has to be the same for every process that recreates views. */
const VIEWS_LOCK = 0x0b_e71_1;

export class MigrationError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

export async function migrate(db: Kysely<Database>, log?: Logger): Promise<{ applied: string[] }> {
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(),
    migrationTableSchema: 'orderbook',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed?.migrationName ?? ''} failed: ${reason}`, error);
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) log?.info({ migration: name }, 'migration applied');

  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${VIEWS_LOCK})`.execute(tx);
    for (const view of sqlFiles('sql/views')) {
      try {
        await sql.raw(view.sql).execute(tx);
      } catch (cause) {
        throw new MigrationError(`sql/views/${view.name}.sql failed: ${(cause as Error).message}`, cause);
      }
    }
  });
  return { applied };
}
