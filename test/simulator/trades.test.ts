import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTrades } from '../../src/venues/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { TAPE_KEEP, TRADE_GAP_MS } from '../../src/simulator/trades.ts';
import { get, json } from './helpers.ts';

// Pinned clock: the tape is a function of the seed and the time asked, nothing else.
const START = Date.UTC(2026, 10, 21, 13, 0, 15, 0);
let clock = START;
let sim: Simulator;
let twin: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, markets: defaultSimMarkets(20), now: () => clock });
  twin = await startSimulator({ seed: 9, markets: defaultSimMarkets(20), now: () => clock });
});
afterAll(async () => {
  await sim.close();
  await twin.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

interface CoinbaseTrade {
  trade_id: number;
  side: string;
  size: string;
  price: string;
  time: string;
}
interface BinanceTrade {
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
  isBestMatch: boolean;
}

const cbTrades = (base: string, query = 'limit=1000') => get(`${base}/products/BTC-USD/trades?${query}`);
const bnTrades = (base: string, query = 'symbol=BTCUSDT&limit=1000') => get(`${base}/api/v3/trades?${query}`);

describe('Coinbase GET /products/{id}/trades', () => {
  it('serves the newest trades first, ids counting down by one, in the documented shape', async () => {
    const res = await cbTrades(sim.url);
    expect(res.status).toBe(200);
    const trades = json(res) as CoinbaseTrade[];
    // The tape starts with TAPE_KEEP trades of history, so the first fetch is full.
    expect(trades).toHaveLength(1000);
    expect(Object.keys(trades[0] ?? {})).toEqual(['trade_id', 'side', 'size', 'price', 'time']);
    for (const [i, t] of trades.entries()) {
      expect(t.price).toMatch(/^\d+\.\d{8}$/);
      expect(t.size).toMatch(/^\d+\.\d{8}$/);
      expect(t.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(Date.parse(t.time)).toBeLessThanOrEqual(clock);
      if (i > 0) expect(t.trade_id).toBe((trades[i - 1]?.trade_id ?? 0) - 1);
    }
    expect(res.headers['cb-before']).toBe(String(trades[0]?.trade_id));
    expect(res.headers['cb-after']).toBe(String(trades.at(-1)?.trade_id));
    // What the ETL makes of it: a maker "sell" is a taker buy.
    const parsed = parseTrades('coinbase', 'BTC-USD', res.text).trades;
    expect(parsed).toHaveLength(1000);
    const newest = parsed.at(-1);
    expect(newest?.takerSide).toBe(trades[0]?.side === 'sell' ? 'buy' : 'sell');
  });

  it('pages with limit, after (older) and before (newer)', async () => {
    const all = json(await cbTrades(sim.url)) as CoinbaseTrade[];
    const newest = all[0]?.trade_id ?? 0;
    const five = json(await cbTrades(sim.url, 'limit=5')) as CoinbaseTrade[];
    expect(five.map((t) => t.trade_id)).toEqual([0, 1, 2, 3, 4].map((i) => newest - i));
    const older = json(await cbTrades(sim.url, `limit=3&after=${newest - 4}`)) as CoinbaseTrade[];
    expect(older.map((t) => t.trade_id)).toEqual([newest - 5, newest - 6, newest - 7]);
    const newer = json(await cbTrades(sim.url, `limit=2&before=${newest - 10}`)) as CoinbaseTrade[];
    expect(newer.map((t) => t.trade_id)).toEqual([newest - 8, newest - 9]);
    expect((await cbTrades(sim.url, 'limit=x')).status).toBe(400);
  });
});

describe('Binance GET /api/v3/trades', () => {
  it('serves the oldest first at weight 25, quoteQty = price × qty exactly', async () => {
    const res = await bnTrades(sim.url);
    expect(res.status).toBe(200);
    expect(res.headers['x-mbx-used-weight-1m']).toBe('25');
    const trades = json(res) as BinanceTrade[];
    expect(trades).toHaveLength(1000);
    expect(Object.keys(trades[0] ?? {})).toEqual([
      'id',
      'price',
      'qty',
      'quoteQty',
      'time',
      'isBuyerMaker',
      'isBestMatch',
    ]);
    for (const [i, t] of trades.entries()) {
      if (i > 0) expect(t.id).toBe((trades[i - 1]?.id ?? 0) + 1);
      expect(t.time).toBeLessThanOrEqual(clock);
      const [pw, pf = ''] = t.price.split('.');
      const [qw, qf = ''] = t.qty.split('.');
      const product = BigInt(`${pw}${pf}`) * BigInt(`${qw}${qf}`); // scale 16
      const [xw, xf = ''] = t.quoteQty.split('.');
      expect(BigInt(`${xw}${xf.padEnd(16, '0')}`)).toBe(product);
    }
    expect(trades[0]?.id).toBeGreaterThan(2 ** 32);
    const parsed = parseTrades('binance', 'BTCUSDT', res.text).trades;
    expect(parsed[0]?.takerSide).toBe(trades[0]?.isBuyerMaker ? 'sell' : 'buy');
  });

  it('answers 500 by default and clamps limit to 1000', async () => {
    expect(json(await bnTrades(sim.url, 'symbol=BTCUSDT'))).toHaveLength(500);
    expect(json(await bnTrades(sim.url, 'symbol=BTCUSDT&limit=5000'))).toHaveLength(1000);
    expect((await bnTrades(sim.url, 'symbol=NOPE')).status).toBe(400);
  });
});

describe('the tape', () => {
  it('is the same for the same seed and time, and advances with the clock', async () => {
    clock = START + 60_000;
    const first = json(await bnTrades(sim.url)) as BinanceTrade[];
    expect(json(await bnTrades(twin.url))).toEqual(first);
    clock += 10 * TRADE_GAP_MS;
    const later = json(await bnTrades(sim.url)) as BinanceTrade[];
    // Ten slots later: ten new trades at the end, the ten oldest gone, the rest the same.
    expect(later.slice(0, -10)).toEqual(first.slice(10));
    expect(later.at(-1)?.id).toBe((first.at(-1)?.id ?? 0) + 10);
    expect(later).toHaveLength(TAPE_KEEP);
    // The other venue's tape is its own.
    const cb = json(await cbTrades(sim.url)) as CoinbaseTrade[];
    expect(cb[0]?.trade_id).not.toBe(later.at(-1)?.id);
  });
});

describe('faults on the trades endpoints', () => {
  it('apply to trades when targeted, and leave books alone', async () => {
    sim.injectFault(
      { venue: 'coinbase', endpoint: 'trades', symbol: 'BTC-USD' },
      { kind: 'status', status: 502 },
    );
    expect((await get(`${sim.url}/products/BTC-USD/book?level=2`)).status).toBe(200);
    expect((await cbTrades(sim.url)).status).toBe(502);
    expect((await cbTrades(sim.url)).status).toBe(200);

    sim.injectFault({ venue: 'binance', endpoint: 'trades' }, { kind: 'html' });
    expect((await bnTrades(sim.url)).text).toMatch(/<html/);

    sim.injectFault({ venue: 'binance', endpoint: 'trades' }, { kind: 'schema' });
    const schema = json(await bnTrades(sim.url)) as { qty: unknown }[];
    expect(typeof schema[0]?.qty).toBe('number');

    sim.injectFault({ venue: 'coinbase', endpoint: 'trades' }, { kind: 'empty' });
    expect(json(await cbTrades(sim.url))).toEqual([]);

    sim.injectFault({ venue: 'coinbase', endpoint: 'trades' }, { kind: 'truncate' });
    const truncated = (await cbTrades(sim.url)).text;
    expect(() => JSON.parse(truncated) as unknown).toThrow();

    expect(sim.requests.filter((r) => r.endpoint === 'trades')).toHaveLength(6);
  });
});
