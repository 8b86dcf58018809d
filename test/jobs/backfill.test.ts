import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBook } from '../../src/book/index.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createVenueClients } from '../../src/exchanges/index.ts';
import {
  backfill,
  BackfillArgsError,
  parseBackfillArgs,
  type BackfillOptions,
} from '../../src/jobs/backfill.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import { listSnapshots, openRawStore, readSnapshot, type RawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;
let dir: string;
let store: RawStore;
let config: Config;
const databases: { testDb: TestDatabase; warehouse: Warehouse }[] = [];
let original: Warehouse;
const summaries: RunSummary[] = [];

async function database(): Promise<Warehouse> {
  const testDb = await createTestDatabase();
  const warehouse = await testDb.open();
  databases.push({ testDb, warehouse });
  return warehouse;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 21, markets: defaultSimMarkets(150) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-backfill-'));
  store = openRawStore(`file://${path.join(dir, 'raw')}`);
  config = loadConfig({
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    BINANCE_DEPTH_LIMIT: '100',
    HTTP_RETRIES: '1',
    HTTP_BACKOFF_MS: '5',
    LEVELS_WITHIN_BPS: '50',
  });
  original = await database();
  const { log } = capturingLogger();
  for (let i = 0; i < 3; i++) {
    if (i === 1) {
      sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'crossed' });
      sim.injectFault({ venue: 'binance', symbol: 'ETHUSDT' }, { kind: 'status', status: 503 }, 2);
    }
    summaries.push(
      await runOnce({
        config,
        log,
        store,
        clients: createVenueClients(config, log),
        db: original.db,
        loader: new Loader(original.db, config),
      }),
    );
  }
});

afterAll(async () => {
  await sim.close();
  for (const { testDb, warehouse } of databases) {
    await warehouse.close();
    await testDb.cleanup();
  }
  await rm(dir, { recursive: true, force: true });
});

function run(warehouse: Warehouse, options: BackfillOptions = {}, settings: Partial<Config> = {}) {
  const { log, lines } = capturingLogger();
  const merged = { ...config, ...settings };
  return backfill(
    { config: merged, log, store, db: warehouse.db, loader: new Loader(warehouse.db, merged) },
    options,
  ).then((summary) => ({ summary, lines }));
}

/** Everything a run writes, keyed by raw object instead of surrogate ids, in a stable order. */
async function contents(warehouse: Warehouse) {
  const query = async (text: string) =>
    (await sql.raw<Record<string, unknown>>(text).execute(warehouse.db)).rows.map((r) =>
      JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : String(v)))),
    );
  const snap = `orderbook.fact_snapshot s join orderbook.dim_market m using (market_id)`;
  return {
    snapshots:
      await query(`select s.raw_key, m.symbol, s.run_id, s.requested_at, s.received_at, s.exchange_time,
        s.exchange_sequence, s.bid_levels, s.ask_levels, s.stored_levels from ${snap} order by 1`),
    levels: await query(`select s.raw_key, l.side, l.level_no, l.price, l.size, l.order_count
        from ${snap} join orderbook.fact_level l using (snapshot_id) order by 1, 2, 3`),
    top: await query(`select s.raw_key, t.best_bid, t.best_ask, t.mid_price, t.spread, t.spread_bps
        from ${snap} join orderbook.fact_top t using (snapshot_id) order by 1`),
    depth: await query(`select s.raw_key, d.band_bps, d.bid_base, d.bid_quote, d.ask_base, d.ask_quote
        from ${snap} join orderbook.fact_depth d using (snapshot_id) order by 1, 2`),
    fills: await query(`select s.raw_key, f.side, f.notional_usd, f.filled_base, f.avg_price, f.worst_price,
        f.levels_used, f.slippage_bps, f.fee_bps, f.fee_usd, f.all_in_price, f.fully_filled
        from ${snap} join orderbook.fact_fill f using (snapshot_id) order by 1, 2, 3`),
    markets: await query(`select e.code, m.symbol, b.code, q.code, q.is_usd from orderbook.dim_market m
        join orderbook.dim_exchange e using (exchange_id) join orderbook.dim_asset b on b.asset_id = m.base_asset_id
        join orderbook.dim_asset q on q.asset_id = m.quote_asset_id order by 1, 2`),
  };
}

