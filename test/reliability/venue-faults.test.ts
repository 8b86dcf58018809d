/**
 * Every venue fault the simulator can produce, through a whole run over real HTTP. For each:
 * the faulty market is loaded (when the fault was transient) or recorded in etl_error with its
 * stage and reason, its raw response is kept when there was one, the other markets load, every
 * raw object is accounted for, and the exit code is 2 exactly when something failed. The same
 * faults on the trades endpoints never cost a market its book.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshot, readTrades } from '../../src/raw/index.ts';
import type { Fault } from '../../src/simulator/index.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import {
  errorRows,
  expectAccountedFor,
  loadedSnapshots,
  outcomeOf,
  rawKeys,
  runRow,
  startHarness,
  tradeKeys,
  type Harness,
} from './harness.ts';

const MARKETS = defaultSimMarkets(40).filter((m) => m.symbol === 'BTC-USD' || m.symbol.endsWith('USDT'));
const ALL = MARKETS.map((m) => m.symbol).sort(); // BTC-USD, BTCUSDT, ETHUSDT
const FILLS_PER_SNAPSHOT = 4; // buy and sell of $50k and $100k

let h: Harness;
beforeAll(async () => {
  // 40 levels cannot fill $50k, which is fine: fills are still written, marked not fully filled.
  h = await startHarness(MARKETS);
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.clearFaults();
  h.sim.resetRequests();
  await h.freshStore();
});

const bookRequests = (symbol: string) =>
  h.sim.requests.filter((r) => r.endpoint === 'book' && r.symbol === symbol);

interface Case {
  name: string;
  symbol: 'BTC-USD' | 'BTCUSDT';
  fault: Fault;
  times: number;
  /** Book requests the market should cost (attempts, with HTTP_RETRIES=2). */
  requests: number;
  /** null: the market loads in the end. */
  failure: { stage: string; kind: string; message: RegExp } | null;
  /** What the raw store keeps for it: the final status and payload kind, or nothing. */
  raw: { status: number; payload: 'json' | 'text' } | null;
}

/** Faults after which no response arrives whole (nothing to keep but the error row). */
const ARRIVES_NOT = new Set<Fault['kind']>(['delay', 'slowBody', 'reset', 'oversize']);

const venueOf = (symbol: string) => (symbol === 'BTC-USD' ? 'coinbase' : 'binance');

