import { describe, expect, it } from 'vitest';
import { depthJson } from '../../src/venues/binance/simulator.ts';
import { crossBook, emptyBook } from '../../src/simulator/books.ts';
import { createBookGenerator } from '../../src/simulator/generators.ts';
import { bookJson } from '../../src/venues/coinbase/simulator.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import type { SimMarket } from '../../src/simulator/index.ts';
import { ByteWriter } from '../../src/simulator/writer.ts';
import { fixtureText } from '../helpers/fixtures.ts';
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

/** What the shape checks compare: the near-touch layout of one side, in plain numbers. */
interface SideShape {
  /** Mean gap between neighbouring levels, ticks of 0.01. */
  meanGapTicks: number;
  /** Share of gaps of exactly one tick. */
  adjacent: number;
  /** Median and 90th percentile size of the levels behind the best, base units. */
  medianSize: number;
  p90Size: number;
}

// Plotting-grade numbers for a statistical comparison; the simulator's own output is exact.
const quantile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
};

/** The pooled shape of the first `depth` levels of every side given (prices with a 0.01 tick). */
function shapeOf(sides: Level[][], depth: number): SideShape {
  const gaps: number[] = [];
  const sizes: number[] = [];
  for (const side of sides) {
    const levels = side.slice(0, depth);
    levels.forEach(([price, size], i) => {
      if (i > 0) sizes.push(Number(size));
      const previous = levels[i - 1];
      if (previous) gaps.push(Math.round(Math.abs(Number(price) - Number(previous[0])) * 100));
    });
  }
  return {
    meanGapTicks: gaps.reduce((a, b) => a + b, 0) / gaps.length,
    adjacent: gaps.filter((g) => g === 1).length / gaps.length,
    medianSize: quantile(sizes, 0.5),
    p90Size: quantile(sizes, 0.9),
  };
}

/** Bps of mid from the best level to the deepest, per side. */
function spanBps(book: { bids: Level[]; asks: Level[] }): { bids: number; asks: number } {
  const bid = Number(book.bids[0]?.[0]);
  const ask = Number(book.asks[0]?.[0]);
  const mid = (bid + ask) / 2;
  const far = (side: Level[]) => (Math.abs(Number(side.at(-1)?.[0]) - mid) / mid) * 10_000;
  return { bids: far(book.bids), asks: far(book.asks) };
}

/** Sides of `books` books of a market (its default size), printed as the venue prints them. */
function simulatedSides(market: SimMarket, books: number, depth = market.levels): Level[][] {
  const generator = createBookGenerator(market, 11);
  const sides: Level[][] = [];
  for (let i = 0; i < books; i++) {
    const book = generator.next(depth);
    const body =
      market.venue === 'coinbase'
        ? bookJson(book, generator.format, { level3: false, schema: false, time: 't' })
        : depthJson(book, generator.format, false);
    const parsed = JSON.parse(body.toString()) as { bids: Level[]; asks: Level[] };
    sides.push(parsed.bids, parsed.asks);
  }
  return sides;
}

/** Within a factor of `factor` either way. */
function near(value: number, recorded: number, factor: number): void {
  expect(value / recorded, `${String(value)} vs recorded ${String(recorded)}`).toSatisfy(
    (ratio: number) => ratio >= 1 / factor && ratio <= factor,
  );
}

describe('default books look like the recorded ones (test/fixtures/SOURCES.md)', () => {
  const [coinbaseBtc, , binanceBtc] = defaultSimMarkets();
  if (!coinbaseBtc || !binanceBtc) throw new Error('default markets changed');
  const recorded = (...names: string[]): Level[][] =>
    names.flatMap((name) => {
      const book = JSON.parse(fixtureText(name)) as { bids: Level[]; asks: Level[] };
      return [book.bids, book.asks];
    });

  it('Coinbase BTC-USD: spacing and sizes of the best 30 levels as recorded, 22,000 a side reaching about 10%', () => {
    const real = shapeOf(recorded('coinbase-book-l2-BTC-USD-senken.json'), 30);
    const sim = shapeOf(simulatedSides(coinbaseBtc, 40, 30), 30);
    // Recorded: 61 ticks mean gap (0.075 bps at $77,588), 28% one tick, 0.085 / 0.49 BTC median / p90.
    near(sim.meanGapTicks, real.meanGapTicks, 1.3);
    expect(Math.abs(sim.adjacent - real.adjacent)).toBeLessThan(0.1);
    near(sim.medianSize, real.medianSize, 2);
    near(sim.p90Size, real.p90Size, 2);
    const [bids = [], asks = []] = simulatedSides(coinbaseBtc, 1);
    expect([bids.length, asks.length]).toEqual([22_000, 22_000]);
    const span = spanBps({ bids, asks });
    for (const bps of [span.bids, span.asks]) expect(bps).toSatisfy((b: number) => b > 900 && b < 1200);
  });

  it('Binance BTCUSDT: denser at the touch with a large best level, 5,000 a side thinning out to about 2%', () => {
    const real = shapeOf(
      recorded(
        'binance-depth-BTCUSDT-20-mdolmen.json',
        'binance-depth-BTCUSDT-10-nautilus.json',
        'binance-depth-BTCUSDT-5-soworks.json',
      ),
      20,
    );
    const sim = shapeOf(simulatedSides(binanceBtc, 40, 20), 20);
    // Recorded (35 levels a side in all): 38 ticks mean gap, 36% one tick, many dust levels.
    near(sim.meanGapTicks, 15, 1.5); // the two 2026 recordings (mdolmen, soworks): 13-17 ticks
    expect(sim.meanGapTicks).toBeLessThan(real.meanGapTicks);
    expect(Math.abs(sim.adjacent - real.adjacent)).toBeLessThan(0.1);
    near(sim.p90Size, real.p90Size, 3);
    expect(sim.medianSize).toBeLessThan(sim.p90Size / 5);
    const sides = simulatedSides(binanceBtc, 20, 1);
    const touch = quantile(
      sides.map(([best]) => Number(best?.[1])),
      0.5,
    );
    // The best level: 7.57, 5.71, 0.62, 0.53, 0.49 BTC recorded (and one 0.002).
    expect(touch).toSatisfy((t: number) => t > 0.2 && t < 3);
    const [bids = [], asks = []] = simulatedSides(binanceBtc, 1);
    expect([bids.length, asks.length]).toEqual([5000, 5000]);
    const span = spanBps({ bids, asks });
    for (const bps of [span.bids, span.asks]) expect(bps).toSatisfy((b: number) => b > 150 && b < 300);
  });
});