const invalidKeys = () => {
  const second = summaries[1];
  return [
    second?.outcomes.find((o) => o.market.symbol === 'ETH-USD')?.rawKey,
    second?.outcomes.find((o) => o.market.symbol === 'ETHUSDT')?.rawKey,
  ].sort();
};

describe('backfill', () => {
  it('the runs made what they should: 12 raw objects, 10 snapshots', async () => {
    expect(summaries.map((s) => s.marketsOk)).toEqual([4, 2, 4]);
    const keys: string[] = [];
    for await (const key of listSnapshots(store)) keys.push(key);
    expect(keys).toHaveLength(12);
    expect((await contents(original)).snapshots).toHaveLength(10);
  });

  it('into an empty database gives exactly the rows the runs gave', async () => {
    const rebuilt = await database();
    const { summary, lines } = await run(rebuilt);
    expect(summary).toMatchObject({ listed: 12, loaded: 10, alreadyPresent: 0, failed: [], derived: 10 });
    expect(summary.invalid.map((i) => i.key).sort()).toEqual(invalidKeys());
    expect(summary.invalid.map((i) => i.reason).sort()).toEqual([
      'HTTP 503 response, not a book',
      expect.stringMatching(/^crossed book: best bid/),
    ]);
    expect(await contents(rebuilt)).toEqual(await contents(original));
    const finished = lines().find((l) => l.msg === 'backfill finished');
    expect(finished).toMatchObject({
      listed: 12,
      loaded: 10,
      alreadyPresent: 0,
      invalid: 2,
      failed: 0,
      derived: 10,
    });
    expect((finished?.invalidKeys as string[]).sort()).toEqual(invalidKeys());

    // Twice = once.
    const before = await contents(rebuilt);
    const again = await run(rebuilt);
    expect(again.summary).toMatchObject({
      listed: 12,
      loaded: 0,
      alreadyPresent: 10,
      failed: [],
      derived: 10,
    });
    expect(await contents(rebuilt)).toEqual(before);
  });

  it('converges after dying half-way: part loaded, part loaded without derived rows', async () => {
    const crashed = await database();
    // A first backfill that only got through the first run's hour window…
    const firstReceived = new Date((summaries[1]?.startedAt ?? new Date()).getTime());
    await run(crashed, { to: firstReceived });
    // …and one that died between loading an object and deriving it.
    const loader = new Loader(crashed.db, config);
    const key = summaries[2]?.outcomes[0]?.rawKey ?? '';
    const record = await readSnapshot(store, key);
    await loader.load(
      {
        book: parseBook(record.meta.exchange, record.meta.market, record.payloadText ?? ''),
        base: record.meta.base ?? '',
        quote: record.meta.quote ?? '',
        rawKey: key,
        runId: record.meta.run_id,
        requestedAt: record.meta.requested_at,
        receivedAt: record.meta.received_at,
      },
      { derive: false },
    );
    const { summary } = await run(crashed);
    expect(summary).toMatchObject({ loaded: 5, alreadyPresent: 5, failed: [] });
    expect(await contents(crashed)).toEqual(await contents(original));
  });

  it('filters by exchange, market and time', async () => {
    const filtered = await database();
    const binance = await run(filtered, { exchange: 'binance' });
    expect(binance.summary).toMatchObject({ listed: 6, loaded: 5 });
    const cbBtc = await run(filtered, { exchange: 'coinbase', market: 'BTC-USD' });
    expect(cbBtc.summary).toMatchObject({ listed: 3, loaded: 3 });
    // The last run alone, by time.
    const third = summaries[2];
    const window = await run(filtered, {
      from: third?.startedAt,
      to: new Date((third?.finishedAt ?? new Date()).getTime() + 1),
    });
    expect(window.summary).toMatchObject({ listed: 4, loaded: 1, alreadyPresent: 3 });
    const symbols = (await contents(filtered)).snapshots.map((s) => (JSON.parse(s) as string[])[1]).sort();
    expect(symbols).toEqual([
      'BTC-USD',
      'BTC-USD',
      'BTC-USD',
      'BTCUSDT',
      'BTCUSDT',
      'BTCUSDT',
      'ETH-USD',
      'ETHUSDT',
      'ETHUSDT',
    ]);
  });

  it('--derive-only recomputes fills after a fee and notional change, without reading raw', async () => {
    const target = await database();
    await run(target);
    const emptyStore: RawStore = {
      location: 'file:///unused',
      put: () => Promise.reject(new Error('derive-only must not write raw')),
      get: () => Promise.reject(new Error('derive-only must not read raw')),
      listChildren: () => Promise.reject(new Error('derive-only must not list raw')),
      probe: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const { log } = capturingLogger();
    const settings = { ...config, takerFeeBps: { coinbase: '25', binance: '10' }, notionalsUsd: ['75000'] };
    const summary = await backfill(
      { config: settings, log, store: emptyStore, db: target.db, loader: new Loader(target.db, settings) },
      { deriveOnly: true },
    );
    expect(summary).toMatchObject({ listed: 0, loaded: 0, derived: 10 });
    const { rows } = await sql<{
      code: string;
      notional_usd: string;
      fee_bps: string;
      ok: boolean;
      fee_ok: boolean;
    }>`
      select e.code, f.notional_usd::text, f.fee_bps::text,
             -- avg_price is stored rounded to 18 places; all_in was computed from the unrounded one.
             abs(f.all_in_price - f.avg_price * (case f.side when 'buy' then 1 + f.fee_bps / 10000 else 1 - f.fee_bps / 10000 end))
               < 0.000000000001 as ok,
             f.fee_usd = 75000 * f.fee_bps / 10000 or not f.fully_filled as fee_ok
      from orderbook.fact_fill f
      join orderbook.fact_snapshot s using (snapshot_id)
      join orderbook.dim_market m using (market_id)
      join orderbook.dim_exchange e using (exchange_id)`.execute(target.db);
    expect(rows.length).toBe(10 * 2);
    expect(new Set(rows.map((r) => `${r.code}:${r.fee_bps}:${r.notional_usd}`))).toEqual(
      new Set(['coinbase:25:75000', 'binance:10:75000']),
    );
    // The stored fee is the one applied: all_in = avg × (1 ± 25/10000) on Coinbase.
    expect(rows.every((r) => r.ok && r.fee_ok)).toBe(true);
  });
});

describe('parseBackfillArgs', () => {
  it('reads every flag', () => {
    expect(
      parseBackfillArgs([
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-02T12:00:00Z',
        '--exchange',
        'coinbase',
        '--market',
        'BTC-USD',
      ]),
    ).toEqual({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-02T12:00:00Z'),
      exchange: 'coinbase',
      market: 'BTC-USD',
      deriveOnly: false,
    });
    expect(parseBackfillArgs(['--derive-only']).deriveOnly).toBe(true);
  });

  it.each([
    [['--from', 'yesterday'], /--from "yesterday" is not an ISO 8601 time/],
    [['--from', '2026-11-02', '--to', '2026-11-01'], /--from 2026-11-02 is not before --to 2026-11-01/],
    [['--exchange', 'kraken'], /--exchange "kraken" is not a venue: use coinbase or binance/],
    [['--exchange', 'binance', '--market', 'BTC-USD'], /--market "BTC-USD" is not a binance symbol/],
    [['--market', '../etc'], /--market "..\/etc" is not a venue symbol/],
    [['--frm', 'x'], /Unknown option '--frm'.*allowed: --from ISO/],
  ])('%j', (args, message) => {
    expect(() => parseBackfillArgs(args)).toThrow(BackfillArgsError);
    expect(() => parseBackfillArgs(args)).toThrow(message);
  });
});

describe('npm run backfill', () => {
  it('rebuilds from the folder named by RAW_STORE_URL, logs its summary, exits 0', async () => {
    const testDb = await createTestDatabase();
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(import.meta.dirname, '..', '..', 'src', 'cli.ts'), 'backfill', '--exchange', 'coinbase'],
          {
            env: {
              PATH: process.env.PATH ?? '',
              DATA_DIR: testDb.dataDir,
              RAW_STORE_URL: `file://${path.join(dir, 'raw')}`,
              LEVELS_WITHIN_BPS: '50',
              ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
            },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          resolve({ code, stderr });
        });
      });
      expect(result.code).toBe(0);
      const finished = result.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'backfill finished');
      expect(finished).toMatchObject({ listed: 6, loaded: 5, invalid: 1, failed: 0, derived: 5 });
    } finally {
      await testDb.cleanup();
    }
  });
});
