/**
 * Brings the schema up to date: the frozen migrations in migrations/ through Kysely's Migrator
 * (which holds a PostgreSQL advisory lock while it works), then the analysts' views from
 * sql/views/, recreated every time so the SQL there is always what the database runs.
 *
 * A view that depends on a setting (a window length, a ladder of sizes) names it as a
 * `{{PLACEHOLDER}}`; the validated value is written in when the view is created. A view cannot
 * take parameters, and a window frame's offset must be a constant, so this is the one way to
 * keep such a view a plain view. Changing the setting takes effect at the next migrate, which
 * every command runs first.
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

/** The settings views may use; each value was validated by config.ts (numbers only). */
export interface ViewSettings {
  notionalsUsd: readonly string[];
  costCurveUsd: readonly string[];
  slippageBpsThresholds: readonly string[];
  forecastWindow: number;
}

const DECIMAL = /^\d+(\.\d+)?$/;

function numericList(name: string, values: readonly string[]): string {
  for (const v of values) {
    // config.ts already refuses anything else; this keeps SQL text out even if a caller did not use it.
    if (!DECIMAL.test(v))
      throw new MigrationError(`${name} value ${JSON.stringify(v)} is not a decimal`, null);
  }
  return values.join(', ');
}

/** The SQL text each `{{NAME}}` in sql/views/ stands for. Lists become `array[…]::numeric[]`. */
export function viewPlaceholders(settings: ViewSettings): Record<string, string> {
  if (!Number.isSafeInteger(settings.forecastWindow) || settings.forecastWindow < 2) {
    throw new MigrationError(
      `FORECAST_WINDOW ${String(settings.forecastWindow)} is not a whole number ≥ 2`,
      null,
    );
  }
  return {
    NOTIONALS_USD: `array[${numericList('NOTIONALS_USD', settings.notionalsUsd)}]::numeric[]`,
    COST_CURVE_USD: `array[${numericList('COST_CURVE_USD', settings.costCurveUsd)}]::numeric[]`,
    SLIPPAGE_BPS_THRESHOLDS: `array[${numericList('SLIPPAGE_BPS_THRESHOLDS', settings.slippageBpsThresholds)}]::numeric[]`,
    FORECAST_WINDOW: String(settings.forecastWindow),
    /** Rows before the current one in a trailing window of FORECAST_WINDOW rows. */
    FORECAST_WINDOW_PRECEDING: String(settings.forecastWindow - 1),
  };
}

export function renderViewSql(name: string, text: string, placeholders: Record<string, string>): string {
  return text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const value = placeholders[key];
    if (value === undefined) throw new MigrationError(`sql/views/${name}.sql uses unknown {{${key}}}`, null);
    return value;
  });
}

export async function migrate(
  db: Kysely<Database>,
  log: Logger | undefined,
  settings: ViewSettings,
): Promise<{ applied: string[] }> {
  const placeholders = viewPlaceholders(settings);
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
        await sql.raw(renderViewSql(view.name, view.sql, placeholders)).execute(tx);
      } catch (cause) {
        if (cause instanceof MigrationError) throw cause;
        throw new MigrationError(`sql/views/${view.name}.sql failed: ${(cause as Error).message}`, cause);
      }
    }
  });
  return { applied };
}