const CASES: Case[] = [
  {
    name: '5xx twice, then success',
    symbol: 'BTC-USD',
    fault: { kind: 'status', status: 503 },
    times: 2,
    requests: 3,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: '5xx on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'status', status: 500 },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'http_500', message: /answered HTTP 500 after 3 attempt\(s\)/ },
    raw: { status: 500, payload: 'json' },
  },
  {
    name: 'a timeout, then success',
    symbol: 'BTC-USD',
    fault: { kind: 'delay', ms: 1500 },
    times: 1,
    requests: 2,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'a timeout on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'delay', ms: 1500 },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'timeout', message: /no complete response in 400 ms/ },
    raw: null,
  },
  {
    name: 'a body that stalls past the timeout on every attempt',
    symbol: 'BTC-USD',
    fault: { kind: 'slowBody', ms: 1500 },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'timeout', message: /no complete response in 400 ms/ },
    raw: null,
  },
  {
    name: 'a slow body within the timeout',
    symbol: 'BTCUSDT',
    fault: { kind: 'slowBody', ms: 100 },
    times: 10,
    requests: 1,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: '451 (a restricted location): not retried',
    symbol: 'BTCUSDT',
    fault: { kind: 'status', status: 451 },
    times: 10,
    requests: 1,
    failure: { stage: 'fetch', kind: 'http_451', message: /api\.binance\.us/ },
    raw: { status: 451, payload: 'json' },
  },
  {
    name: 'connection reset mid-body, then success',
    symbol: 'BTC-USD',
    fault: { kind: 'reset' },
    times: 1,
    requests: 2,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'connection reset on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'reset' },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'network', message: /ECONNRESET|socket hang up|aborted/ },
    raw: null,
  },
  {
    name: 'truncated JSON on every attempt',
    symbol: 'BTC-USD',
    fault: { kind: 'truncate' },
    times: 10,
    requests: 3,
    failure: { stage: 'parse', kind: 'not_json', message: /not JSON/ },
    raw: { status: 200, payload: 'text' },
  },
  {
    name: 'truncated JSON once: retried like a 5xx, then loads',
    symbol: 'BTC-USD',
    fault: { kind: 'truncate' },
    times: 1,
    requests: 2,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'malformed JSON on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'malformed' },
    times: 10,
    requests: 3,
    failure: { stage: 'parse', kind: 'not_json', message: /not JSON/ },
    raw: { status: 200, payload: 'text' },
  },
  {
    name: 'an HTML error page with status 200 on every attempt',
    symbol: 'BTC-USD',
    fault: { kind: 'html' },
    times: 10,
    requests: 3,
    failure: { stage: 'parse', kind: 'not_json', message: /not JSON/ },
    raw: { status: 200, payload: 'text' },
  },
  {
    name: 'an HTML error page with status 200 once (a proxy): retried, then loads',
    symbol: 'BTCUSDT',
    fault: { kind: 'html' },
    times: 1,
    requests: 2,
    failure: null,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'a schema-invalid book',
    symbol: 'BTCUSDT',
    fault: { kind: 'schema' },
    times: 1,
    requests: 1,
    failure: { stage: 'parse', kind: 'schema', message: /binance:BTCUSDT/ },
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'a crossed book',
    symbol: 'BTC-USD',
    fault: { kind: 'crossed' },
    times: 1,
    requests: 1,
    failure: { stage: 'parse', kind: 'invalid_book', message: /crossed book: best bid \S+ >= best ask/ },
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'an empty book',
    symbol: 'BTCUSDT',
    fault: { kind: 'empty', side: 'asks' },
    times: 1,
    requests: 1,
    failure: { stage: 'parse', kind: 'invalid_book', message: /asks.*empty|empty.*asks|no asks/i },
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'a body over the size cap: not retried, not kept',
    symbol: 'BTC-USD',
    fault: { kind: 'oversize', bytes: 300_000 },
    times: 10,
    requests: 1,
    failure: { stage: 'fetch', kind: 'too_large', message: /200000/ },
    raw: null,
  },
];

