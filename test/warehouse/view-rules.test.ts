/**
 * Views are the analysts' API (DESIGN §8): what an analyst builds on them — a view of their own,
 * its grant and its comment — survives every run and every settings change that does not touch
 * the view it reads; a change that must drop a view stops migrate, naming what is in the way,
 * unless `--rebuild-views` is given, which saves and recreates it. Every view and column is
 * documented in the database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { startCli } from '../helpers/child.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { etlEnv } from '../helpers/etl-env.ts';

let sim: Simulator;
let testDb: TestDatabase;
let rawDir: string;
let admin: pg.Client;
const tag = randomBytes(4).toString('hex');
const ANALYST = `obetl_analyst_${tag}`;
const VIEWER = `obetl_viewer_${tag}`;
const SCHEMA = `desk_${tag}`;
const MINE = `${SCHEMA}.top_mid`;

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, markets: defaultSimMarkets(50) });
  testDb = await createTestDatabase();
  rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-viewrules-'));
  if (testDb.databaseUrl) {
    admin = new pg.Client({ connectionString: testDb.databaseUrl });
    await admin.connect();
  }
});
afterAll(async () => {
  if (testDb.databaseUrl) {
    await admin.query(`drop schema if exists ${SCHEMA} cascade`);
    await admin.end();
  }
  await sim.close();
  await testDb.cleanup();
  // Roles are cluster-wide: dropped once the database that holds their objects is gone.
  if (testDb.databaseUrl) {
    const cluster = new pg.Client({
      connectionString: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL,
    });
    await cluster.connect();
    await cluster.query(`drop role if exists ${ANALYST}`);
    await cluster.query(`drop role if exists ${VIEWER}`);
    await cluster.end();
  }
  await rm(rawDir, { recursive: true, force: true });
});

async function cli(args: string[], extra: Record<string, string> = {}) {
  const child = startCli(
    args,
    etlEnv({ simUrl: sim.url, rawDir, dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, extra }),
  );
  const { code } = await child.exited;
  return { code, output: child.output(), lines: child.lines() };
}

/** What an analyst would check of their view: that it is the same object, with its grant and comments. */
async function analystView() {
  const { rows } = await admin.query<{
    oid: number;
    owner: string;
    viewer_can_read: boolean;
    comment: string | null;
    column_comment: string | null;
  }>(
    `select c.oid::int as oid, pg_get_userbyid(c.relowner) as owner,
            has_table_privilege($2, c.oid, 'select') as viewer_can_read,
            obj_description(c.oid, 'pg_class') as comment,
            col_description(c.oid, (select attnum from pg_attribute where attrelid = c.oid and attname = 'mid_price')) as column_comment
     from pg_class c where c.oid = to_regclass($1)`,
    [MINE, VIEWER],
  );
  return rows[0];
}

function viewDefinition(view: string): Promise<string> {
  return admin
    .query<{ def: string }>(`select pg_get_viewdef($1::regclass) as def`, [`orderbook.${view}`])
    .then((r) => r.rows[0]?.def ?? '');
}

async function columnsOf(view: string): Promise<string[]> {
  const { rows } = await admin.query<{ attname: string }>(
    `select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 order by attnum`,
    [`orderbook.${view}`],
  );
  return rows.map((r) => r.attname);
}

/** The database holds an older v_X with one more column than sql/views gives it now. */
async function olderReleaseOf(view: string): Promise<void> {
  const def = (await viewDefinition(view)).replace(/;\s*$/, '');
  await admin.query(`create or replace view orderbook.${view} as select *, 1 as legacy from (${def}) d`);
  await admin.query(
    `update orderbook.view_version set definition_sha256 = 'an older release' where view_name = $1`,
    [view],
  );
}

