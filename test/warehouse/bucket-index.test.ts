/**
 * Migration 0017 indexes the UTC hour and day of each snapshot so that v_max_spread's filter on
 * `bucket` reaches an index. The indexes only help while their expressions are exactly those the
 * view's buckets push down to fact_snapshot; this holds the two to each other. With sequential
 * scans priced out, the plan of a bucket-filtered query must read both indexes (on a table this
 * small the planner would otherwise rightly scan it).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

async function planOf(query: string): Promise<string> {
  return warehouse.db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(query)}`.execute(trx);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('v_max_spread bucket filter', () => {
  it('reads the UTC hour and day indexes of fact_snapshot', async () => {
    const plan = await planOf(
      `select * from orderbook.v_max_spread where bucket >= date_trunc('day', now()) - interval '1 day'`,
    );
    expect(plan).toContain('fact_snapshot_utc_hour');
    expect(plan).toContain('fact_snapshot_utc_day');
  });

  it('indexes the UTC hour and the UTC day of received_at', async () => {
    const { rows } = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'orderbook' and indexname in ('fact_snapshot_utc_hour', 'fact_snapshot_utc_day')
      order by indexname`.execute(warehouse.db);
    expect(rows.map((r) => r.name)).toEqual(['fact_snapshot_utc_day', 'fact_snapshot_utc_hour']);
    for (const row of rows)
      expect(row.def).toMatch(/date_trunc\('(hour|day)'::text, \(received_at AT TIME ZONE 'UTC'::text\)\)/);
  });
});
