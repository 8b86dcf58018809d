import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { get, json, units, type Level } from './helpers.ts';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 21, markets: defaultSimMarkets(50) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

const cbBook = (symbol = 'BTC-USD') => `${sim.url}/products/${symbol}/book?level=2`;
const bnDepth = (symbol = 'BTCUSDT') => `${sim.url}/api/v3/depth?symbol=${symbol}&limit=20`;
const notJson = (text: string) => () => JSON.parse(text) as unknown;

describe('status faults', () => {
  it('answers the status with Retry-After and the venue error body', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'status', status: 503, retryAfter: 7 });
    const cb = await get(cbBook());
    expect([cb.status, cb.headers['retry-after']]).toEqual([503, '7']);
    expect(json(cb)).toEqual({ message: 'Service Unavailable' });

    sim.injectFault({ venue: 'binance' }, { kind: 'status', status: 429, retryAfter: 30 });
    const bn = await get(bnDepth());
    expect([bn.status, bn.headers['retry-after']]).toEqual([429, '30']);
    expect(json(bn)).toMatchObject({ code: -1003 });
    expect(bn.headers['x-mbx-used-weight-1m']).toMatch(/^\d+$/);

    sim.injectFault({ venue: 'binance' }, { kind: 'status', status: 418 });
    const banned = await get(bnDepth());
    expect([banned.status, banned.headers['retry-after']]).toEqual([418, undefined]);
  });

  it('sends a given body, as HTML when it is markup', async () => {
    sim.injectFault(
      { venue: 'coinbase' },
      { kind: 'status', status: 502, body: '<html><body>502 Bad Gateway</body></html>' },
    );
    const res = await get(cbBook());
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toBe('<html><body>502 Bad Gateway</body></html>');
  });

  it('consumes queued faults in order, `times` repeating one, then answers normally', async () => {
    sim.injectFault({ venue: 'binance' }, { kind: 'status', status: 503 }, 2);
    sim.injectFault({ venue: 'binance' }, { kind: 'status', status: 500 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(bnDepth())).status);
    expect(statuses).toEqual([503, 503, 500, 200]);
  });

  it('hits only its target: venue, endpoint and symbol', async () => {
    sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'status', status: 500 });
    sim.injectFault({ venue: 'coinbase', endpoint: 'products' }, { kind: 'status', status: 502 });
    sim.injectFault({ venue: 'binance', endpoint: 'exchangeInfo' }, { kind: 'status', status: 504 });
    expect((await get(cbBook('BTC-USD'))).status).toBe(200);
    expect((await get(bnDepth())).status).toBe(200);
    expect((await get(cbBook('ETH-USD'))).status).toBe(500);
    expect((await get(`${sim.url}/products`)).status).toBe(502);
    expect((await get(`${sim.url}/api/v3/exchangeInfo`)).status).toBe(504);
    expect((await get(`${sim.url}/products`)).status).toBe(200);
  });

  it('is not consumed by a request the venue refuses itself (no User-Agent)', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'status', status: 500 });
    expect((await get(cbBook(), { userAgent: null })).status).toBe(400);
    expect((await get(cbBook())).status).toBe(500);
  });
});

