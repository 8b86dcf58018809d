import { describe, expect, it } from 'vitest';
import { depthJson } from '../../src/simulator/binance.ts';
import { createBookGenerator, crossBook, emptyBook } from '../../src/simulator/books.ts';
import { bookJson } from '../../src/simulator/coinbase.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import type { SimMarket } from '../../src/simulator/index.ts';
import { ByteWriter } from '../../src/simulator/writer.ts';
import { expectSaneBook, type Level } from './helpers.ts';

const btcUsd: SimMarket = {
  venue: 'coinbase',
  symbol: 'BTC-USD',
  base: 'BTC',
  quote: 'USD',
  startMid: '84705.63',
  tickSize: '0.01',
  levels: 22_000,
};

const write = (fn: (w: ByteWriter) => void): string => {
  const w = new ByteWriter(4);
  fn(w);
  return w.toBuffer().toString('latin1');
};

describe('ByteWriter decimals', () => {
  it('prints Coinbase-style (trimmed) and Binance-style (8 decimals) exactly', () => {
    expect(write((w) => w.decimal(7_758_884, 2, null))).toBe('77588.84');
    expect(write((w) => w.decimal(7_758_380, 2, null))).toBe('77583.8');
    expect(write((w) => w.decimal(7_758_000, 2, null))).toBe('77580');
    expect(write((w) => w.decimal(10_000, 8, null))).toBe('0.0001');
    expect(write((w) => w.decimal(1_500, 8, null))).toBe('0.000015');
    expect(write((w) => w.decimal(8_470_563, 2, 8))).toBe('84705.63000000');
    expect(write((w) => w.decimal(14_000, 8, 8))).toBe('0.00014000');
    expect(write((w) => w.decimal(0, 8, 8))).toBe('0.00000000');
    expect(write((w) => w.decimal(5, 0, 0))).toBe('5');
  });

  it('prints integers past int32 and near 2^53 digit for digit', () => {
    expect(write((w) => w.uint(0))).toBe('0');
    expect(write((w) => w.uint(1_000_000_000))).toBe('1000000000');
    expect(write((w) => w.uint(9_007_199_254_740_991))).toBe('9007199254740991');
    // Just below a multiple of 10^8 near 2^53: the floor of the float quotient must not overshoot.
    expect(write((w) => w.decimal(9_007_199_199_999_999, 8, 8))).toBe('90071991.99999999');
    expect(write((w) => w.decimal(9_007_199_254_740_991, 8, null))).toBe('90071992.54740991');
  });
});

describe('book generation', () => {
  it('builds a 22,000-level-per-side Coinbase book, strictly sorted, in well under 100 ms', () => {
    const generator = createBookGenerator(btcUsd, 1);
    const timings: number[] = [];
    let body = '';
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const buffer = bookJson(generator.next(22_000), generator.format, {
        level3: false,
        schema: false,
        time: 't',
      });
      timings.push(performance.now() - started);
      body = buffer.toString('utf8');
    }
    // Best of three: the first run includes JIT warm-up, and a busy CI box adds noise.
    expect(Math.min(...timings)).toBeLessThan(100);
    expect(body.length).toBeGreaterThan(1_000_000);
    const book = JSON.parse(body) as { bids: Level[]; asks: Level[] };
    expect(book.bids).toHaveLength(22_000);
    expect(book.asks).toHaveLength(22_000);
    expectSaneBook(book);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number): string[] => {
      const generator = createBookGenerator(btcUsd, seed);
      return [1, 2, 3].map(() => depthJson(generator.next(50), generator.format, false).toString());
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('walks the mid a little on every book and raises the sequence', () => {
    const generator = createBookGenerator({ ...btcUsd, startSequence: 500n }, 3);
    const books = Array.from({ length: 20 }, () => generator.next(5));
    const bestBids = books.map((b) => b.bids.ticks[0] ?? 0);
    expect(new Set(bestBids).size).toBeGreaterThan(10);
    for (const bid of bestBids) expect(Math.abs(bid - 8_470_563)).toBeLessThan(8_470_563 * 0.01);
    expect(books[0]?.sequence).toBe(500n);
    for (let i = 1; i < books.length; i++) {
      expect(books[i]?.sequence ?? 0n).toBeGreaterThan(books[i - 1]?.sequence ?? 0n);
    }
  });

  it('keeps every bid above zero on a cheap market with a deep book', () => {
    const cheap: SimMarket = {
      ...btcUsd,
      symbol: 'DOGE-USD',
      startMid: '0.15',
      tickSize: '0.0001',
      levels: 5000,
    };
    const generator = createBookGenerator(cheap, 9);
    const book = JSON.parse(
      bookJson(generator.next(5000), generator.format, {
        level3: false,
        schema: false,
        time: 't',
      }).toString(),
    ) as { bids: Level[]; asks: Level[] };
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.bids.length).toBeLessThan(5000);
    expect(book.asks).toHaveLength(5000);
    expectSaneBook(book);
  });

  it('crosses and empties books only as asked', () => {
    const generator = createBookGenerator(btcUsd, 5);
    const book = generator.next(10);
    const crossed = crossBook(book);
    expect(crossed.bids.length).toBe(11);
    expect(crossed.bids.ticks[0]).toBeGreaterThan(crossed.asks.ticks[0] ?? Infinity);
    expect(emptyBook(book, 'bids').bids.length).toBe(0);
    expect(emptyBook(book, 'bids').asks.length).toBe(10);
    expect(emptyBook(book, 'both').asks.length).toBe(0);
  });

  it('refuses markets it cannot print exactly', () => {
    expect(() => createBookGenerator({ ...btcUsd, tickSize: '0.000000001' }, 1)).toThrow(/too many decimals/);
    expect(() => createBookGenerator({ ...btcUsd, startMid: '84,705' }, 1)).toThrow(/decimal/);
    expect(() => createBookGenerator({ ...btcUsd, levels: 0 }, 1)).toThrow(/levels/);
  });

  it('lists realistic default markets on both venues', () => {
    const markets = defaultSimMarkets();
    expect(markets.map((m) => `${m.venue}:${m.symbol}`)).toEqual([
      'coinbase:BTC-USD',
      'coinbase:ETH-USD',
      'binance:BTCUSDT',
      'binance:ETHUSDT',
    ]);
    expect(markets[0]?.levels).toBe(22_000);
    expect(defaultSimMarkets(300).every((m) => m.levels === 300)).toBe(true);
  });
});
