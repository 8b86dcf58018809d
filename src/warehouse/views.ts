/**
 * The analysts' views, kept in step with sql/views/ without ever destroying what analysts built
 * on them (DESIGN §8).
 *
 * Each file defines one view with `create or replace view`, grants it to orderbook_reader and
 * documents it and every column with COMMENT statements. A view is (re)applied only when the
 * SHA-256 of its rendered file differs from the one in orderbook.view_version, when it is
 * missing, or when a migration was just applied (a migration may have rebuilt it by hand).
 * `create or replace` keeps every dependent object, grant and comment; it refuses only a change
 * of the columns already there (a drop, a rename, a new type). Then the view must be dropped:
 * project views that depend on it are dropped with it and created again in the same pass; any
 * other dependent stops the pass (MigrationError naming them) unless `rebuildViews` is set,
 * which saves their definitions, owners, grants and comments, drops, and recreates them.
 *
 * Analysts must never make a run hang: each statement waits at most `lockTimeoutMs` for a lock.
 * A view that a reader holds is left as it is (a warning says so) with every changed view that
 * reads it, and is brought up to date by the next migrate. Everything happens in one
 * transaction: a pass that stops leaves the database as it found it.
 *
 * A view that depends on a setting (a window length) names it as a `{{PLACEHOLDER}}`; the
 * validated value is written in when the view is created. A view cannot take parameters, and a
 * window frame's offset must be a constant, so this is the one way to keep such a view a plain
 * view. Changing the setting takes effect at the next migrate, which every command runs first.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { Database } from './schema.ts';
import { sqlFiles } from './sqlfiles.ts';

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

export interface ViewFile {
  /** The file's name without .sql, e.g. 10_v_book_top. */
  file: string;
  /** The view it defines, e.g. v_book_top (the file name after its order prefix). */
  view: string;
  /** The file with the settings written in: what is executed. */
  sql: string;
  sha256: string;
  /** Project views this one reads. */
  reads: string[];
}

/** Statement starts outside comments; enough to tell what a file does. */
function statements(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
}

/** Every sql/views file, rendered and checked: one view each, created in place, never dropped. */
export function viewFiles(settings: ViewSettings): ViewFile[] {
  const placeholders = viewPlaceholders(settings);
  const files = sqlFiles('sql/views');
  const names = new Set(files.map((f) => f.name.replace(/^\d+_/, '')));
  return files.map(({ name, sql: text }) => {
    const view = name.replace(/^\d+_/, '');
    const code = statements(text);
    // A file that dropped its view would take every dependent object with it: deciding when a
    // view may be dropped is migrate's job alone.
    if (/(^|;)\s*drop\s/im.test(code)) {
      throw new MigrationError(
        `sql/views/${name}.sql drops something: a view file only creates or replaces`,
        null,
      );
    }
    const creates = [...code.matchAll(/\bcreate\s+(or\s+replace\s+)?view\s+orderbook\.(\w+)/gi)];
    if (creates.length !== 1 || !creates[0]?.[1] || creates[0][2] !== view) {
      throw new MigrationError(
        `sql/views/${name}.sql must hold exactly one "create or replace view orderbook.${view}"`,
        null,
      );
    }
    const rendered = renderViewSql(name, text, placeholders);
    const reads = [...new Set([...code.matchAll(/\borderbook\.(v_\w+)/g)].map((m) => m[1] ?? ''))].filter(
      (v) => v !== view && names.has(v),
    );
    return {
      file: name,
      view,
      sql: rendered,
      sha256: createHash('sha256').update(rendered).digest('hex'),
      reads,
    };
  });
}

export interface SyncOptions {
  /** Drop and recreate objects of others that depend on a view whose columns changed. */
  rebuildViews?: boolean;
  /** Apply every file whatever its stored hash (after a migration). */
  force?: boolean;
  /** How long one statement may wait for a lock held by a reader (default 2 s). */
  lockTimeoutMs?: number;
}

