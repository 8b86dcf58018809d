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
import { deriveReach, deriveSpreadRolling } from './derive.ts';
import { sqlFiles } from './sqlfiles.ts';
import { MigrationError, syncViews, type SyncOptions, type SyncResult, type ViewSettings } from './views.ts';

export {
  MigrationError,
  renderViewSql,
  viewPlaceholders,
  type SyncResult,
  type ViewSettings,
} from './views.ts';

/**
 * The SQL files, each followed by the data step that needs the settings (if it has one), in the
 * migration's own transaction: a migration is applied with its data or not at all.
 */
class SqlFileMigrationProvider implements MigrationProvider {
  private readonly after: Record<string, (db: Kysely<Database>) => Promise<void>>;

  constructor(after: Record<string, (db: Kysely<Database>) => Promise<void>>) {
    this.after = after;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of sqlFiles('migrations')) {
      const step = this.after[file.name];
      migrations[file.name] = {
        up: async (db) => {
          await sql.raw(file.sql).execute(db);
          if (step) await step(db as Kysely<Database>);
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
      const applied = await applyMigrations(connection, log, {
        [STORED_WINDOWS]: (tx) => deriveStoredWindows(tx, log, settings.forecastWindow),
        [CAPTURED_REACH]: (tx) => deriveStoredReach(tx, log),
      });
      const views = await syncViews(connection, log, settings, { ...options, force: applied.length > 0 });
      if (views.applied.length > 0) log?.info({ views: views.applied }, 'views created or replaced');
      return { applied, views };
    } finally {
      await sql`select pg_advisory_unlock(${SCHEMA_LOCK})`.execute(connection);
    }
  });
}

/** The migration that began storing the rolling spread averages v_spread_rolling computed. */
const STORED_WINDOWS = '0010_stored_window_facts';

/**
 * The rolling spread averages of the snapshots loaded before they were stored, a few thousand
 * snapshots at a time: so an upgraded warehouse's v_spread_rolling shows every snapshot it did.
 */
async function deriveStoredWindows(
  db: Kysely<Database>,
  log: Logger | undefined,
  window: number,
): Promise<void> {
  const derived = await forStoredSnapshots(db, (ids) => deriveSpreadRolling(db, ids, window));
  if (derived > 0) log?.info({ snapshots: derived }, 'rolling spread averages derived for stored snapshots');
}

/** The migration that began recording each book's depth limit and reach (fact_reach). */
const CAPTURED_REACH = '0019_captured_reach';

/**
 * The reach of the snapshots stored before it was derived, from the levels still kept, a few
 * thousand snapshots at a time: so an upgraded warehouse's sizing views say at once whether a
 * book ran out or was cut. Books whose levels are past retention get theirs from a derive-only
 * backfill (which reads them from raw); until then the views show null reach for them.
 */
async function deriveStoredReach(db: Kysely<Database>, log: Logger | undefined): Promise<void> {
  const derived = await forStoredSnapshots(db, (ids) => deriveReach(db, ids));
  if (derived > 0) log?.info({ snapshots: derived }, 'reach derived for stored snapshots');
}

/**
 * Runs `derive` over every derived snapshot (those with a fact_top row), 5,000 ids at a time in
 * id order, so a migration that adds a derived fact fills it for what is already stored without
 * one statement over the whole history. Returns the snapshots passed.
 */
async function forStoredSnapshots(
  db: Kysely<Database>,
  derive: (ids: string[]) => Promise<unknown>,
): Promise<number> {
  let after = '0';
  let derived = 0;
  for (;;) {
    const { rows } = await sql<{ snapshot_id: string }>`
      select t.snapshot_id from orderbook.fact_top t
      where t.snapshot_id > ${after}::bigint
      order by t.snapshot_id limit 5000`.execute(db);
    const last = rows.at(-1);
    if (!last) break;
    await derive(rows.map((r) => r.snapshot_id));
    derived += rows.length;
    after = last.snapshot_id;
  }
  return derived;
}

async function applyMigrations(
  db: Kysely<Database>,
  log: Logger | undefined,
  after: Record<string, (db: Kysely<Database>) => Promise<void>>,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(after),
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