describe('transport faults', () => {
  it('delay: answers normally after at least the delay', async () => {
    sim.injectFault({ venue: 'binance' }, { kind: 'delay', ms: 150 });
    const res = await get(bnDepth());
    expect(res.timing.headers).toBeGreaterThanOrEqual(149);
    expect(res.status).toBe(200);
    expect((json(res) as { bids: Level[] }).bids).toHaveLength(20);
  });

  it('slowBody: sends the head and part of the body, the rest after the pause', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'slowBody', ms: 150 });
    const res = await get(cbBook());
    expect(res.status).toBe(200);
    expect(res.firstChunkBytes).toBeLessThan(res.body.length);
    expect(res.timing.end).toBeGreaterThanOrEqual(149);
    expect(res.body.length).toBe(Number(res.headers['content-length']));
    expect((json(res) as { bids: Level[] }).bids).toHaveLength(50);
  });

  it('reset: the client gets a socket error mid-response', async () => {
    sim.injectFault({ venue: 'binance' }, { kind: 'reset' });
    const failure = await get(bnDepth()).then(
      () => null,
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    expect(failure?.code).toBe('ECONNRESET');
    sim.injectFault({ venue: 'coinbase' }, { kind: 'reset' });
    const res = await fetch(cbBook(), { headers: { 'User-Agent': 't' } });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(sim.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('truncate: a 200 whose body stops mid-JSON, Content-Length matching what was sent', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'truncate' });
    const res = await get(cbBook());
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.text.startsWith('{"bids":[[')).toBe(true);
    expect(notJson(res.text)).toThrow(SyntaxError);
  });

  it('malformed: a 200 application/json that is not JSON', async () => {
    sim.injectFault({ venue: 'binance' }, { kind: 'malformed' });
    const res = await get(bnDepth());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(notJson(res.text)).toThrow(SyntaxError);
  });

  it('html: a 200 text/html page', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'html' });
    const res = await get(cbBook());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('oversize: a 200 of exactly the asked bytes, still the book when read in full', async () => {
    sim.injectFault({ venue: 'binance' }, { kind: 'oversize', bytes: 3_000_000 });
    const res = await get(bnDepth());
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('3000000');
    expect(res.body.length).toBe(3_000_000);
    expect((json(res) as { bids: Level[] }).bids).toHaveLength(20);
  });
});

describe('content faults', () => {
  const best = (levels: Level[]) => units(levels[0]?.[0] ?? '0');

  it('crossed: valid JSON with the best bid above the best ask', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'crossed' });
    sim.injectFault({ venue: 'binance' }, { kind: 'crossed' });
    for (const url of [cbBook(), bnDepth()]) {
      const book = json(await get(url)) as { bids: Level[]; asks: Level[] };
      expect(best(book.bids)).toBeGreaterThanOrEqual(best(book.asks));
    }
  });

  it('empty: no levels on the side asked (both by default)', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'empty' });
    sim.injectFault({ venue: 'binance' }, { kind: 'empty', side: 'asks' });
    const cb = json(await get(cbBook())) as { bids: Level[]; asks: Level[]; sequence: number };
    expect([cb.bids, cb.asks]).toEqual([[], []]);
    expect(cb.sequence).toBeGreaterThan(0);
    const bn = json(await get(bnDepth())) as { bids: Level[]; asks: Level[] };
    expect([bn.bids.length, bn.asks.length]).toEqual([20, 0]);
  });

  it('schema: JSON of the wrong shape on every endpoint', async () => {
    sim.injectFault({ venue: 'coinbase' }, { kind: 'schema' });
    const cb = json(await get(cbBook())) as Record<string, unknown> & { bids: unknown[][] };
    expect(cb['sequence']).toBeUndefined();
    expect(typeof cb.bids[0]?.[0]).toBe('number');

    sim.injectFault({ venue: 'binance' }, { kind: 'schema' });
    const bn = json(await get(bnDepth())) as Record<string, unknown> & { bids: unknown[][] };
    expect(bn['lastUpdateId']).toBeUndefined();
    expect(typeof bn.bids[0]?.[1]).toBe('number');

    sim.injectFault({ venue: 'coinbase', endpoint: 'products' }, { kind: 'schema' });
    const products = json(await get(`${sim.url}/products`)) as Record<string, unknown>[];
    expect(products[0]?.['id']).toBeUndefined();
    expect(typeof products[0]?.['quote_increment']).toBe('number');

    sim.injectFault({ venue: 'binance', endpoint: 'exchangeInfo' }, { kind: 'schema' });
    const info = json(await get(`${sim.url}/api/v3/exchangeInfo`)) as Record<string, unknown>;
    expect(Array.isArray(info['symbols'])).toBe(false);
  });
});

describe('injectFault validation', () => {
  it('refuses a fault that is not one', () => {
    expect(() => {
      sim.injectFault({ venue: 'coinbase' }, { kind: 'status', status: 1000 });
    }).toThrow();
    expect(() => {
      sim.injectFault({ venue: 'coinbase' }, { kind: 'delay', ms: 10 }, 0);
    }).toThrow();
  });
});

