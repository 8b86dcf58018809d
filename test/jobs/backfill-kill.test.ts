/**
 * `npm run backfill` killed with SIGKILL half-way, then run again, gives the same warehouse as
 * the runs did. The child is the real CLI against a real PostgreSQL database. To kill it at a
 * known point rather than racing it, this test holds a lock the child will need: the child
 * blocks inside its transactions, the test sees it waiting (pg_stat_activity) and kills it.
 *
 * Embedded PGlite lives in one process: a child cannot share it, so on PGlite this file skips
 * (backfill.test.ts covers resuming in-process there).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../src/jobs/backfill.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { startCli, until, waitingBackends, type Child } from '../helpers/child.ts';
import { capturingLogger } from '../helpers/log.ts';
import { contents, LAKE_ENV, makeLake, rowCounts, type Lake } from './backfill-lake.ts';

let lake: Lake;

beforeAll(async () => {
  lake = await makeLake(41);
});
afterAll(async () => {
  await lake.close();
});

function startBackfill(testDb: TestDatabase): Child {
  return startCli(['backfill'], {
    DATA_DIR: testDb.dataDir,
    DATABASE_URL: testDb.databaseUrl ?? '',
    RAW_STORE_URL: `file://${lake.rawDir}`,
    ...LAKE_ENV,
    CONCURRENCY: '2',
    LOG_LEVEL: 'debug', // one 'raw object loaded' line per object
  });
}

async function finishBackfill(warehouse: Warehouse) {
  const { log } = capturingLogger();
  return backfill(
    {
      config: lake.config,
      log,
      store: lake.store,
      db: warehouse.db,
      loader: new Loader(warehouse.db, lake.config),
    },
    {},
  );
}

const validKeys = (exchange: string) =>
  lake.runs
    .flatMap((r) => r.outcomes)
    .filter((o) => o.market.venue === exchange && o.error === null)
    .map((o) => o.rawKey)
    .sort();

describe('npm run backfill killed with SIGKILL', () => {
  it('mid-load: a rerun loads the rest and derives everything', async (ctx) => {
    const { testDb, warehouse } = await lake.database();
    if (testDb.kind === 'pglite') ctx.skip();
    const gate = new pg.Client({ connectionString: testDb.databaseUrl });
    await gate.connect();
    try {
      // An uncommitted USD asset: every Coinbase load (BTC-USD, ETH-USD) waits on it inside its
      // transaction, while the Binance ones (USDT) go through. Binance lists first.
      await gate.query('begin');
      await gate.query(`insert into orderbook.dim_asset (code, is_usd) values ('USD', true)`);
      const child = startBackfill(testDb);
      await until(
        child,
        'both workers blocked in a Coinbase load after the Binance objects loaded',
        async () =>
          child.lines().filter((l) => l.msg === 'raw object loaded').length === 5 &&
          (await waitingBackends(gate)) === 2,
      );
      child.process.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      await gate.query('rollback');

      // What the killed backfill left: the Binance snapshots, nothing of Coinbase, and no
      // derived rows at all (the derive comes after the loads).
      const left = await contents(warehouse);
      expect(left.snapshots.map((s) => (JSON.parse(s) as string[])[0]).sort()).toEqual(validKeys('binance'));
      expect(left.top).toEqual([]);
      expect(left.fills).toEqual([]);
      expect(child.lines().some((l) => l.msg === 'backfill finished')).toBe(false);

      const summary = await finishBackfill(warehouse);
      expect(summary).toMatchObject({ listed: 12, loaded: 5, alreadyPresent: 5, failed: [], derived: 10 });
      expect(summary.invalid.map((i) => i.key).sort()).toEqual(lake.invalidKeys);
      expect(await contents(warehouse)).toEqual(await contents(lake.original));
    } finally {
      await gate.end();
    }
  });

  it('mid-derive: everything loaded, nothing derived; a rerun derives it all', async (ctx) => {
    const { testDb, warehouse } = await lake.database();
    if (testDb.kind === 'pglite') ctx.skip();
    const gate = new pg.Client({ connectionString: testDb.databaseUrl });
    await gate.connect();
    try {
      // Loads never touch fact_fill; the derive transaction deletes from it first and waits.
      await gate.query('begin');
      await gate.query('lock table orderbook.fact_fill in exclusive mode');
      const child = startBackfill(testDb);
      await until(
        child,
        'the derive blocked after all ten loads',
        async () =>
          child.lines().filter((l) => l.msg === 'raw object loaded').length === 10 &&
          (await waitingBackends(gate)) === 1,
      );
      child.process.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      await gate.query('rollback');

      expect(await rowCounts(warehouse)).toMatchObject({ snapshots: 10, top: 0, depth: 0, fills: 0 });

      const summary = await finishBackfill(warehouse);
      expect(summary).toMatchObject({ listed: 12, loaded: 0, alreadyPresent: 10, failed: [], derived: 10 });
      expect(await contents(warehouse)).toEqual(await contents(lake.original));
    } finally {
      await gate.end();
    }
  });
});
