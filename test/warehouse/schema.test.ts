/**
 * The schema the migrations build, checked two ways against what the repository says of it:
 * docs/schema.sql (npm run schema:dump) must be the dump of a freshly migrated warehouse, and
 * src/warehouse/schema.ts (Kysely's hand-written types) must name the tables and columns the
 * catalog has, with the nullability and the kind of value a select returns.
 *
 * Both read an embedded PGlite, as `npm run schema:dump` does, whatever TEST_DATABASE_URL says:
 * PostgreSQL 15 prints view definitions with other qualifiers than PGlite's newer server, so one
 * build must write the file and the same build must check it.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  catalogRelations,
  SCHEMA_DUMP,
  SCHEMA_DUMP_COMMAND,
  schemaDump,
  type ColumnRow,
  type RelationRow,
} from '../../src/tools/schema-dump.ts';
import { withThrowawayWarehouse } from '../../src/tools/throwaway-warehouse.ts';
import { declaredTables, type TypeFamily } from '../helpers/kysely-types.ts';

let dump: string;
let dumpWithDay: string;
let relations: RelationRow[];
let columns: ColumnRow[];

beforeAll(async () => {
  await withThrowawayWarehouse('schema-test', async (db) => {
    dump = await schemaDump(db);
    ({ relations, columns } = await catalogRelations(db));
    // A day partition, as the first load of a day makes it: the dump must not change.
    await sql`select orderbook.ensure_level_partition(date '2026-12-02')`.execute(db);
    dumpWithDay = await schemaDump(db);
  });
});

/** The first line where the two texts part, with a little of what comes after, or undefined. */
function firstDifference(committed: string, current: string): string | undefined {
  const a = committed.split('\n');
  const b = current.split('\n');
  const at = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i).find((i) => a[i] !== b[i]);
  if (at === undefined) return undefined;
  const show = (lines: string[]) =>
    lines
      .slice(at, at + 3)
      .map((l) => `    ${l}`)
      .join('\n') || '    (end of file)';
  return `first difference at line ${at + 1}\n  file:\n${show(a)}\n  migrations:\n${show(b)}`;
}

describe('docs/schema.sql', () => {
  it('is what the migrations build', () => {
    const committed = readFileSync(SCHEMA_DUMP, 'utf8');
    expect(
      firstDifference(committed, dump),
      `docs/schema.sql is out of date: run ${SCHEMA_DUMP_COMMAND} and review the diff`,
    ).toBeUndefined();
  });

  it('holds the partitioned fact_level, its partition function and trigger, and no day partition', () => {
    expect(dump).toContain(') partition by RANGE (snapshot_id);');
    expect(dump).toContain('CREATE OR REPLACE FUNCTION orderbook.ensure_level_partition(day date)');
    expect(dump).toContain('CREATE TRIGGER fact_snapshot_assign_id BEFORE INSERT ON orderbook.fact_snapshot');
    expect(dump).toContain('grant usage on schema orderbook to orderbook_reader;');
    expect(dump).not.toMatch(/fact_level_\d{8}/);
  });

  it('does not change when a day partition of fact_level is made', () => {
    expect(dumpWithDay).toBe(dump);
  });
});

/** Kysely's own bookkeeping: created and read by its Migrator, never by this project's code. */
const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock'];

/** What node-pg and PGlite return for a column type, as the project configures them (db.ts, pglite-dialect.ts). */
function expectedFamily(type: string): TypeFamily {
  if (/^(numeric|bigint|text|uuid|character varying)\b/.test(type)) return 'string';
  if (/^(integer|smallint|real|double precision)$/.test(type)) return 'number';
  if (type === 'timestamp with time zone') return 'Date';
  if (type === 'boolean') return 'boolean';
  // interval and the like: the drivers differ, so schema.ts must say `unknown`, and TS code
  // that reads one must first cast it in SQL.
  return 'unknown';
}

describe('src/warehouse/schema.ts', () => {
  const declared = declaredTables();
  const tables = () => relations.filter((r) => (r.kind === 'r' || r.kind === 'p') && !r.partition_of);

  it('declares every base table of schema orderbook that the code can reach', () => {
    const missing = tables()
      .map((t) => t.name)
      .filter((name) => !KYSELY_TABLES.includes(name) && !declared.has(`orderbook.${name}`));
    expect(missing).toEqual([]);
  });

  it('declares only tables that exist, each with exactly its columns', () => {
    const actual = new Set(tables().map((t) => `orderbook.${t.name}`));
    const wrong: string[] = [];
    for (const [table, cols] of declared) {
      if (!actual.has(table)) {
        wrong.push(`${table}: in Database, not in the catalog`);
        continue;
      }
      const names = cols.map((c) => c.name);
      const real = columns.filter((c) => `orderbook.${c.relation}` === table).map((c) => c.name);
      const missing = real.filter((c) => !names.includes(c));
      const extra = names.filter((c) => !real.includes(c));
      if (missing.length > 0) wrong.push(`${table}: not declared: ${missing.join(', ')}`);
      if (extra.length > 0) wrong.push(`${table}: declared, not in the catalog: ${extra.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives every column the nullability and the kind of value the driver returns', () => {
    const wrong: string[] = [];
    for (const [table, cols] of declared) {
      for (const col of cols) {
        const real = columns.find((c) => `orderbook.${c.relation}` === table && c.name === col.name);
        if (!real) continue; // the test above names it
        const family = expectedFamily(real.type);
        const said = `${col.families.join(' | ')}${col.nullable ? ' | null' : ''}`;
        const meant = `${family}${family !== 'unknown' && !real.not_null ? ' | null' : ''}`;
        if (said !== meant)
          wrong.push(`${table}.${col.name} (${real.type}): declared ${said}, should be ${meant}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