describe('control API over HTTP', () => {
  const post = (body: unknown) =>
    get(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(body) });

  it('injects faults with times, and clears them', async () => {
    const injected = await post({
      target: { venue: 'binance', symbol: 'BTCUSDT' },
      fault: { kind: 'status', status: 500 },
      times: 2,
    });
    expect(injected.status).toBe(204);
    expect((await get(bnDepth())).status).toBe(500);
    expect((await get(bnDepth('ETHUSDT'))).status).toBe(200);
    expect((await get(bnDepth())).status).toBe(500);
    expect((await get(bnDepth())).status).toBe(200);

    expect((await post({ target: { venue: 'coinbase' }, fault: { kind: 'html' } })).status).toBe(204);
    expect((await get(`${sim.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await get(cbBook())).headers['content-type']).toMatch(/^application\/json/);
  });

  it('refuses an invalid fault with 400 and says why', async () => {
    const res = await post({ target: { venue: 'bitstamp' }, fault: { kind: 'status', status: 500 } });
    expect(res.status).toBe(400);
    expect((json(res) as { message: string }).message).toMatch(/venue/);
    const notJsonBody = await get(`${sim.url}/__sim/faults`, { method: 'POST', body: '{' });
    expect(notJsonBody.status).toBe(400);
  });

  it('lists and clears the request log, which records what each client sent and got', async () => {
    const before = Date.now();
    await get(cbBook('ETH-USD'), { userAgent: 'etl/1.0' });
    await get(`${sim.url}/api/v3/depth?symbol=NOPE`, { userAgent: null });
    await get(`${sim.url}/api/v3/exchangeInfo?symbol=ETHUSDT`);
    await get(`${sim.url}/products`);
    await get(`${sim.url}/favicon.ico`);
    const after = Date.now();
    const listed = await get(`${sim.url}/__sim/requests`);
    expect(listed.status).toBe(200);
    const records = json(listed) as Simulator['requests'];
    expect(records).toEqual(sim.requests);
    expect(
      records.map(({ venue, endpoint, symbol, url, userAgent, status }) => ({
        venue,
        endpoint,
        symbol,
        url,
        userAgent,
        status,
      })),
    ).toEqual([
      {
        venue: 'coinbase',
        endpoint: 'book',
        symbol: 'ETH-USD',
        url: '/products/ETH-USD/book?level=2',
        userAgent: 'etl/1.0',
        status: 200,
      },
      {
        venue: 'binance',
        endpoint: 'book',
        symbol: 'NOPE',
        url: '/api/v3/depth?symbol=NOPE',
        userAgent: null,
        status: 400,
      },
      {
        venue: 'binance',
        endpoint: 'exchangeInfo',
        symbol: 'ETHUSDT',
        url: '/api/v3/exchangeInfo?symbol=ETHUSDT',
        userAgent: 'orderbook-etl-test/1.0',
        status: 200,
      },
      {
        venue: 'coinbase',
        endpoint: 'products',
        symbol: null,
        url: '/products',
        userAgent: 'orderbook-etl-test/1.0',
        status: 200,
      },
      {
        venue: 'coinbase',
        endpoint: 'unknown',
        symbol: null,
        url: '/favicon.ico',
        userAgent: 'orderbook-etl-test/1.0',
        status: 404,
      },
    ]);
    for (const r of records) {
      expect(r.at).toBeGreaterThanOrEqual(before);
      expect(r.at).toBeLessThanOrEqual(after);
    }
    expect((await get(`${sim.url}/__sim/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(json(await get(`${sim.url}/__sim/requests`))).toEqual([]);
  });
});

describe('close', () => {
  it('resolves promptly with a response still stalled, cutting the client off', async () => {
    const s = await startSimulator({ markets: defaultSimMarkets(10) });
    s.injectFault({ venue: 'binance' }, { kind: 'slowBody', ms: 60_000 });
    const pending = get(`${s.url}/api/v3/depth?symbol=BTCUSDT`).then(
      () => 'completed',
      () => 'cut off',
    );
    while (s.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    await s.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await pending).toBe('cut off');
  });
});
