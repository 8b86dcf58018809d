/**
 * Brings the schema up to date: the frozen migrations in migrations/ through Kysely's Migrator,
 * then the analysts' views from sql/views/ (views.ts: each recreated only when its definition
 * changed, never taking an analyst's objects with it).
 *
 * Both run under one session-level advisory lock, held on one connection, so processes started
 * together take turns: the first migrates and creates the views, the next finds nothing to do.
 * (Two locks, one for migrations and one for views, let a process recreate views while another
 * was still reading or replacing them.)
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Logger } from '../log.ts';
import type { Database } from './schema.ts';
import { sqlFiles } from './sqlfiles.ts';
import { MigrationError, syncViews, type SyncOptions, type SyncResult, type ViewSettings } from './views.ts';

export {
  MigrationError,
  renderViewSql,
  viewPlaceholders,
  type SyncResult,
  type ViewSettings,
} from './views.ts';

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

/** Any fixed number: only processes of this ETL take it (schema and views). */
const SCHEMA_LOCK = 0x0b_e71_1;

export type MigrateOptions = Pick<SyncOptions, 'rebuildViews' | 'lockTimeoutMs'>;

export async function migrate(
  db: Kysely<Database>,
  log: Logger | undefined,
  settings: ViewSettings,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; views: SyncResult }> {
  return db.connection().execute(async (connection) => {
    // No lock_timeout here: a second process simply waits for the first to finish migrating.
    await sql`select pg_advisory_lock(${SCHEMA_LOCK})`.execute(connection);
    try {
      const applied = await applyMigrations(connection, log);
      const views = await syncViews(connection, log, settings, { ...options, force: applied.length > 0 });
      if (views.applied.length > 0) log?.info({ views: views.applied }, 'views created or replaced');
      return { applied, views };
    } finally {
      await sql`select pg_advisory_unlock(${SCHEMA_LOCK})`.execute(connection);
    }
  });
}

async function applyMigrations(db: Kysely<Database>, log: Logger | undefined): Promise<string[]> {
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
  return applied;
}
