/**
 * Locks are per market (DESIGN §8): runs with disjoint MARKETS load side by side on one
 * PostgreSQL warehouse, and a market another run holds is skipped, logged and not failed. Real
 * processes on a real database; the first run is held mid-request by the simulator (its book
 * answers in a minute) so the test knows it is still running, then stopped with SIGTERM.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { startCli, until, type Child } from '../helpers/child.ts';

let sim: Simulator;
const testDb = useTestDatabase({ migrate: true });
beforeAll(async () => {
  sim = await startSimulator({ seed: 11, markets: defaultSimMarkets(50) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

const env = (markets: string, extra: Record<string, string> = {}) => ({
  HOME: process.env.HOME ?? '',
  COINBASE_API_URL: sim.url,
  BINANCE_API_URL: sim.url,
  BINANCE_DEPTH_LIMIT: '100',
  HTTP_TIMEOUT_MS: '120000',
  MARKETS: markets,
  DATA_DIR: testDb.dataDir,
  ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
  ...extra,
});

async function runOf(child: Child) {
  const runId = String(child.lines().find((l) => l.msg === 'run started')?.runId);
  const warehouse = await testDb.open({ migrate: false });
  try {
    const run = await warehouse.db
      .selectFrom('orderbook.etl_run')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    const loaded = await warehouse.db
      .selectFrom('orderbook.fact_snapshot as s')
      .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
      .select('m.symbol')
      .where('s.run_id', '=', runId)
      .orderBy('m.symbol')
      .execute();
    return { run, loaded: loaded.map((r) => r.symbol) };
  } finally {
    await warehouse.close();
  }
}

/** Starts an etl whose Coinbase BTC-USD book answers in a minute, and waits until it is asking. */
async function heldRun(markets: string): Promise<Child> {
  sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'delay', ms: 60_000 }, 1);
  const held = startCli(['etl'], env(markets));
  await until(held, 'asking for BTC-USD', () =>
    Promise.resolve(sim.requests.some((r) => r.symbol === 'BTC-USD' && r.endpoint === 'book')),
  );
  return held;
}

describe('per-market run locks on one PostgreSQL warehouse', () => {
  it('a run with disjoint MARKETS loads while another run is still going', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const first = await heldRun('coinbase:BTC-USD,binance:BTCUSDT');
    try {
      const second = startCli(['etl'], env('coinbase:ETH-USD,binance:ETHUSDT'));
      expect((await second.exited).code).toBe(0);
      // The first is still running: the two overlapped.
      expect(first.hasExited()).toBe(false);
      expect(await runOf(first)).toMatchObject({ run: { status: 'running' } });
      expect(await runOf(second)).toEqual({
        run: expect.objectContaining({ status: 'ok', markets_ok: 2, markets_failed: 0 }) as unknown,
        loaded: ['ETH-USD', 'ETHUSDT'],
      });
    } finally {
      first.process.kill('SIGTERM');
      await first.exited;
    }
    // Closing the second run did not take the first for dead.
    expect(await runOf(first)).toMatchObject({ run: { status: 'interrupted' }, loaded: ['BTCUSDT'] });
  });

  it('a market another run holds is skipped and logged, not failed; the rest loads', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const first = await heldRun('coinbase:BTC-USD,binance:BTCUSDT');
    try {
      const second = startCli(['etl'], env('coinbase:BTC-USD,binance:ETHUSDT'));
      expect((await second.exited).code).toBe(0);
      expect(second.lines().find((l) => l.msg === 'markets skipped: another run holds them')).toMatchObject({
        markets: ['coinbase:BTC-USD'],
        running: ['binance:ETHUSDT'],
      });
      expect(await runOf(second)).toEqual({
        run: expect.objectContaining({ status: 'ok', markets_ok: 1, markets_failed: 0 }) as unknown,
        loaded: ['ETHUSDT'],
      });
      // BTC-USD was asked for once: by the first run only.
      expect(sim.requests.filter((r) => r.symbol === 'BTC-USD' && r.endpoint === 'book')).toHaveLength(1);
    } finally {
      first.process.kill('SIGTERM');
      await first.exited;
    }
  });

  it('a run that finds every market taken says so and exits 0, recording no run', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const first = await heldRun('coinbase:BTC-USD');
    try {
      const second = startCli(['etl'], env('coinbase:BTC-USD'));
      expect((await second.exited).code).toBe(0);
      expect(second.output()).toMatch(/another run holds the run lock of every market: not starting/);
      expect(second.lines().some((l) => l.msg === 'run started')).toBe(false);
    } finally {
      first.process.kill('SIGTERM');
      await first.exited;
    }
  });

  it('two schedulers with disjoint MARKETS both run on every tick', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    // Every Coinbase book answers in 1.5 s, so the first scheduler's runs are always going.
    sim.injectFault({ venue: 'coinbase' }, { kind: 'delay', ms: 1500 }, 1000);
    const schedule = { CRON_SCHEDULE: '* * * * * *' };
    const a = startCli(['start'], env('coinbase:BTC-USD', schedule));
    const b = startCli(['start'], env('binance:BTCUSDT', schedule));
    const finished = (c: Child) => c.lines().filter((l) => l.msg === 'run finished' && l.marketsOk === 1);
    try {
      await until(a, 'both schedulers finished two runs', () =>
        Promise.resolve(finished(a).length >= 2 && finished(b).length >= 2),
      );
    } finally {
      a.process.kill('SIGTERM');
      b.process.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
    for (const c of [a, b]) {
      expect(c.output()).not.toMatch(/another (run|process) holds/);
    }
  });
});
