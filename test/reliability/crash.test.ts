/**
 * `npm run etl` killed with SIGKILL while it loads: the real CLI in a child process against a
 * real PostgreSQL database and the simulator. The test holds a lock every load needs, sees the
 * child's loads waiting on it, and kills the child there (SIGKILL of a backfill is in
 * test/jobs/backfill-kill.test.ts).
 *
 * Embedded PGlite lives in one process, so a child cannot share it with the test: on PGlite
 * these cases skip (CI runs them against PostgreSQL).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { startCli, until, waitingBackends } from '../helpers/child.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { loadedSnapshots, rawKeys } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openRawStore } from '../../src/raw/index.ts';

let sim: Simulator;
const { testDb, warehouse } = useTestWarehouse();
let rawDir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 23, markets: defaultSimMarkets(2000) });
  rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-crash-'));
});
afterAll(async () => {
  await sim.close();
  await rm(rawDir, { recursive: true, force: true });
});

const env = () => ({
  DATA_DIR: testDb.dataDir,
  DATABASE_URL: testDb.databaseUrl ?? '',
  RAW_STORE_URL: `file://${rawDir}`,
  COINBASE_API_URL: sim.url,
  BINANCE_API_URL: sim.url,
  CONCURRENCY: '4',
  LOG_LEVEL: 'info',
});

describe('npm run etl killed with SIGKILL during a load', () => {
  it('leaves no partial snapshot; the next run marks it interrupted; backfill loads what it kept', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const gate = new pg.Client({ connectionString: testDb.databaseUrl });
    await gate.connect();
    let killedRun = '';
    try {
      // Readers go on; every insert into fact_level waits, inside its load's transaction.
      await gate.query('begin');
      await gate.query('lock table orderbook.fact_level in exclusive mode');
      const child = startCli(['etl'], env());
      const store = openRawStore(`file://${rawDir}`);
      await until(
        child,
        'all four markets fetched, stored raw, and blocked in their loads',
        async () => (await rawKeys(store)).length === 4 && (await waitingBackends(gate)) === 4,
      );
      killedRun = String(child.lines().find((l) => l.msg === 'run started')?.runId);
      child.process.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      await gate.query('rollback');
    } finally {
      await gate.end();
    }

    // Not one row of any of the four: each load is one transaction that never committed.
    expect(await loadedSnapshots(warehouse, killedRun)).toEqual([]);
    const levels = await warehouse.db
      .selectFrom('orderbook.fact_level')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(levels.n).toBe('0');
    const killed = () =>
      warehouse.db
        .selectFrom('orderbook.etl_run')
        .select(['status', 'finished_at'])
        .where('run_id', '=', killedRun)
        .executeTakeFirstOrThrow();
    expect(await killed()).toMatchObject({ status: 'running', finished_at: null });

    // The next run works, and says the killed one will never finish.
    const next = startCli(['etl'], env());
    expect((await next.exited).code).toBe(0);
    expect(next.lines().find((l) => l.msg === 'runs whose process died marked interrupted')).toMatchObject({
      runIds: [killedRun],
    });
    expect(await killed()).toMatchObject({ status: 'interrupted', finished_at: null });

    // Backfill loads the four books the killed run kept, whole, and nothing twice.
    const config = loadConfig(env());
    const { log } = capturingLogger();
    const summary = await backfill({
      config,
      log,
      store: openRawStore(`file://${rawDir}`),
      db: warehouse.db,
      loader: new Loader(warehouse.db, config),
    });
    expect(summary).toMatchObject({ listed: 8, loaded: 4, alreadyPresent: 4, failed: [], invalid: [] });
    const recovered = await loadedSnapshots(warehouse, killedRun);
    expect(recovered.map((s) => s.symbol)).toEqual(['BTC-USD', 'BTCUSDT', 'ETH-USD', 'ETHUSDT']);
    for (const s of recovered) {
      expect(Number(s.levels)).toBe(s.stored_levels);
      expect(s.stored_levels).toBeGreaterThan(0);
      expect([s.tops, s.fills]).toEqual(['1', '4']);
    }
  });
});