describe('venue faults, end to end', () => {
  it.each(CASES)('$name', async (c) => {
    h.sim.injectFault({ venue: venueOf(c.symbol), symbol: c.symbol }, c.fault, c.times);
    const summary = await h.run({ HTTP_MAX_BYTES: '200000' });

    expect(bookRequests(c.symbol)).toHaveLength(c.requests);
    expect(summary.exitCode).toBe(c.failure ? 2 : 0);
    const others = ALL.filter((s) => s !== c.symbol);
    const loaded = await loadedSnapshots(h.warehouse, summary.runId);
    expect(loaded.map((s) => s.symbol)).toEqual(c.failure ? others : ALL);

    const faulty = outcomeOf(summary, c.symbol);
    const errors = await errorRows(h.warehouse, summary.runId);
    if (c.failure) {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        exchange: venueOf(c.symbol),
        market: c.symbol,
        stage: c.failure.stage,
        kind: c.failure.kind,
        raw_key: faulty.rawKey,
      });
      expect(errors[0]?.message).toMatch(c.failure.message);
      expect(await runRow(h.warehouse, summary.runId)).toMatchObject({
        status: 'partial',
        markets_ok: 2,
        markets_failed: 1,
      });
    } else {
      expect(errors).toEqual([]);
      expect(await runRow(h.warehouse, summary.runId)).toMatchObject({ status: 'ok', markets_ok: 3 });
    }

    if (c.raw) {
      const record = await readSnapshot(h.store, faulty.rawKey ?? '');
      expect(record.meta.status).toBe(c.raw.status);
      expect(record.payloadKind).toBe(c.raw.payload);
      expect(await rawKeys(h.store)).toHaveLength(3);
    } else {
      // No response arrived whole, so there is nothing to keep; the error row says why.
      expect(faulty.rawKey).toBeNull();
      expect(await rawKeys(h.store)).toHaveLength(2);
    }
    // Every response that arrived before the final one is kept as an attempt: none is dropped.
    const kept = await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT);
    expect(kept).toBe(ARRIVES_NOT.has(c.fault.kind) ? 0 : c.requests - 1);
  });

  it('429 with Retry-After: waits as told instead of hammering, then loads', async () => {
    h.sim.injectFault(
      { venue: 'binance', symbol: 'ETHUSDT' },
      { kind: 'status', status: 429, retryAfter: 1 },
    );
    const summary = await h.run();
    expect(summary.exitCode).toBe(0);
    const asked = bookRequests('ETHUSDT');
    expect(asked.map((r) => r.status)).toEqual([429, 200]);
    expect((asked[1]?.at ?? 0) - (asked[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect((await loadedSnapshots(h.warehouse, summary.runId)).map((s) => s.symbol)).toEqual(ALL);
    await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT);
  });

  it('418: the venue is not asked again for the rest of the run; the other venue loads', async () => {
    h.sim.injectFault(
      { venue: 'binance', symbol: 'BTCUSDT' },
      { kind: 'status', status: 418, retryAfter: 600 },
      10,
    );
    const summary = await h.run({ CONCURRENCY: '1' });
    expect(summary.exitCode).toBe(2);
    expect(h.sim.requests.filter((r) => r.venue === 'binance' && r.endpoint === 'book')).toHaveLength(1);
    // Trades are not asked for either: each market's trades fail, unasked, with the same reason.
    expect(h.sim.requests.filter((r) => r.venue === 'binance' && r.endpoint === 'trades')).toEqual([]);
    const errors = await errorRows(h.warehouse, summary.runId);
    expect(errors.map((e) => [e.market, e.stage, e.kind, e.raw_key === null])).toEqual([
      ['BTCUSDT', 'fetch', 'http_418', false],
      ['BTCUSDT', 'fetch', 'trades_venue_blocked', true],
      ['ETHUSDT', 'fetch', 'venue_blocked', true],
      ['ETHUSDT', 'fetch', 'trades_venue_blocked', true],
    ]);
    expect(summary.tradesFailed).toBe(2);
    expect((await readSnapshot(h.store, outcomeOf(summary, 'BTCUSDT').rawKey ?? '')).meta.status).toBe(418);
    expect((await loadedSnapshots(h.warehouse, summary.runId)).map((s) => s.symbol)).toEqual(['BTC-USD']);
    await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT);
  });

  it('every market failing exits 2 with status failed, and keeps every response', async () => {
    for (const m of MARKETS) h.sim.injectFault({ venue: m.venue, symbol: m.symbol }, { kind: 'html' }, 10);
    const summary = await h.run();
    expect(summary.exitCode).toBe(2);
    expect(await runRow(h.warehouse, summary.runId)).toMatchObject({
      status: 'failed',
      markets_ok: 0,
      markets_failed: 3,
    });
    expect(await loadedSnapshots(h.warehouse, summary.runId)).toEqual([]);
    expect(await rawKeys(h.store)).toHaveLength(3);
    await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT);
  });
});

interface TradesCase {
  name: string;
  symbol: 'BTC-USD' | 'BTCUSDT';
  fault: Fault;
  times: number;
  /** Trades requests the market should cost (attempts, with HTTP_RETRIES=2). */
  requests: number;
  /** null: the trades load in the end (`trades` of them). */
  failure: { stage: string; kind: string; message: RegExp } | null;
  trades?: number;
  raw: { status: number; payload: 'json' | 'text' } | null;
}

