import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimMarket, type Simulator } from '../../src/simulator/index.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { expectSaneBook, get, json, type Level } from './helpers.ts';

const BTC: SimMarket = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  startMid: '84705.63',
  tickSize: '0.01',
  levels: 6000,
};
const ETH: SimMarket = { ...BTC, symbol: 'ETHUSDT', base: 'ETH', startMid: '3200.91', levels: 300 };
const BIG_ID = 2n ** 53n + 1n;
const RECORDED = fixturePath('binance-depth-BTCUSDT-5-soworks.json');

interface Depth {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

const EIGHT_DECIMALS = /^\d+\.\d{8}$/;
// Pinned 15 s into a minute, so weight windows and Retry-After are exact.
let clock = Date.UTC(2026, 8, 2, 7, 1, 15, 0);
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    seed: 3,
    markets: [
      { ...BTC, startSequence: BIG_ID },
      ETH,
      { ...BTC, symbol: 'BTCFDUSD', quote: 'FDUSD', recorded: RECORDED },
    ],
    now: () => clock,
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  // A fresh minute per test: the weight header counts from zero.
  clock += 60_000;
  sim.resetRequests();
});

describe('binance GET /api/v3/depth', () => {
  it('serves compact JSON with 8-decimal strings, sorted, lastUpdateId above 2^53 exact', async () => {
    const res = await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=5`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.text).toMatch(
      new RegExp(`^\\{"lastUpdateId":${BIG_ID.toString()},"bids":\\[\\["\\d+\\.\\d{8}","`),
    );
    const depth = json(res) as Depth;
    expect(Object.keys(depth)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(depth.bids).toHaveLength(5);
    expect(depth.asks).toHaveLength(5);
    for (const level of [...depth.bids, ...depth.asks]) {
      expect(level).toHaveLength(2);
      expect(level[0]).toMatch(EIGHT_DECIMALS);
      expect(level[1]).toMatch(EIGHT_DECIMALS);
      // LOT_SIZE stepSize 0.00001: the last three decimals are zero.
      expect(level[1].endsWith('000')).toBe(true);
    }
    expectSaneBook(depth);
    const next = await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=5`);
    expect(BigInt(/"lastUpdateId":(\d+)/.exec(next.text)?.[1] ?? '0')).toBeGreaterThan(BIG_ID);
  });

  it('returns min(limit, levels) per side: default 100, clamps above 5000', async () => {
    const sides = async (query: string, symbol = 'BTCUSDT'): Promise<number[]> => {
      const depth = json(await get(`${sim.url}/api/v3/depth?symbol=${symbol}${query}`)) as Depth;
      expectSaneBook(depth);
      return [depth.bids.length, depth.asks.length];
    };
    expect(await sides('')).toEqual([100, 100]);
    expect(await sides('&limit=1')).toEqual([1, 1]);
    expect(await sides('&limit=1000')).toEqual([1000, 1000]);
    expect(await sides('&limit=9999')).toEqual([5000, 5000]);
    expect(await sides('&limit=1000', 'ETHUSDT')).toEqual([300, 300]);
  });

  it('reports the minute used weight, by limit, on every response', async () => {
    const weights: string[] = [];
    for (const limit of [5, 100, 101, 500, 501, 1000, 1001, 5000, 9999]) {
      const res = await get(`${sim.url}/api/v3/depth?symbol=ETHUSDT&limit=${limit}`);
      weights.push(String(res.headers['x-mbx-used-weight-1m']));
    }
    // 5, 5, 25, 25, 50, 50, 250, 250, 250 cumulated.
    expect(weights).toEqual(['5', '10', '35', '60', '110', '160', '410', '660', '910']);
    const info = await get(`${sim.url}/api/v3/exchangeInfo`);
    expect(info.headers['x-mbx-used-weight-1m']).toBe('930');
    expect(info.headers['x-mbx-used-weight']).toBe('930');
    const bad = await get(`${sim.url}/api/v3/depth?symbol=NOPE`);
    expect(bad.headers['x-mbx-used-weight-1m']).toBe('935');
    clock += 60_000;
    const fresh = await get(`${sim.url}/api/v3/depth?symbol=ETHUSDT`);
    expect(fresh.headers['x-mbx-used-weight-1m']).toBe('5');
  });

  it('rejects bad parameters the way Binance does', async () => {
    const cases: [string, number, number][] = [
      ['symbol=NOPEUSDT', 400, -1121],
      ['symbol=btcusdt', 400, -1100],
      ['', 400, -1102],
      ['symbol=BTCUSDT&limit=abc', 400, -1100],
      ['symbol=BTCUSDT&limit=0', 400, -1100],
    ];
    for (const [query, status, code] of cases) {
      const res = await get(`${sim.url}/api/v3/depth?${query}`);
      expect([query, res.status, (json(res) as { code: number }).code]).toEqual([query, status, code]);
    }
    expect(json(await get(`${sim.url}/api/v3/depth?symbol=NOPEUSDT`))).toEqual({
      code: -1121,
      msg: 'Invalid symbol.',
    });
  });

  it('serves a recorded body byte-for-byte for a recorded market', async () => {
    const res = await get(`${sim.url}/api/v3/depth?symbol=BTCFDUSD&limit=5`);
    expect(res.status).toBe(200);
    expect(res.body.equals(readFileSync(RECORDED))).toBe(true);
  });

  it('answers an unknown path with a 404 JSON body', async () => {
    const res = await get(`${sim.url}/api/v3/ticker/bookTicker?symbol=BTCUSDT`);
    expect(res.status).toBe(404);
    expect(json(res)).toMatchObject({ code: -1000 });
  });
});

describe('binance GET /api/v3/exchangeInfo', () => {
  interface Info {
    timezone: string;
    serverTime: number;
    rateLimits: { rateLimitType: string; interval: string; intervalNum: number; limit: number }[];
    exchangeFilters: unknown[];
    symbols: {
      symbol: string;
      status: string;
      baseAsset: string;
      quoteAsset: string;
      filters: Record<string, unknown>[];
    }[];
  }

  it('lists symbols with their filters, rate limits and server time', async () => {
    const res = await get(`${sim.url}/api/v3/exchangeInfo`);
    expect(res.status).toBe(200);
    const info = json(res) as Info;
    expect(info.timezone).toBe('UTC');
    expect(info.serverTime).toBe(clock);
    expect(info.exchangeFilters).toEqual([]);
    expect(info.rateLimits).toContainEqual({
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'MINUTE',
      intervalNum: 1,
      limit: 6000,
    });
    expect(info.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCFDUSD']);
    const btc = info.symbols[0];
    expect(btc).toMatchObject({
      symbol: 'BTCUSDT',
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      baseAssetPrecision: 8,
      quotePrecision: 8,
    });
    expect(btc?.filters.find((f) => f['filterType'] === 'PRICE_FILTER')).toMatchObject({
      tickSize: '0.01000000',
      minPrice: '0.01000000',
    });
    expect(btc?.filters.find((f) => f['filterType'] === 'LOT_SIZE')).toMatchObject({
      stepSize: '0.00001000',
      minQty: '0.00001000',
    });
    const eth = info.symbols[1];
    expect(eth?.filters.find((f) => f['filterType'] === 'LOT_SIZE')).toMatchObject({
      stepSize: '0.00010000',
    });
  });

  it('filters by symbol or by a JSON array of symbols, and refuses unknown ones', async () => {
    const one = json(await get(`${sim.url}/api/v3/exchangeInfo?symbol=ETHUSDT`)) as Info;
    expect(one.symbols.map((s) => s.symbol)).toEqual(['ETHUSDT']);
    const list = encodeURIComponent('["ETHUSDT","BTCUSDT"]');
    const many = json(await get(`${sim.url}/api/v3/exchangeInfo?symbols=${list}`)) as Info;
    expect(many.symbols.map((s) => s.symbol)).toEqual(['ETHUSDT', 'BTCUSDT']);

    const unknown = await get(`${sim.url}/api/v3/exchangeInfo?symbol=NOPEUSDT`);
    expect([unknown.status, json(unknown)]).toEqual([400, { code: -1121, msg: 'Invalid symbol.' }]);
    const unknownInList = await get(
      `${sim.url}/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT","NOPE"]')}`,
    );
    expect([unknownInList.status, (json(unknownInList) as { code: number }).code]).toEqual([400, -1121]);
    const notJson = await get(`${sim.url}/api/v3/exchangeInfo?symbols=BTCUSDT`);
    expect([notJson.status, (json(notJson) as { code: number }).code]).toEqual([400, -1100]);
  });
});

describe('binance weight limit (when enforced)', () => {
  it('answers 429 with Retry-After to the next minute once 6000 weight is used', async () => {
    let now = Date.UTC(2026, 8, 2, 7, 1, 15, 400);
    const limited = await startSimulator({
      markets: [{ ...ETH, levels: 20 }],
      enforceRateLimits: true,
      now: () => now,
    });
    try {
      const used: string[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await get(`${limited.url}/api/v3/depth?symbol=ETHUSDT&limit=5000`);
        expect(res.status).toBe(200);
        used.push(String(res.headers['x-mbx-used-weight-1m']));
      }
      expect(used.at(-1)).toBe('6000');
      const refused = await get(`${limited.url}/api/v3/depth?symbol=ETHUSDT&limit=5000`);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('45');
      expect(refused.headers['x-mbx-used-weight-1m']).toBe('6000');
      expect(json(refused)).toMatchObject({ code: -1003 });
      expect((json(refused) as { msg: string }).msg).toMatch(/^Too much request weight used/);
      // Even the lightest depth request would pass the cap now.
      expect((await get(`${limited.url}/api/v3/depth?symbol=ETHUSDT&limit=5`)).status).toBe(429);
      now = Date.UTC(2026, 8, 2, 7, 2, 0, 0);
      const again = await get(`${limited.url}/api/v3/depth?symbol=ETHUSDT&limit=5000`);
      expect([again.status, again.headers['x-mbx-used-weight-1m']]).toEqual([200, '250']);
    } finally {
      await limited.close();
    }
  });
});

describe('resetting the rate-limit counts', () => {
  it('starts the minute weight from zero within the same minute, in process and over HTTP', async () => {
    const now = Date.UTC(2026, 8, 2, 7, 1, 15, 400);
    const limited = await startSimulator({
      markets: [{ ...ETH, levels: 20 }],
      enforceRateLimits: true,
      now: () => now,
    });
    const depth = () => get(`${limited.url}/api/v3/depth?symbol=ETHUSDT&limit=5000`);
    try {
      for (let i = 0; i < 24; i++) await depth();
      expect((await depth()).status).toBe(429);
      limited.resetRateLimits();
      const fresh = await depth();
      expect([fresh.status, fresh.headers['x-mbx-used-weight-1m']]).toEqual([200, '250']);
      for (let i = 0; i < 23; i++) await depth();
      expect((await depth()).status).toBe(429);
      expect((await get(`${limited.url}/__sim/limits`, { method: 'DELETE' })).status).toBe(204);
      const again = await depth();
      expect([again.status, again.headers['x-mbx-used-weight-1m']]).toEqual([200, '250']);
      // The request log is a different thing and is kept.
      expect(limited.requests).toHaveLength(51);
    } finally {
      await limited.close();
    }
  });
});
