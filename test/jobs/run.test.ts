import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBook } from '../../src/venues/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import type { Logger } from '../../src/log.ts';
import {
  listSnapshots,
  openRawStore,
  readEnvelope,
  readSnapshot,
  readTrades,
  type RawStore,
} from '../../src/raw/index.ts';
import {
  defaultSimMarkets,
  startSimulator,
  type SimMarket,
  type Simulator,
} from '../../src/simulator/index.ts';
import { parseTrades } from '../../src/venues/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { errorLabel } from '../helpers/error-label.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;
let dir: string;
let store: RawStore;
const { warehouse } = useTestWarehouse();

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, markets: defaultSimMarkets(300) });
});
afterAll(async () => {
  await sim.close();
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
    .select(['exchange', 'market', 'stage', errorLabel.as('kind'), 'message', 'raw_key'])
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
    sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'html' }, 10);
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

describe('trades in a run', () => {
  async function fetchesOf(runId: string) {
    return warehouse.db
      .selectFrom('orderbook.fact_trade_fetch as f')
      .innerJoin('orderbook.dim_market as m', 'm.market_id', 'f.market_id')
      .select(['m.symbol', 'f.raw_key', 'f.trade_count', 'f.first_trade_id', 'f.last_trade_id'])
      .where('f.run_id', '=', runId)
      .orderBy('m.symbol')
      .execute();
  }

  /** Trade ids of a stored trades response, read straight from the raw object. */
  async function rawTradeIds(key: string): Promise<bigint[]> {
    const record = await readTrades(store, key);
    return parseTrades(record.meta.exchange, record.meta.market, record.payloadText ?? '').trades.map((t) =>
      BigInt(t.tradeId),
    );
  }

  async function storedTrades(symbol: string) {
    const { rows } = await sql<{ n: string; distinct_ids: string; min_id: string; max_id: string }>`
      select count(*) as n, count(distinct t.trade_id) as distinct_ids, min(t.trade_id) as min_id,
             max(t.trade_id) as max_id
      from orderbook.fact_trade t join orderbook.dim_market m using (market_id)
      where m.symbol = ${symbol}`.execute(warehouse.db);
    const row = rows[0];
    if (!row) throw new Error('no row');
    return {
      n: Number(row.n),
      distinct: Number(row.distinct_ids),
      min: BigInt(row.min_id),
      max: BigInt(row.max_id),
    };
  }

  it('fetches each market’s recent trades with its book, keeps them under _trades/ and loads them', async () => {
    const summary = await run();
    expect([summary.exitCode, summary.marketsOk, summary.tradesFailed]).toEqual([0, 4, 0]);
    const asked = sim.requests.filter((r) => r.endpoint === 'trades');
    expect(asked.map((r) => [r.venue, r.symbol]).sort()).toEqual([
      ['binance', 'BTCUSDT'],
      ['binance', 'ETHUSDT'],
      ['coinbase', 'BTC-USD'],
      ['coinbase', 'ETH-USD'],
    ]);
    const fetches = await fetchesOf(summary.runId);
    expect(fetches.map((f) => [f.symbol, f.trade_count])).toEqual([
      ['BTC-USD', 1000],
      ['BTCUSDT', 1000],
      ['ETH-USD', 1000],
      ['ETHUSDT', 1000],
    ]);
    for (const f of fetches) {
      const o = outcome(summary, f.symbol);
      expect(o.trades).toMatchObject({ rawKey: f.raw_key, error: null, trades: 1000 });
      expect(f.raw_key).toMatch(
        new RegExp(
          `^_trades/exchange=(coinbase|binance)/market=${f.symbol}/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/\\d{8}T\\d{6}\\.\\d{3}Z-${summary.runId}\\.json\\.gz$`,
        ),
      );
      const ids = await rawTradeIds(f.raw_key);
      expect([String(ids[0]), String(ids.at(-1))]).toEqual([f.first_trade_id, f.last_trade_id]);
    }
    // The book listing backfill walks still holds only the books.
    expect(await allKeys()).toHaveLength(4);
    const raw = await readTrades(store, fetches[1]?.raw_key ?? '');
    expect([raw.meta.base, raw.meta.quote, raw.meta.status]).toEqual(['BTC', 'USDT', 200]);
    expect(raw.meta.url).toBe(`${sim.url}/api/v3/trades?symbol=BTCUSDT&limit=1000`);
  });

  it('a second, overlapping run adds only the trades that are new, never a duplicate', async () => {
    // A simulator on a pinned clock: exactly 10 s of trades (40 slots of 250 ms) pass between runs.
    let clock = Date.UTC(2026, 10, 21, 13, 0, 0);
    // Its own market, so trades other tests stored do not count.
    const fdusd: SimMarket = {
      venue: 'binance',
      symbol: 'BTCFDUSD',
      base: 'BTC',
      quote: 'FDUSD',
      startMid: '84700.01',
      tickSize: '0.01',
      levels: 50,
    };
    const pinned = await startSimulator({ seed: 11, markets: [fdusd], now: () => clock });
    try {
      const env = { MARKETS: 'binance:BTCFDUSD', COINBASE_API_URL: pinned.url, BINANCE_API_URL: pinned.url };
      const first = await run(env);
      const before = await storedTrades('BTCFDUSD');
      clock += 10_000;
      const second = await run(env);
      const after = await storedTrades('BTCFDUSD');
      const firstIds = await rawTradeIds(outcome(first, 'BTCFDUSD').trades?.rawKey ?? '');
      const secondIds = await rawTradeIds(outcome(second, 'BTCFDUSD').trades?.rawKey ?? '');
      expect([firstIds.length, secondIds.length]).toEqual([1000, 1000]);
      // The second fetch is the first moved on by 40 trades: 960 overlap, 40 are new.
      expect(secondIds[0]).toBe((firstIds[0] ?? 0n) + 40n);
      expect(outcome(first, 'BTCFDUSD').trades?.newTrades).toBe(1000);
      expect(outcome(second, 'BTCFDUSD').trades?.newTrades).toBe(40);
      expect(after.n).toBe(before.n + 40);
      expect(after.distinct).toBe(after.n);
      expect([after.min, after.max]).toEqual([firstIds[0], secondIds.at(-1)]);
    } finally {
      await pinned.close();
    }
  });

  it('a failed trades fetch or parse is in etl_error and exit code 2, and the book still loads', async () => {
    sim.injectFault(
      { venue: 'binance', endpoint: 'trades', symbol: 'ETHUSDT' },
      { kind: 'status', status: 502 },
      10,
    );
    sim.injectFault({ venue: 'coinbase', endpoint: 'trades', symbol: 'BTC-USD' }, { kind: 'schema' });
    const { log, lines } = capturingLogger();
    const summary = await run({}, log);
    expect([summary.exitCode, summary.marketsOk, summary.marketsFailed, summary.tradesFailed]).toEqual([
      2, 4, 0, 2,
    ]);
    // Both books loaded.
    expect((await snapshotsOf(summary.runId)).map((r) => r.symbol)).toEqual([
      'BTC-USD',
      'BTCUSDT',
      'ETH-USD',
      'ETHUSDT',
    ]);
    const down = outcome(summary, 'ETHUSDT').trades;
    const schema = outcome(summary, 'BTC-USD').trades;
    expect(down?.rawKey).toMatch(/^_trades\/exchange=binance\/market=ETHUSDT\//);
    expect((await readTrades(store, down?.rawKey ?? '')).meta.status).toBe(502);
    const errors = await errorsOf(summary.runId);
    expect(errors.map((e) => [e.exchange, e.market, e.stage, e.kind, e.raw_key])).toEqual([
      ['coinbase', 'BTC-USD', 'parse', 'trades_schema', schema?.rawKey],
      ['binance', 'ETHUSDT', 'fetch', 'trades_http_502', down?.rawKey],
    ]);
    expect(errors[0]?.message).toMatch(/^coinbase:BTC-USD: trades: unexpected payload shape/);
    expect(errors[1]?.message).toMatch(
      /^binance:ETHUSDT: trades: GET .* answered HTTP 502 after 3 attempt\(s\)/,
    );
    expect(await runRow(summary.runId)).toMatchObject({
      status: 'partial',
      markets_ok: 4,
      markets_failed: 0,
      trades_failed: 2,
    });
    expect(
      lines()
        .filter((l) => l.msg === 'market trades failed')
        .map((l) => l.market),
    ).toEqual(expect.arrayContaining(['BTC-USD', 'ETHUSDT']));
    expect(lines().find((l) => l.msg === 'run finished')).toMatchObject({ marketsOk: 4, tradesFailed: 2 });
  });
});
