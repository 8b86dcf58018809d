import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots, openRawStore } from '../src/raw/index.ts';
import { openWarehouse } from '../src/warehouse/db.ts';
import { runCli } from './helpers/child.ts';
import { createTestDatabase } from './helpers/db.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../src/simulator/index.ts';

/** Runs the CLI as cron would: its own process, no terminal, only the environment given. */
const cli = (args: string[], env: Record<string, string>) =>
  runCli(args, { HOME: process.env.HOME ?? '', ...env });

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, markets: defaultSimMarkets(500) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-cli-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run etl (src/cli/entry.js etl)', () => {
  it('writes one raw object per default market under DATA_DIR and exits 0', async () => {
    const dataDir = path.join(dir, 'data');
    const result = await cli(['etl'], {
      DATA_DIR: dataDir,
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
    });
    expect(result.stderr).not.toMatch(/"level":(50|60)/);
    expect(result.code).toBe(0);
    const keys: string[] = [];
    for await (const key of listSnapshots(openRawStore(`file://${path.join(dataDir, 'raw')}`)))
      keys.push(key);
    expect(keys.map((k) => k.split('/').slice(0, 2).join('/')).sort()).toEqual([
      'exchange=binance/market=BTCUSDT',
      'exchange=binance/market=ETHUSDT',
      'exchange=coinbase/market=BTC-USD',
      'exchange=coinbase/market=ETH-USD',
    ]);
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ msg: 'run finished', marketsOk: 4, marketsFailed: 0 });

    // No DATABASE_URL: the run loaded embedded PGlite under DATA_DIR/pglite.
    const embedded = await openWarehouse({ databaseUrl: undefined, dataDir, connectAttempts: 1 });
    try {
      const rows = await embedded.db
        .selectFrom('orderbook.fact_snapshot')
        .select(['raw_key', 'stored_levels'])
        .orderBy('raw_key')
        .execute();
      expect(rows.map((r) => r.raw_key)).toEqual([...keys].sort());
      expect(rows.every((r) => r.stored_levels > 0)).toBe(true);
    } finally {
      await embedded.close();
    }
  });

  it('loads the four default markets into the PostgreSQL server named by DATABASE_URL', async () => {
    const testDb = await createTestDatabase();
    try {
      const result = await cli(['etl'], {
        DATA_DIR: testDb.dataDir,
        ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
        COINBASE_API_URL: sim.url,
        BINANCE_API_URL: sim.url,
      });
      expect(result.code).toBe(0);
      const warehouse = await testDb.open({ migrate: false });
      try {
        const top = await warehouse.db
          .selectFrom('orderbook.fact_snapshot as s')
          .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
          .innerJoin('orderbook.fact_top as t', 't.snapshot_id', 's.snapshot_id')
          .select(['m.symbol', 't.mid_price'])
          .orderBy('m.symbol')
          .execute();
        expect(top.map((r) => r.symbol)).toEqual(['BTC-USD', 'BTCUSDT', 'ETH-USD', 'ETHUSDT']);
        const run = await warehouse.db.selectFrom('orderbook.etl_run').selectAll().executeTakeFirstOrThrow();
        expect(run).toMatchObject({ status: 'ok', markets_ok: 4, markets_failed: 0 });
      } finally {
        await warehouse.close();
      }
    } finally {
      await testDb.cleanup();
    }
  });

  it('exits 1 fast with a clear message when the database cannot be reached, without fetching', async () => {
    sim.resetRequests();
    const result = await cli(['etl'], {
      DATA_DIR: path.join(dir, 'nodb'),
      DATABASE_URL: 'postgres://etl:s3cret-pw@127.0.0.1:1/warehouse',
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/warehouse unreachable/);
    expect(result.stderr).toMatch(/postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/warehouse/);
    expect(result.stderr).not.toContain('s3cret-pw');
    expect(sim.requests).toEqual([]);
  });

  it('exits 2 when a market fails, and still keeps what it fetched', async () => {
    const dataDir = path.join(dir, 'partial');
    const result = await cli(['etl'], {
      DATA_DIR: dataDir,
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
      MARKETS: 'coinbase:BTC-USD,binance:NOSUCHPAIR',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"market":"NOSUCHPAIR".*"stage":"fetch"/);
  });

  it('exits 1 with the variable, value and what is allowed for a bad setting', async () => {
    const result = await cli(['etl'], { DATA_DIR: dir, MARKETS: 'coinbase:../../etc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/MARKETS="coinbase:..\/..\/etc" is invalid/);
  });

  it('exits 1 when the raw store cannot be used', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    sim.resetRequests();
    const result = await cli(['etl'], {
      DATA_DIR: dir,
      RAW_STORE_URL: `file://${blocker}/raw`,
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/raw store unreachable/);
    expect(sim.requests).toEqual([]);
  });

  it('prints usage and exits 1 on an unknown command', async () => {
    const result = await cli(['frobnicate'], { DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