export interface SyncResult {
  /** Views created or replaced by this pass. */
  applied: string[];
  /** Changed views left as they were because a reader held a lock they needed. */
  deferred: string[];
  /** Objects of others dropped and recreated (rebuildViews), as schema.name. */
  rebuilt: string[];
}

export const DEFAULT_VIEW_LOCK_TIMEOUT_MS = 2000;

/** lock_not_available (lock_timeout ran out) and deadlock_detected: a reader was in the way. */
function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '55P03' || code === '40P01';
}

/** invalid_table_definition: `create or replace view` may not drop, rename or retype a column. */
function isColumnChange(error: unknown): boolean {
  return (error as { code?: unknown }).code === '42P16';
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Dependent {
  oid: number;
  name: string;
  kind: string;
  depth: number;
}

/**
 * Everything `drop view … cascade` would take with the view: views and materialized views
 * reading it, at any depth (pg_rewrite), and any other object that depends on one of them or on
 * its row type (a function taking or returning it, say), named as PostgreSQL describes it.
 */
async function dependentsOf(tx: Kysely<Database>, view: string): Promise<Dependent[]> {
  const { rows } = await sql<Dependent>`
    with recursive rel(oid, depth) as (
      select ${`orderbook.${view}`}::regclass::oid, 0
      union all
      select r.ev_class, rel.depth + 1
      from rel
      join pg_depend d on d.refclassid = 'pg_class'::regclass and d.refobjid = rel.oid
        and d.classid = 'pg_rewrite'::regclass
      join pg_rewrite r on r.oid = d.objid
      where r.ev_class <> rel.oid
    ),
    deepest as (select oid, max(depth) as depth from rel group by oid)
    select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as name,
           case c.relkind when 'v' then 'view' when 'm' then 'materialized view' else c.relkind::text end as kind,
           deepest.depth
    from deepest
    join pg_class c on c.oid = deepest.oid
    join pg_namespace n on n.oid = c.relnamespace
    where deepest.depth > 0
    union all
    select distinct 0, pg_describe_object(d.classid, d.objid, d.objsubid), 'other', 0
    from deepest
    join pg_class c on c.oid = deepest.oid
    join pg_depend d on d.deptype = 'n'
      and ((d.refclassid = 'pg_class'::regclass and d.refobjid = c.oid)
        or (d.refclassid = 'pg_type'::regclass and d.refobjid = c.reltype))
    where d.classid <> 'pg_rewrite'::regclass
    order by 4, 2`.execute(tx);
  return rows;
}

/**
 * Saves, for each view of others about to be dropped, the statements that make it again: its
 * definition and options, owner, grants and comments (view and columns), into a temporary table
 * that the transaction drops. Refuses before anything is dropped when they cannot all be made
 * again by this role.
 */
async function saveDependents(tx: Kysely<Database>, view: string, foreign: Dependent[]): Promise<void> {
  const others = foreign.filter((d) => d.kind !== 'view');
  if (others.length > 0) {
    throw new MigrationError(
      `orderbook.${view} must be dropped (its columns changed) and these depend on it, which migrate cannot recreate: ${others
        .map((d) => `${d.name} (${d.kind})`)
        .join(', ')}; drop them, run migrate, then create them again`,
      null,
    );
  }
  const oids = foreign.map((d) => d.oid);
  // Rules and INSTEAD OF triggers of a view are not part of its definition: they would be lost.
  const { rows: extras } = await sql<{ name: string }>`
    select format('%I.%I', n.nspname, c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid = any(${oids}::oid[])
      and (exists (select 1 from pg_trigger t where t.tgrelid = c.oid)
        or exists (select 1 from pg_rewrite r where r.ev_class = c.oid and r.rulename <> '_RETURN'))`.execute(
    tx,
  );
  if (extras.length > 0) {
    throw new MigrationError(
      `orderbook.${view} must be dropped (its columns changed) and these views on it have rules or triggers, which migrate cannot recreate: ${extras
        .map((e) => e.name)
        .join(', ')}; drop them, run migrate, then create them again`,
      null,
    );
  }
  const { rows: owners } = await sql<{ name: string; owner: string }>`
    select format('%I.%I', n.nspname, c.relname) as name, pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid = any(${oids}::oid[])
      and not pg_has_role(current_user, c.relowner, 'MEMBER')
      and not (select rolsuper from pg_roles where rolname = current_user)`.execute(tx);
  if (owners.length > 0) {
    throw new MigrationError(
      `orderbook.${view} must be dropped (its columns changed); ${owners
        .map((o) => `${o.name} (owned by ${o.owner})`)
        .join(
          ', ',
        )} could not be recreated under its owner by this role: run migrate as a superuser or a member of the owner role`,
      null,
    );
  }
  await sql`
    create temporary table if not exists view_rebuild (
      ord serial, name text not null, depth int not null, statement text not null
    ) on commit drop`.execute(tx);
  const depths = foreign.map((d) => d.depth);
  await sql`
    insert into view_rebuild (name, depth, statement)
    select s.name, s.depth, s.statement
    from (
      select format('%I.%I', n.nspname, c.relname) as name, dep.depth, st.n, st.statement
      from unnest(${oids}::oid[], ${depths}::int[]) as dep(oid, depth)
      join pg_class c on c.oid = dep.oid
      join pg_namespace n on n.oid = c.relnamespace
      cross join lateral (
        select 1 as n, format('create view %I.%I%s as %s', n.nspname, c.relname,
          case when c.reloptions is null then '' else format(' with (%s)', array_to_string(c.reloptions, ', ')) end,
          pg_get_viewdef(c.oid)) as statement
        union all
        select 2, format('alter view %I.%I owner to %I', n.nspname, c.relname, pg_get_userbyid(c.relowner))
        union all
        select 3, format('grant %s on %I.%I to %s%s', a.privilege_type, n.nspname, c.relname,
          case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end,
          case when a.is_grantable then ' with grant option' else '' end)
        from aclexplode(c.relacl) a
        union all
        select 4, format('comment on view %I.%I is %L', n.nspname, c.relname, d.description)
        from pg_description d
        where d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid = 0
        union all
        select 5, format('comment on column %I.%I.%I is %L', n.nspname, c.relname, a.attname, d.description)
        from pg_description d
        join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid
        where d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid > 0
      ) st
    ) s
    order by s.depth, s.name, s.n`.execute(tx);
}

/** Makes the saved views again, shallowest first; one that no longer fits stops the pass. */
async function recreateDependents(tx: Kysely<Database>): Promise<void> {
  await sql`
    do $$
    declare
      s record;
    begin
      for s in select name, statement from view_rebuild order by depth, ord loop
        begin
          execute s.statement;
        exception when others then
          raise exception 'could not recreate %: % (its saved definition: %)', s.name, sqlerrm, s.statement;
        end;
      end loop;
      delete from view_rebuild;
    end
    $$`.execute(tx);
}

/** Brings every project view up to date; call with the schema lock held (migrate does). */
export async function syncViews(
  db: Kysely<Database>,
  log: Logger | undefined,
  settings: ViewSettings,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const files = viewFiles(settings);
  const project = new Set(files.map((f) => f.view));
  const result: SyncResult = { applied: [], deferred: [], rebuilt: [] };
  const timeout = Math.max(1, Math.round(options.lockTimeoutMs ?? DEFAULT_VIEW_LOCK_TIMEOUT_MS));
  await db.transaction().execute(async (tx) => {
    // A setting, so it cannot be a bound parameter: the number is ours, not input.
    await sql`select set_config('lock_timeout', ${`${timeout}ms`}, true)`.execute(tx);
    const { rows: present } = await sql<{ relname: string }>`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'orderbook' and c.relkind = 'v'`.execute(tx);
    const exists = new Set(present.map((r) => r.relname));
    const stored = new Map(
      (
        await tx.selectFrom('orderbook.view_version').select(['view_name', 'definition_sha256']).execute()
      ).map((r) => [r.view_name, r.definition_sha256]),
    );
    const deferred = new Set<string>();
    let rebuilding = false;

    /** Runs the file (after `prepare`, in the same savepoint) and records its hash; all or nothing. */
    const apply = async (file: ViewFile, prepare?: () => Promise<void>) => {
      await sql`savepoint view_apply`.execute(tx);
      try {
        await prepare?.();
        await sql.raw(file.sql).execute(tx);
        await tx
          .insertInto('orderbook.view_version')
          .values({ view_name: file.view, definition_sha256: file.sha256 })
          .onConflict((oc) =>
            oc.column('view_name').doUpdateSet({ definition_sha256: file.sha256, applied_at: sql`now()` }),
          )
          .execute();
        await sql`release savepoint view_apply`.execute(tx);
      } catch (error) {
        await sql`rollback to savepoint view_apply`.execute(tx);
        await sql`release savepoint view_apply`.execute(tx);
        throw error;
      }
      exists.add(file.view);
      result.applied.push(file.view);
    };

    const defer = (file: ViewFile, error: unknown, what: string) => {
      deferred.add(file.view);
      log?.warn(
        { view: file.view, lockTimeoutMs: timeout, err: error },
        `view not ${what}: a reader holds a lock it needs; the run goes on with the view as it is, the next migrate retries`,
      );
    };

    for (const file of files) {
      const missing = !exists.has(file.view);
      if (!missing && !options.force && stored.get(file.view) === file.sha256) continue;
      const blockedBy = file.reads.filter((v) => deferred.has(v));
      if (blockedBy.length > 0 && !missing) {
        deferred.add(file.view);
        log?.warn(
          { view: file.view, waitsFor: blockedBy },
          'view not recreated: a view it reads could not be',
        );
        continue;
      }
      try {
        await apply(file);
        continue;
      } catch (error) {
        if (isLockConflict(error)) {
          defer(file, error, 'recreated');
          continue;
        }
        if (!isColumnChange(error)) {
          throw new MigrationError(`sql/views/${file.file}.sql failed: ${reason(error)}`, error);
        }
      }
      // The columns changed: the view must be dropped, and everything on it with it.
      const dependents = await dependentsOf(tx, file.view);
      const foreign = dependents.filter(
        (d) => d.kind === 'other' || !(d.name.startsWith('orderbook.') && project.has(d.name.slice(10))),
      );
      if (foreign.length > 0 && !options.rebuildViews) {
        throw new MigrationError(
          `sql/views/${file.file}.sql changes the columns of orderbook.${file.view}, so it must be dropped, and objects the project did not create depend on it: ${foreign
            .map((d) => `${d.name} (${d.kind})`)
            .join(
              ', ',
            )}. Nothing was changed. Drop them yourself, or run \`npm run migrate -- --rebuild-views\` to save, drop and recreate them (definition, owner, grants, comments)`,
          null,
        );
      }
      try {
        await apply(file, async () => {
          if (foreign.length > 0) await saveDependents(tx, file.view, foreign);
          await sql`drop view ${sql.id('orderbook', file.view)} cascade`.execute(tx);
        });
      } catch (error) {
        if (isLockConflict(error)) {
          defer(file, error, 'rebuilt');
          continue;
        }
        if (error instanceof MigrationError) throw error;
        throw new MigrationError(`sql/views/${file.file}.sql failed: ${reason(error)}`, error);
      }
      const dropped = dependents.filter((d) => d.kind !== 'other').map((d) => d.name);
      for (const d of dropped) if (d.startsWith('orderbook.')) exists.delete(d.slice(10));
      if (foreign.length > 0) {
        rebuilding = true;
        result.rebuilt.push(...foreign.map((d) => d.name));
      }
      log?.warn(
        { view: file.view, dropped },
        'view dropped and created again: its columns changed (the views on it are recreated in this pass)',
      );
    }
    if (rebuilding) {
      try {
        await recreateDependents(tx);
      } catch (error) {
        throw new MigrationError(`views were not rebuilt, nothing was changed: ${reason(error)}`, error);
      }
      log?.warn({ rebuilt: result.rebuilt }, 'objects of others on changed views dropped and recreated');
    }
    result.deferred = [...deferred];
  });
  return result;
}
