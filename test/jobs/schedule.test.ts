import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { runOnce } from '../../src/jobs/run.ts';
import { runScheduler } from '../../src/jobs/schedule.ts';
import type { Logger } from '../../src/log.ts';
import { openRawStore, type RawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestDatabase, useTestWarehouse } from '../helpers/db.ts';
import { startCli } from '../helpers/child.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;
let dir: string;
let store: RawStore;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, markets: defaultSimMarkets(100) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-schedule-'));
  store = openRawStore(`file://${path.join(dir, 'raw')}`);
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

const ENV = (url: string) => ({
  COINBASE_API_URL: url,
  BINANCE_API_URL: url,
  BINANCE_DEPTH_LIMIT: '100',
  HTTP_BACKOFF_MS: '5',
});

/** Every Coinbase BTC-USD book answers after `ms`, so a run lasts at least that long. */
function slowRuns(ms: number): void {
  sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'delay', ms }, 1000);
}

async function runs(warehouse: Warehouse) {
  return warehouse.db.selectFrom('orderbook.etl_run').selectAll().orderBy('started_at').execute();
}

/** No snapshot without its derived rows: nothing was ever half loaded. */
async function halfLoaded(warehouse: Warehouse): Promise<number> {
  const rows = await warehouse.db
    .selectFrom('orderbook.fact_snapshot as s')
    .leftJoin('orderbook.fact_top as t', 't.snapshot_id', 's.snapshot_id')
    .select('s.snapshot_id')
    .where('t.snapshot_id', 'is', null)
    .execute();
  return rows.length;
}

describe('scheduler in process', () => {
  const { warehouse } = useTestWarehouse();

  /** The real scheduler running real runs against the simulator, as `npm start` wires it. */
  const startScheduler = (config: Config, log: Logger, signal: AbortSignal) =>
    runScheduler(
      {
        schedule: config.cronSchedule,
        log,
        run: (stop) =>
          runOnce({
            config,
            log,
            store,
            clients: createVenueClients(config, log),
            db: warehouse.db,
            loader: new Loader(warehouse.db, config),
            signal: stop,
          }),
      },
      signal,
    );

  it('on a seconds cron skips ticks while a run is going, never overlaps, and stops cleanly', async () => {
    slowRuns(1500);
    const config = loadConfig({ ...ENV(sim.url), CRON_SCHEDULE: '* * * * * *' });
    const { log, lines } = capturingLogger();
    const controller = new AbortController();
    const scheduler = startScheduler(config, log, controller.signal);
    await vi.waitFor(
      async () => {
        expect((await runs(warehouse)).filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(2);
        expect(lines().some((l) => l.msg === 'tick skipped: the previous run is still going')).toBe(true);
      },
      { timeout: 15_000, interval: 200 },
    );
    controller.abort();
    await scheduler;

    const all = await runs(warehouse);
    expect(all.every((r) => r.status !== 'running' && r.finished_at !== null)).toBe(true);
    for (let i = 1; i < all.length; i++) {
      const previous = all[i - 1]?.finished_at ?? new Date(0);
      expect((all[i]?.started_at ?? new Date(0)).getTime()).toBeGreaterThanOrEqual(
        new Date(previous).getTime(),
      );
    }
    expect(await halfLoaded(warehouse)).toBe(0);
    expect(lines().at(-1)?.msg).toBe('scheduler stopped');
  });

  it('asked to stop mid-run, finishes the markets in flight and abandons the rest', async () => {
    slowRuns(1500);
    const config = loadConfig({ ...ENV(sim.url), CRON_SCHEDULE: '* * * * * *', CONCURRENCY: '1' });
    const { log } = capturingLogger();
    const controller = new AbortController();
    const before = (await runs(warehouse)).length;
    const scheduler = startScheduler(config, log, controller.signal);
    // Stop as soon as the slow first market has been asked for.
    await vi.waitFor(
      () => {
        expect(sim.requests.some((r) => r.symbol === 'BTC-USD')).toBe(true);
      },
      {
        timeout: 5000,
      },
    );
    controller.abort();
    await scheduler;
    const latest = (await runs(warehouse)).slice(before);
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({
      status: 'interrupted',
      markets_ok: 1,
      markets_failed: 0,
      markets_abandoned: 3,
    });
    expect(await halfLoaded(warehouse)).toBe(0);
  });
});

describe('processes', () => {
  const testDb = useTestDatabase();

  const env = () => ({
    ...ENV(sim.url),
    HOME: process.env.HOME ?? '',
    DATA_DIR: testDb.dataDir,
    ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
  });

  it('two runs started together: one runs, the other says so and exits 0, never duplicate rows', async () => {
    slowRuns(1500);
    // Migrate first, so both processes race for the run and not for the schema.
    const migrated = await testDb.open();
    await migrated.close();
    const [a, b] = [startCli(['etl'], env()), startCli(['etl'], env())];
    const codes = (await Promise.all([a.exited, b.exited])).map((e) => e.code);
    expect(codes).toEqual([0, 0]);
    const refused = [a, b].filter((c) =>
      /another run holds the (run lock|embedded warehouse)/.test(c.output()),
    );
    expect(refused).toHaveLength(1);
    const warehouse = await testDb.open({ migrate: false });
    try {
      const all = await runs(warehouse);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ status: 'ok', markets_ok: 4 });
      const snapshots = await warehouse.db.selectFrom('orderbook.fact_snapshot').select('raw_key').execute();
      expect(snapshots).toHaveLength(4);
    } finally {
      await warehouse.close();
    }
  });

  it('npm start runs on its schedule and exits 0 on SIGTERM without a half-loaded snapshot', async () => {
    slowRuns(800);
    const child = startCli(['start'], { ...env(), CRON_SCHEDULE: '* * * * * *' });
    await vi.waitFor(
      () => {
        expect(child.output().match(/"msg":"run started"/g)?.length).toBeGreaterThanOrEqual(2);
      },
      {
        timeout: 20_000,
        interval: 100,
      },
    );
    child.process.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(child.output()).toMatch(/"msg":"scheduler stopped"/);
    const warehouse = await testDb.open({ migrate: false });
    try {
      const all = await runs(warehouse);
      expect(all.length).toBeGreaterThanOrEqual(2);
      expect(all.every((r) => r.status !== 'running')).toBe(true);
      // v_run tells the scheduler's runs (this test) from one-shot ones (the test before).
      expect(all.filter((r) => r.kind !== 'one-shot').map((r) => r.kind)).toEqual(
        Array.from({ length: all.length - 1 }, () => 'scheduled'),
      );
      expect(await halfLoaded(warehouse)).toBe(0);
    } finally {
      await warehouse.close();
    }
  });
});
