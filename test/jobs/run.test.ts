import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBook } from '../../src/book/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createVenueClients } from '../../src/exchanges/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/exchanges/ratelimit.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import type { Logger } from '../../src/log.ts';
import {
  listSnapshots,
  openRawStore,
  readEnvelope,
  readSnapshot,
  type RawStore,
} from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;
let dir: string;
let store: RawStore;
let testDb: TestDatabase;
let warehouse: Warehouse;

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, markets: defaultSimMarkets(300) });
  testDb = await createTestDatabase();
  warehouse = await testDb.open();
});
afterAll(async () => {
  await sim.close();
  await warehouse.close();
  await testDb.cleanup();
});
beforeEach(async () => {
  sim.clearFaults();
  sim.resetRequests();
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-run-'));
  store = openRawStore(`file://${dir}`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(env: Record<string, string> = {}, log?: Logger): Promise<RunSummary> {
  const config = loadConfig({
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    BINANCE_DEPTH_LIMIT: '1000',
    HTTP_RETRIES: '2',
    HTTP_BACKOFF_MS: '5',
    HTTP_TIMEOUT_MS: '3000',
    ...env,
  });
  const logger = log ?? capturingLogger().log;
  const clients = createVenueClients(config, logger, {
    coinbase: new RequestRateLimiter(1000),
    binance: new WeightBudgetLimiter(6000),
  });
  return runOnce({
    config,
    log: logger,
    store,
    clients,
    db: warehouse.db,
    loader: new Loader(warehouse.db, config),
  });
}

async function snapshotsOf(runId: string) {
  return warehouse.db
    .selectFrom('orderbook.fact_snapshot as s')
    .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
    .select(['m.symbol', 's.raw_key', 's.snapshot_id', 's.bid_levels', 's.ask_levels', 's.stored_levels'])
    .where('s.run_id', '=', runId)
    .orderBy('m.symbol')
    .execute();
}

async function errorsOf(runId: string) {
  return warehouse.db
    .selectFrom('orderbook.etl_error')
    .select(['exchange', 'market', 'stage', 'kind', 'message', 'raw_key'])
    .where('run_id', '=', runId)
    .orderBy('market')
    .execute();
}

async function runRow(runId: string) {
  return warehouse.db
    .selectFrom('orderbook.etl_run')
    .selectAll()
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
}

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of listSnapshots(store)) keys.push(key);
  return keys;
}

const outcome = (summary: RunSummary, symbol: string) => {
  const found = summary.outcomes.find((o) => o.market.symbol === symbol);
  if (!found) throw new Error(`no outcome for ${symbol}`);
  return found;
};

describe('one run against the simulator', () => {
  it('keeps one raw object per market, byte-exact and self-describing, and exits 0', async () => {
    const summary = await run();
    expect(summary.exitCode).toBe(0);
    expect(summary.marketsOk).toBe(4);
    expect(summary.outcomes.map((o) => [o.market.symbol, o.error])).toEqual([
      ['BTC-USD', null],
      ['ETH-USD', null],
      ['BTCUSDT', null],
      ['ETHUSDT', null],
    ]);
    const keys = await allKeys();
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      expect(key).toMatch(
        new RegExp(
          `^exchange=(coinbase|binance)/market=[A-Z-]+/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/\\d{8}T\\d{6}\\.\\d{3}Z-${summary.runId}\\.json\\.gz$`,
        ),
      );
      const record = await readSnapshot(store, key);
      expect(record.payloadKind).toBe('json');
      expect(record.meta.status).toBe(200);
      expect(record.meta.run_id).toBe(summary.runId);
      const book = parseBook(record.meta.exchange, record.meta.market, record.payloadText ?? '');
      expect(book.bids).toHaveLength(300);
      expect(book.asks).toHaveLength(300);
      expect(outcome(summary, record.meta.market).rawKey).toBe(key);
    }
    const btc = await readSnapshot(store, outcome(summary, 'BTCUSDT').rawKey ?? '');
    expect([btc.meta.base, btc.meta.quote]).toEqual(['BTC', 'USDT']);
    expect(btc.meta.url).toBe(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    const eth = await readSnapshot(store, outcome(summary, 'ETH-USD').rawKey ?? '');
    expect([eth.meta.base, eth.meta.quote]).toEqual(['ETH', 'USD']);

    const loaded = await snapshotsOf(summary.runId);
    expect(loaded.map((r) => [r.symbol, r.raw_key, r.bid_levels, r.ask_levels])).toEqual(
      ['BTC-USD', 'BTCUSDT', 'ETH-USD', 'ETHUSDT'].map((symbol) => [
        symbol,
        outcome(summary, symbol).rawKey,
        300,
        300,
      ]),
    );
    for (const row of loaded) expect(outcome(summary, row.symbol).snapshotId).toBe(row.snapshot_id);
    const fills = await warehouse.db
      .selectFrom('orderbook.fact_fill')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(
        'snapshot_id',
        'in',
        loaded.map((r) => r.snapshot_id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(fills.n)).toBe(4 * 2 * 2); // 4 markets × buy/sell × $50k/$100k
    expect(await runRow(summary.runId)).toMatchObject({ status: 'ok', markets_ok: 4, markets_failed: 0 });
    expect(await errorsOf(summary.runId)).toEqual([]);
  });

  it('asks each venue for its market list once per run and keeps it under _meta', async () => {
    const summary = await run();
    const metadata = sim.requests.filter((r) => r.endpoint === 'products' || r.endpoint === 'exchangeInfo');
    expect(metadata.map((r) => r.endpoint).sort()).toEqual(['exchangeInfo', 'products']);
    const venues = await store.listChildren('_meta/');
    expect(venues.prefixes).toEqual(['_meta/exchange=binance/', '_meta/exchange=coinbase/']);
    const endpoint = await store.listChildren('_meta/exchange=binance/');
    expect(endpoint.prefixes).toEqual(['_meta/exchange=binance/endpoint=exchangeInfo/']);
    let dateDir =
      (await store.listChildren('_meta/exchange=binance/endpoint=exchangeInfo/')).prefixes[0] ?? '';
    dateDir = (await store.listChildren(dateDir)).prefixes[0] ?? '';
    const [key] = (await store.listChildren(dateDir)).keys;
    const meta = await readEnvelope(store, key ?? '');
    expect(meta.meta.run_id).toBe(summary.runId);
    expect(meta.meta.market).toBeNull();
    expect(JSON.parse(meta.payloadText ?? '')).toHaveProperty('symbols');
  });

  it('records each failing market with stage, kind and raw key, and loads the others', async () => {
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'crossed' });
    sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'html' });
    sim.injectFault({ venue: 'binance', symbol: 'ETHUSDT' }, { kind: 'status', status: 502 }, 10);
    const { log, lines } = capturingLogger();
    const summary = await run({}, log);
    expect(summary.exitCode).toBe(2);
    expect(summary.marketsOk).toBe(1);
    expect(summary.marketsFailed).toBe(3);

    const crossed = outcome(summary, 'BTC-USD');
    expect([crossed.error?.stage, crossed.error?.kind]).toEqual(['parse', 'invalid_book']);
    expect(crossed.error?.message).toMatch(/^coinbase:BTC-USD: crossed book: best bid \S+ >= best ask \S+$/);
    expect(crossed.rawKey).not.toBeNull();
    expect((await readSnapshot(store, crossed.rawKey ?? '')).payloadKind).toBe('json');

    const html = outcome(summary, 'ETH-USD');
    expect([html.error?.stage, html.error?.kind]).toEqual(['parse', 'not_json']);
    const htmlRaw = await readSnapshot(store, html.rawKey ?? '');
    expect(htmlRaw.payloadKind).toBe('text');
    expect(htmlRaw.payloadText).toMatch(/<html/i);

    const down = outcome(summary, 'ETHUSDT');
    expect([down.error?.stage, down.error?.kind]).toEqual(['fetch', 'http_502']);
    expect(down.error?.message).toMatch(/binance ETHUSDT GET .* answered HTTP 502 after 3 attempt\(s\)/);
    expect((await readSnapshot(store, down.rawKey ?? '')).meta.status).toBe(502);

    expect(outcome(summary, 'BTCUSDT').error).toBeNull();
    expect(await allKeys()).toHaveLength(4);

    // Only the good book is in the facts; every failure is in etl_error with its raw key.
    expect((await snapshotsOf(summary.runId)).map((r) => r.symbol)).toEqual(['BTCUSDT']);
    const errors = await errorsOf(summary.runId);
    expect(errors.map((e) => [e.exchange, e.market, e.stage, e.kind, e.raw_key])).toEqual([
      ['coinbase', 'BTC-USD', 'parse', 'invalid_book', crossed.rawKey],
      ['coinbase', 'ETH-USD', 'parse', 'not_json', html.rawKey],
      ['binance', 'ETHUSDT', 'fetch', 'http_502', down.rawKey],
    ]);
    expect(errors[0]?.message).toMatch(/crossed book/);
    expect(await runRow(summary.runId)).toMatchObject({
      status: 'partial',
      markets_ok: 1,
      markets_failed: 3,
    });
    const failures = lines().filter((l) => l.msg === 'market failed');
    expect(failures.map((l) => [l.market, l.stage])).toEqual(
      expect.arrayContaining([
        ['BTC-USD', 'parse'],
        ['ETH-USD', 'parse'],
        ['ETHUSDT', 'fetch'],
      ]),
    );
    const finished = lines().find((l) => l.msg === 'run finished');
    expect(finished).toMatchObject({ marketsOk: 1, marketsFailed: 3, runId: summary.runId });
  });

  it('skips the rest of a venue after a 418 without asking it again', async () => {
    sim.injectFault(
      { venue: 'binance', symbol: 'BTCUSDT' },
      { kind: 'status', status: 418, retryAfter: 120 },
    );
    const summary = await run({ CONCURRENCY: '1' });
    expect(outcome(summary, 'BTCUSDT').error?.kind).toBe('http_418');
    const skipped = outcome(summary, 'ETHUSDT');
    expect([skipped.error?.stage, skipped.error?.kind]).toEqual(['fetch', 'venue_blocked']);
    expect(skipped.rawKey).toBeNull();
    expect(sim.requests.filter((r) => r.venue === 'binance' && r.endpoint === 'book')).toHaveLength(1);
    expect(outcome(summary, 'BTC-USD').error).toBeNull();
  });

  it('fails a market its venue does not list, without asking for its book', async () => {
    const summary = await run({ MARKETS: 'coinbase:BTC-USD,coinbase:DOGE-EUR' });
    const unknown = outcome(summary, 'DOGE-EUR');
    expect([unknown.error?.stage, unknown.error?.kind]).toEqual(['fetch', 'unknown_market']);
    expect(sim.requests.some((r) => r.symbol === 'DOGE-EUR')).toBe(false);
    expect(summary.exitCode).toBe(2);
  });

  it('fails a venue’s markets when its market list cannot be had, and keeps the answer', async () => {
    sim.injectFault({ venue: 'coinbase', endpoint: 'products' }, { kind: 'status', status: 503 }, 10);
    const summary = await run();
    for (const symbol of ['BTC-USD', 'ETH-USD']) {
      const failed = outcome(summary, symbol);
      expect([failed.error?.stage, failed.error?.kind]).toEqual(['fetch', 'http_503']);
      expect(failed.error?.rawKey).toMatch(/^_meta\/exchange=coinbase\/endpoint=products\//);
    }
    expect(outcome(summary, 'BTCUSDT').error).toBeNull();
    expect(sim.requests.filter((r) => r.venue === 'coinbase' && r.endpoint === 'products')).toHaveLength(3);
  });

  it('loses nothing when the raw store refuses writes: the market fails at store and is not parsed', async () => {
    const failing: RawStore = {
      location: 'file:///nowhere',
      put: () => Promise.reject(new Error('disk full')),
      get: (key) => store.get(key),
      listChildren: (prefix) => store.listChildren(prefix),
      probe: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const config = loadConfig({
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
      MARKETS: 'binance:BTCUSDT',
    });
    const { log } = capturingLogger();
    const summary = await runOnce({
      config,
      log,
      store: failing,
      clients: createVenueClients(config, log),
      db: warehouse.db,
      loader: new Loader(warehouse.db, config),
    });
    const failed = outcome(summary, 'BTCUSDT');
    expect([failed.error?.stage, failed.error?.kind]).toEqual(['store', 'raw_store']);
    expect(failed.error?.message).toMatch(/disk full/);
    expect(failed.bidLevels).toBe(0);
    expect(await snapshotsOf(summary.runId)).toEqual([]);
    expect(await runRow(summary.runId)).toMatchObject({ status: 'failed', markets_ok: 0, markets_failed: 1 });
  });
});