// Roles, other sessions and locks are a server's: embedded PGlite has one session and no roles to speak of.
describe('views analysts build on', () => {
  it('a first run creates every view documented: each view and each column has a comment', async () => {
    if (!testDb.databaseUrl) return;
    expect((await cli(['etl'])).code).toBe(0);
    const { rows: views } = await admin.query<{ relname: string; comment: string | null }>(
      `select c.relname, obj_description(c.oid, 'pg_class') as comment
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'orderbook' and c.relkind = 'v' order by 1`,
    );
    expect(views.length).toBeGreaterThanOrEqual(22);
    expect(views.filter((v) => !v.comment?.trim()).map((v) => v.relname)).toEqual([]);
    const { rows: undocumented } = await admin.query<{ col: string }>(
      `select c.relname || '.' || a.attname as col
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where n.nspname = 'orderbook' and c.relkind = 'v'
         and coalesce(trim(col_description(c.oid, a.attnum)), '') = ''
       order by 1`,
    );
    expect(undocumented.map((r) => r.col)).toEqual([]);
  });

  it('a change of columns that only project views depend on is made without a flag: they are recreated', async () => {
    if (!testDb.databaseUrl) return;
    await olderReleaseOf('v_snapshot');
    expect(await columnsOf('v_snapshot')).toContain('legacy');
    const warehouse: Warehouse = await testDb.open({ migrate: false });
    try {
      const result = await migrate(warehouse.db, undefined, loadConfig({}));
      expect(result.views.applied).toEqual(
        expect.arrayContaining(['v_snapshot', 'v_book_top', 'v_latest', 'v_forecast_error']),
      );
      expect(result.views.rebuilt).toEqual([]);
    } finally {
      await warehouse.close();
    }
    expect(await columnsOf('v_snapshot')).not.toContain('legacy');
    const { rows } = await admin.query<{ n: string }>(
      `select count(*)::text as n from orderbook.v_latest l join orderbook.v_book_top t using (snapshot_id)`,
    );
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    expect(await cli(['migrate'])).toMatchObject({ code: 0 });
  });

  it('a view of another role on v_book_top keeps its identity, grant and comments across runs and a settings change', async () => {
    if (!testDb.databaseUrl) return;
    await admin.query(`create role ${ANALYST} nologin in role orderbook_reader`);
    await admin.query(`create role ${VIEWER} nologin`);
    await admin.query(`create schema ${SCHEMA} authorization ${ANALYST}`);
    await admin.query(`grant usage on schema ${SCHEMA} to ${VIEWER}`);
    await admin.query(`set role ${ANALYST}`);
    await admin.query(
      `create view ${MINE} as select exchange, market, captured_at, mid_price from orderbook.v_book_top`,
    );
    await admin.query(`grant select on ${MINE} to ${VIEWER}`);
    await admin.query(`comment on view ${MINE} is 'the desk''s mid prices'`);
    await admin.query(`comment on column ${MINE}.mid_price is 'mid, quote per base'`);
    await admin.query('reset role');
    const before = await analystView();
    const bookTop = await admin.query<{ oid: number }>(
      `select 'orderbook.v_book_top'::regclass::oid::int as oid`,
    );

    expect((await cli(['etl'])).code).toBe(0);
    expect((await cli(['etl'])).code).toBe(0);
    const changed = await cli(['etl'], { FORECAST_WINDOW: '5' });
    expect(changed.code).toBe(0);

    // The setting did reach the views that use it (in their documentation: the windows
    // themselves are stored averages)…
    const replaced = changed.lines.find((l) => l.msg === 'views created or replaced');
    expect(replaced?.views).toEqual(['v_spread_rolling', 'v_mid_price_forecast']);
    const { rows: comment } = await admin.query<{ c: string }>(
      `select obj_description('orderbook.v_spread_rolling'::regclass, 'pg_class') as c`,
    );
    expect(comment[0]?.c).toMatch(/last 5 snapshots/);
    // …and nothing the analyst made was touched.
    expect(await analystView()).toEqual({
      oid: before?.oid,
      owner: ANALYST,
      viewer_can_read: true,
      comment: "the desk's mid prices",
      column_comment: 'mid, quote per base',
    });
    const again = await admin.query<{ oid: number }>(
      `select 'orderbook.v_book_top'::regclass::oid::int as oid`,
    );
    expect(again.rows[0]?.oid).toBe(bookTop.rows[0]?.oid);
    await admin.query(`set role ${VIEWER}`);
    const { rows: seen } = await admin.query<{ n: string }>(`select count(*)::text as n from ${MINE}`);
    await admin.query('reset role');
    expect(Number(seen[0]?.n)).toBeGreaterThanOrEqual(16); // 4 markets × 4 runs
  });

  it('an incompatible change of v_book_top stops migrate (exit 1) naming the view in the way, and changes nothing', async () => {
    if (!testDb.databaseUrl) return;
    const before = await analystView();
    await olderReleaseOf('v_book_top');
    const run = await cli(['migrate']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(MINE);
    expect(run.output).toContain('--rebuild-views');
    expect(await columnsOf('v_book_top')).toContain('legacy');
    expect((await analystView())?.oid).toBe(before?.oid);
    // A run is refused the same way: it would need the same migrate.
    expect((await cli(['etl'])).code).toBe(1);
    expect((await analystView())?.oid).toBe(before?.oid);
  });

  it('--rebuild-views drops and recreates it with its owner, grant and comments', async () => {
    if (!testDb.databaseUrl) return;
    const before = await analystView();
    const run = await cli(['migrate', '--rebuild-views']);
    expect(run.code).toBe(0);
    expect(run.output).toContain(MINE);
    expect(await columnsOf('v_book_top')).not.toContain('legacy');
    const after = await analystView();
    expect(after?.oid).not.toBe(before?.oid);
    expect(after).toMatchObject({
      owner: ANALYST,
      viewer_can_read: true,
      comment: "the desk's mid prices",
      column_comment: 'mid, quote per base',
    });
    await admin.query(`set role ${VIEWER}`);
    const { rows } = await admin.query<{ n: string }>(`select count(*)::text as n from ${MINE}`);
    await admin.query('reset role');
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    // Up to date now: the next migrate has nothing to do.
    const next = await cli(['migrate']);
    expect(next.code).toBe(0);
    expect(next.output).not.toContain('views created or replaced');
  });

  it('even with --rebuild-views, refuses to drop what it cannot recreate (a function on the row type), naming it', async () => {
    if (!testDb.databaseUrl) return;
    await admin.query(
      `create function ${SCHEMA}.spread_of(t orderbook.v_book_top) returns numeric language sql as 'select t.spread'`,
    );
    await olderReleaseOf('v_book_top');
    const warehouse: Warehouse = await testDb.open({ migrate: false });
    try {
      await expect(migrate(warehouse.db, undefined, loadConfig({}), { rebuildViews: true })).rejects.toThrow(
        new RegExp(`function ${SCHEMA}\\.spread_of`),
      );
    } finally {
      await warehouse.close();
    }
    expect(await columnsOf('v_book_top')).toContain('legacy');
    expect(await analystView()).toMatchObject({ owner: ANALYST, comment: "the desk's mid prices" });
  });
});
