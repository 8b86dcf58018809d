/**
 * fact_fill (the NOTIONALS_USD ladder) and fact_cost_curve (the COST_CURVE_USD ladder) are one
 * metric computed by one derive (sql/derive/fill.sql): their rows must stay of one shape, so the
 * derive's one insert list fits both. Two tables because views, backfill and tests address the
 * NOTIONALS ladder as fact_fill (row counts, locks, inserts) and a size may stand in both ladders.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

async function shape(table: string) {
  const columns = await sql<{ name: string; type: string; not_null: boolean; position: number }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           a.attnum as position
    from pg_attribute a
    where a.attrelid = ${`orderbook.${table}`}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(warehouse.db);
  // Constraint definitions without their names (fact_fill_pkey, fact_cost_curve_pkey…).
  const constraints = await sql<{ type: string; definition: string }>`
    select c.contype as type, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c
    where c.conrelid = ${`orderbook.${table}`}::regclass
    order by c.contype, pg_get_constraintdef(c.oid)`.execute(warehouse.db);
  return { columns: columns.rows, constraints: constraints.rows };
}

describe('fact_fill and fact_cost_curve', () => {
  it('have the same columns, types and constraints', async () => {
    const fill = await shape('fact_fill');
    expect(fill.columns.map((c) => c.name)).toContain('all_in_price');
    expect(fill.constraints.length).toBeGreaterThanOrEqual(3);
    expect(await shape('fact_cost_curve')).toEqual(fill);
  });
});
