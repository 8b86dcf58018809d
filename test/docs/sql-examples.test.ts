/**
 * Every SQL example of the docs is what an analyst would paste: each ```sql block of README.md
 * and docs/*.md runs as a login in orderbook_reader (views only), on a warehouse filled by runs
 * against the simulator over HTTP and on one rebuilt from their raw objects by a backfill into an
 * empty database. Each must succeed and return rows. New docs and new examples are covered as
 * they are written.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../src/jobs/backfill.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { sqlExamples } from '../helpers/docs-sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startHarness, type Harness } from '../reliability/harness.ts';

const EXAMPLES = sqlExamples();
const LOGIN = `obetl_docs_${randomBytes(4).toString('hex')}`;

let h: Harness;
let rebuilt: TestDatabase;
let rebuiltWarehouse: Warehouse;
const readers: Record<string, pg.Client> = {};

function loginUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = LOGIN;
  url.password = '';
  return url.toString();
}

beforeAll(async () => {
  h = await startHarness(defaultSimMarkets(300));
  // Three runs: forecasts need two snapshots of a market, their errors a third.
  for (let i = 0; i < 3; i++) expect((await h.run()).exitCode).toBe(0);
  rebuilt = await createTestDatabase();
  rebuiltWarehouse = await rebuilt.open();
  const config = h.config();
  const summary = await backfill({
    config,
    log: capturingLogger().log,
    store: h.store,
    db: rebuiltWarehouse.db,
    loader: new Loader(rebuiltWarehouse.db, config),
  });
  expect(summary.failed).toEqual([]);
  expect(summary.loaded).toBe(12);
  if (!h.testDb.databaseUrl || !rebuilt.databaseUrl) return;
  const admin = new pg.Client({ connectionString: h.testDb.databaseUrl });
  await admin.connect();
  await admin.query(`create role ${LOGIN} login in role orderbook_reader`);
  await admin.end();
  for (const [name, url] of [
    ['runs', h.testDb.databaseUrl],
    ['backfill', rebuilt.databaseUrl],
  ] as const) {
    const client = new pg.Client({ connectionString: loginUrl(url) });
    await client.connect();
    readers[name] = client;
  }
}, 120_000);

afterAll(async () => {
  for (const client of Object.values(readers)) await client.end();
  await rebuiltWarehouse.close();
  await rebuilt.cleanup();
  await h.close();
  const cluster = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL,
  });
  if (process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL) {
    await cluster.connect();
    await cluster.query(`drop role if exists ${LOGIN}`);
    await cluster.end();
  }
});

describe('SQL examples in the docs', () => {
  it('are found (analysts.md has a dozen and more)', () => {
    expect(EXAMPLES.length).toBeGreaterThan(12);
  });

  describe.each(['runs', 'backfill'])('on a warehouse filled by %s', (filled) => {
    it.each(EXAMPLES.map((e) => [e.where, e.sql]))(
      '%s runs as orderbook_reader and returns rows',
      async (_, text) => {
        // A login role and a second session are a server's; embedded PGlite has neither.
        const reader = readers[filled];
        if (!reader) return;
        const result = await reader.query(text);
        const sets = Array.isArray(result) ? (result as pg.QueryResult[]) : [result];
        for (const set of sets) expect(set.rows.length).toBeGreaterThan(0);
      },
    );
  });
});
