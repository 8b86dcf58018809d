/**
 * Migration 0018 packs the derived tables' indexes full (fillfactor 100): their entries arrive
 * in key order, so the default 90 only leaves space no insert uses. Every index of every derived
 * table must carry it, and a table's rows inserted in key order must take fewer index pages
 * than under the default.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

const DERIVED = [
  'fact_top',
  'fact_depth',
  'fact_fill',
  'fact_cost_curve',
  'fact_size_limit',
  'fact_reach',
  'fact_split',
  'fact_forecast',
  'fact_forecast_error',
  'fact_spread_rolling',
];

describe('derived index fillfactor', () => {
  it('is 100 on every index of every derived table', async () => {
    const { rows } = await sql<{ table: string; index: string; options: string[] | null }>`
      select t.relname as table, c.relname as index, c.reloptions as options
      from pg_index i
      join pg_class c on c.oid = i.indexrelid
      join pg_class t on t.oid = i.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'orderbook' and t.relname = any (${DERIVED})
      order by t.relname, c.relname`.execute(warehouse.db);
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(DERIVED));
    for (const row of rows) expect([row.index, row.options]).toEqual([row.index, ['fillfactor=100']]);
  });

  it('packs key-ordered inserts into fewer leaf pages than the default', async () => {
    // The same keys, in the same order, into a copy of fact_top's primary key at each setting.
    const pages = async (fillfactor: number) => {
      await sql
        .raw(
          `drop table if exists orderbook_ff_probe; create table orderbook_ff_probe (id bigint);
        create index orderbook_ff_probe_idx on orderbook_ff_probe (id) with (fillfactor = ${fillfactor});
        insert into orderbook_ff_probe select g from generate_series(1, 50000) g`,
        )
        .execute(warehouse.db);
      const { rows } = await sql<{ pages: number }>`
        select (pg_relation_size('orderbook_ff_probe_idx') / current_setting('block_size')::integer)::integer as pages`.execute(
        warehouse.db,
      );
      return rows[0]?.pages ?? 0;
    };
    const packed = await pages(100);
    const default90 = await pages(90);
    await sql`drop table orderbook_ff_probe`.execute(warehouse.db);
    expect(packed).toBeLessThan(default90 * 0.95);
  });
});