// The same faults on the trades endpoints: whatever happens to a market's trades, its book loads.
const TRADES_CASES: TradesCase[] = [
  {
    name: '5xx twice, then success',
    symbol: 'BTC-USD',
    fault: { kind: 'status', status: 503 },
    times: 2,
    requests: 3,
    failure: null,
    trades: 1000,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: '5xx on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'status', status: 500 },
    times: 10,
    requests: 3,
    failure: {
      stage: 'fetch',
      kind: 'trades_http_500',
      message: /^binance:BTCUSDT: trades: GET .* answered HTTP 500 after 3 attempt\(s\)/,
    },
    raw: { status: 500, payload: 'json' },
  },
  {
    name: 'a timeout on every attempt',
    symbol: 'BTC-USD',
    fault: { kind: 'delay', ms: 1500 },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'trades_timeout', message: /trades: .*no complete response in 400 ms/ },
    raw: null,
  },
  {
    name: 'connection reset on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'reset' },
    times: 10,
    requests: 3,
    failure: { stage: 'fetch', kind: 'trades_network', message: /ECONNRESET|socket hang up|aborted/ },
    raw: null,
  },
  {
    name: 'truncated JSON on every attempt',
    symbol: 'BTC-USD',
    fault: { kind: 'truncate' },
    times: 10,
    requests: 3,
    failure: { stage: 'parse', kind: 'trades_not_json', message: /trades: body is not JSON/ },
    raw: { status: 200, payload: 'text' },
  },
  {
    name: 'an HTML error page with status 200 on every attempt',
    symbol: 'BTCUSDT',
    fault: { kind: 'html' },
    times: 10,
    requests: 3,
    failure: { stage: 'parse', kind: 'trades_not_json', message: /trades: body is not JSON/ },
    raw: { status: 200, payload: 'text' },
  },
  {
    name: 'an HTML error page with status 200 once: retried, then loads',
    symbol: 'BTCUSDT',
    fault: { kind: 'html' },
    times: 1,
    requests: 2,
    failure: null,
    trades: 1000,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'schema-invalid trades',
    symbol: 'BTC-USD',
    fault: { kind: 'schema' },
    times: 1,
    requests: 1,
    failure: { stage: 'parse', kind: 'trades_schema', message: /trades: unexpected payload shape/ },
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'no trades at all (an empty list is an answer)',
    symbol: 'BTCUSDT',
    fault: { kind: 'empty' },
    times: 1,
    requests: 1,
    failure: null,
    trades: 0,
    raw: { status: 200, payload: 'json' },
  },
  {
    name: 'a body over the size cap: not retried, not kept',
    symbol: 'BTC-USD',
    fault: { kind: 'oversize', bytes: 300_000 },
    times: 10,
    requests: 1,
    failure: { stage: 'fetch', kind: 'trades_too_large', message: /200000/ },
    raw: null,
  },
];

describe('trades faults, end to end', () => {
  it.each(TRADES_CASES)('$name', async (c) => {
    h.sim.injectFault({ venue: venueOf(c.symbol), endpoint: 'trades', symbol: c.symbol }, c.fault, c.times);
    const summary = await h.run({ HTTP_MAX_BYTES: '200000' });

    expect(h.sim.requests.filter((r) => r.endpoint === 'trades' && r.symbol === c.symbol)).toHaveLength(
      c.requests,
    );
    expect(summary.exitCode).toBe(c.failure ? 2 : 0);
    expect(summary.tradesFailed).toBe(c.failure ? 1 : 0);
    // Every book loads, the faulty market's included.
    expect((await loadedSnapshots(h.warehouse, summary.runId)).map((s) => s.symbol)).toEqual(ALL);

    const faulty = outcomeOf(summary, c.symbol).trades;
    const errors = await errorRows(h.warehouse, summary.runId);
    if (c.failure) {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        exchange: venueOf(c.symbol),
        market: c.symbol,
        stage: c.failure.stage,
        kind: c.failure.kind,
        raw_key: faulty?.rawKey,
      });
      expect(errors[0]?.message).toMatch(c.failure.message);
      expect(await runRow(h.warehouse, summary.runId)).toMatchObject({
        status: 'partial',
        markets_ok: 3,
        markets_failed: 0,
        trades_failed: 1,
      });
    } else {
      expect(errors).toEqual([]);
      expect(faulty?.trades).toBe(c.trades);
      expect(await runRow(h.warehouse, summary.runId)).toMatchObject({ status: 'ok', trades_failed: 0 });
    }

    const kept = await tradeKeys(h.store);
    if (c.raw) {
      const record = await readTrades(h.store, faulty?.rawKey ?? '');
      expect(record.meta.status).toBe(c.raw.status);
      expect(record.payloadKind).toBe(c.raw.payload);
      expect(kept).toHaveLength(3);
    } else {
      expect(faulty?.rawKey).toBeNull();
      expect(kept).toHaveLength(2);
    }
    await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT);
  });
});
