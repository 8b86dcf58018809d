import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimMarket, type Simulator } from '../../src/simulator/index.ts';
import { DECIMAL, expectSaneBook, get, json, type Level } from './helpers.ts';

const BTC: SimMarket = {
  venue: 'coinbase',
  symbol: 'BTC-USD',
  base: 'BTC',
  quote: 'USD',
  startMid: '84712.35',
  tickSize: '0.01',
  levels: 22_000,
};
const ETH: SimMarket = { ...BTC, symbol: 'ETH-USD', base: 'ETH', startMid: '3201.47', levels: 200 };
const BIG_SEQUENCE = 2n ** 53n + 7n;

interface CoinbaseBook {
  bids: Level[];
  asks: Level[];
  sequence: number;
  auction_mode: boolean;
  auction: null;
  time: string;
}

let sim: Simulator;
const clock = Date.UTC(2026, 8, 2, 7, 1, 32, 123);

beforeAll(async () => {
  sim = await startSimulator({
    seed: 11,
    markets: [BTC, { ...ETH, startSequence: BIG_SEQUENCE }],
    now: () => clock,
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.resetRequests();
});

describe('coinbase GET /products/{id}/book', () => {
  it('serves a full level-2 book of 22,000 levels per side, in the venue shape', async () => {
    const res = await get(`${sim.url}/products/BTC-USD/book?level=2`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.text).toMatch(/^\{"bids":\[\["\d/);
    expect(res.text).toMatch(/\],"sequence":\d+,"auction_mode":false,"auction":null,"time":"[^"]+"\}$/);
    const book = json(res) as CoinbaseBook;
    expect(Object.keys(book)).toEqual(['bids', 'asks', 'sequence', 'auction_mode', 'auction', 'time']);
    expect(book.bids).toHaveLength(22_000);
    expect(book.asks).toHaveLength(22_000);
    expectSaneBook(book);
    expect(book.time).toBe(`2026-09-02T07:01:32.123${book.time.slice(23, 29)}Z`);
    expect(book.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const levels = [...book.bids, ...book.asks];
    // Coinbase never prints trailing fraction zeros (nor a bare dot).
    const padded = levels.filter(([price, size]) => /(\.\d*0|\.)$/.test(price) || /(\.\d*0|\.)$/.test(size));
    expect(padded).toEqual([]);
    const orderCounts = new Set(levels.map((level) => level[2]));
    expect(
      [...orderCounts].every((n) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 20),
    ).toBe(true);
    expect(orderCounts.size).toBe(20);
    expect(new Set(levels.map(([, size]) => size.split('.')[1]?.length ?? 0)).size).toBeGreaterThan(5);
    const spread = Number(book.asks[0]?.[0]) - Number(book.bids[0]?.[0]);
    expect(spread).toBeGreaterThan(0);
    expect(spread).toBeLessThan(0.05);
  });

  it('writes a sequence above 2^53 digit for digit, and raises it on every book', async () => {
    const first = await get(`${sim.url}/products/ETH-USD/book?level=2`);
    expect(first.text).toContain(`"sequence":${BIG_SEQUENCE.toString()},`);
    const second = await get(`${sim.url}/products/ETH-USD/book?level=1`);
    const next = BigInt(/"sequence":(\d+)/.exec(second.text)?.[1] ?? '0');
    expect(next).toBeGreaterThan(BIG_SEQUENCE);
  });

  it('answers level=1 with the best level only, level=3 with order ids, other levels with 400', async () => {
    const one = json(await get(`${sim.url}/products/BTC-USD/book?level=1`)) as CoinbaseBook;
    expect(one.bids).toHaveLength(1);
    expect(one.asks).toHaveLength(1);
    expectSaneBook(one);
    const byDefault = json(await get(`${sim.url}/products/BTC-USD/book`)) as CoinbaseBook;
    expect(byDefault.bids).toHaveLength(1);

    const three = json(await get(`${sim.url}/products/ETH-USD/book?level=3`)) as CoinbaseBook;
    expect(three.bids).toHaveLength(200);
    expect(three.bids[0]?.[2]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const bad = await get(`${sim.url}/products/BTC-USD/book?level=7`);
    expect(bad.status).toBe(400);
    expect(json(bad)).toEqual({ message: 'Invalid level' });
  });

  it('refuses a request without User-Agent with 400, on every endpoint', async () => {
    for (const path of ['/products', '/products/BTC-USD', '/products/BTC-USD/book?level=2', '/time']) {
      const res = await get(`${sim.url}${path}`, { userAgent: null });
      expect(res.status).toBe(400);
      expect(res.text).toBe('{"message":"User-Agent header is required."}');
    }
    expect(sim.requests.map((r) => [r.userAgent, r.status])).toEqual(Array(4).fill([null, 400]));
  });

  it('answers 404 NotFound for an unknown product or path', async () => {
    for (const path of [
      '/products/DOGE-EUR/book?level=2',
      '/products/DOGE-EUR',
      '/products/BTC-USD/candles',
      '/nope',
    ]) {
      const res = await get(`${sim.url}${path}`);
      expect(res.status).toBe(404);
      expect(json(res)).toEqual({ message: 'NotFound' });
    }
  });

  it('matches product ids case-insensitively, as Coinbase does', async () => {
    const res = await get(`${sim.url}/products/btc-usd/book?level=1`);
    expect(res.status).toBe(200);
  });
});

describe('coinbase GET /products', () => {
  it('lists every product with the fields clients read, increments as decimal strings', async () => {
    const res = await get(`${sim.url}/products`);
    expect(res.status).toBe(200);
    const products = json(res) as Record<string, unknown>[];
    expect(products.map((p) => p['id'])).toEqual(['BTC-USD', 'ETH-USD']);
    const btc = products[0] ?? {};
    expect(btc).toMatchObject({
      id: 'BTC-USD',
      base_currency: 'BTC',
      quote_currency: 'USD',
      quote_increment: '0.01',
      base_increment: '0.00000001',
      display_name: 'BTC-USD',
      min_market_funds: '1',
      status: 'online',
      trading_disabled: false,
      auction_mode: false,
    });
    for (const key of [
      'base_min_size',
      'base_max_size',
      'quote_increment',
      'base_increment',
      'min_market_funds',
    ]) {
      expect(btc[key]).toMatch(DECIMAL);
    }
  });

  it('serves one product at /products/{id}', async () => {
    const res = await get(`${sim.url}/products/ETH-USD`);
    expect(json(res)).toMatchObject({ id: 'ETH-USD', base_currency: 'ETH', quote_increment: '0.01' });
  });
});

describe('coinbase rate limit (when enforced)', () => {
  it('answers the 11th request within a second with 429, and serves again a second later', async () => {
    let now = 1_000_000;
    const limited = await startSimulator({ markets: [ETH], enforceRateLimits: true, now: () => now });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await get(`${limited.url}/products/ETH-USD/book`)).status);
      expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
      const refused = await get(`${limited.url}/products`);
      expect(refused.status).toBe(429);
      expect(json(refused)).toEqual({ message: 'Public rate limit exceeded' });
      now += 1001;
      expect((await get(`${limited.url}/products`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('is off by default', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async () => (await get(`${sim.url}/products/ETH-USD/book`)).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe('determinism', () => {
  it('serves the same books for the same seed (time aside) and different ones for another seed', async () => {
    const bodies = async (seed: number): Promise<string[]> => {
      const s = await startSimulator({ seed, markets: [ETH] });
      try {
        const out: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await get(`${s.url}/products/ETH-USD/book?level=2`);
          out.push(res.text.replace(/"time":"[^"]+"/, ''));
        }
        return out;
      } finally {
        await s.close();
      }
    };
    const a = await bodies(5);
    expect(await bodies(5)).toEqual(a);
    expect(await bodies(6)).not.toEqual(a);
    expect(new Set(a).size).toBe(3);
  });
});
