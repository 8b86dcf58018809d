/**
 * The view rules on embedded PGlite, the default warehouse: views are created documented,
 * recreated only when their definition changed (a settings change touches just the views that
 * use the setting), and keep their comments.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

let dir: string;
let warehouse: Warehouse;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-pglite-views-'));
  warehouse = await openWarehouse({ databaseUrl: undefined, dataDir: dir, connectAttempts: 1 });
}, 120_000);
afterAll(async () => {
  await warehouse.close();
  await rm(dir, { recursive: true, force: true });
});

async function undocumented(): Promise<string[]> {
  const { rows } = await sql<{ col: string }>`
    select c.relname || coalesce('.' || a.attname, '') as col
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      and coalesce(trim(col_description(c.oid, a.attnum)), '') = ''
    where n.nspname = 'orderbook' and c.relkind = 'v'
      and (a.attname is not null or coalesce(trim(obj_description(c.oid, 'pg_class')), '') = '')
    order by 1`.execute(warehouse.db);
  return rows.map((r) => r.col);
}

describe('views on embedded PGlite', () => {
  it('are created documented, left alone when nothing changed, and only those a setting uses follow it', async () => {
    const first = await migrate(warehouse.db, undefined, loadConfig({}));
    expect(first.views.applied.length).toBeGreaterThanOrEqual(22);
    expect(await undocumented()).toEqual([]);
    expect((await migrate(warehouse.db, undefined, loadConfig({}))).views.applied).toEqual([]);
    const changed = await migrate(warehouse.db, undefined, loadConfig({ FORECAST_WINDOW: '6' }));
    expect(changed.views.applied).toEqual(['v_spread_rolling', 'v_mid_price_forecast']);
    expect(await undocumented()).toEqual([]);
    // The window is in the stored averages, not the view's SQL: what follows the setting is
    // what the view says of itself.
    const { rows } = await sql<{ d: string }>`
      select obj_description('orderbook.v_spread_rolling'::regclass, 'pg_class') as d`.execute(warehouse.db);
    expect(rows[0]?.d).toMatch(/the last 6 snapshots/);
  });
});
