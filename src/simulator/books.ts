/**
 * Seeded random-walk order books, held as integer ticks and integer size units in typed arrays so a
 * 22,000-level side costs a few hundred microseconds to build and the venues can print it exactly.
 */
import type { SimMarket } from './types.ts';
import { parseDecimal, rescale } from './decimal.ts';
import { hashString, mulberry32, randomInt, type Random } from './random.ts';
import { SIZE_SCALE, sizeStepUnits } from './catalog.ts';

export interface Side {
  /** Prices as counts of ticks. */
  ticks: Float64Array;
  /** Sizes as counts of 10^-8 base units. */
  sizes: Float64Array;
  /** Orders resting at the level (Coinbase's third field), 1..20. */
  orders: Uint8Array;
  length: number;
}

export interface Book {
  bids: Side;
  asks: Side;
  sequence: bigint;
}

/** How a market's prices print: a tick is `tickUnits` counts of 10^-priceScale. */
export interface PriceFormat {
  priceScale: number;
  tickUnits: number;
}

const MAX_ORDERS_PER_LEVEL = 20;
/** Keeps the deepest ask's price a safe integer even at 8 decimals. */
const MAX_LEVELS = 100_000;
/** Largest resting level, in quote currency, before the heavy-tailed size draw scales it down. */
const MAX_LEVEL_NOTIONAL = 20_000n;

export interface BookGenerator {
  readonly market: SimMarket;
  readonly format: PriceFormat;
  /** Moves the mid one random step and returns the next book, at most `levels` per side. */
  next(levels: number): Book;
}

export function createBookGenerator(market: SimMarket, seed: number): BookGenerator {
  const tick = parseDecimal(market.tickSize);
  const mid = parseDecimal(market.startMid);
  if (tick.units === 0n) throw new Error(`${market.symbol}: tickSize must be positive`);
  if (!Number.isInteger(market.levels) || market.levels < 1 || market.levels > MAX_LEVELS) {
    throw new Error(`${market.symbol}: levels must be an integer in 1..${MAX_LEVELS}`);
  }
  // Binance prints every price with 8 decimals, and no Coinbase product quotes finer than that either.
  const priceScale = tick.scale;
  if (priceScale > 8) {
    throw new Error(`${market.symbol}: tickSize ${market.tickSize} has too many decimals`);
  }
  const tickUnits = Number(tick.units);
  const startTicks = rescale(mid, priceScale) / tick.units;
  // Asks can walk well above the start; keep every printed price (also at Binance's 8 decimals) exact.
  if (startTicks < 2n || startTicks * tick.units * 10n ** BigInt(8 - priceScale) > 2n ** 48n) {
    throw new Error(`${market.symbol}: startMid ${market.startMid} is out of the simulator's range`);
  }

  const random = mulberry32((seed ^ hashString(`${market.venue}:${market.symbol}`)) >>> 0);
  const sizeStep = sizeStepUnits(market);
  // Heavy-tailed sizes up to ~MAX_LEVEL_NOTIONAL per level, in whole lot steps.
  const startUnits = startTicks * tick.units;
  const maxSize = (MAX_LEVEL_NOTIONAL * 10n ** BigInt(SIZE_SCALE + priceScale)) / startUnits;
  const maxSizeSteps = Math.max(1, Number(maxSize / BigInt(sizeStep)));
  // Gaps are 1..few ticks at the touch and widen with depth, relative to the price, so a deep book
  // spans roughly 1% of mid at 5000 levels and ~15% at 22,000 (as Coinbase's far levels do).
  const gapGrowth = Number(startTicks) / 2 ** 29;
  const minMid = Math.max(2, Number(startTicks / 10n));
  const maxStep = Math.max(1, Math.round(Number(startTicks) * 0.0001));

  let midTicks = Number(startTicks);
  let sequence = market.startSequence ?? defaultSequence(market, random);

  const fillSide = (side: Side, best: number, direction: 1 | -1): void => {
    let price = best;
    let n = 0;
    while (n < side.ticks.length && price > 0) {
      side.ticks[n] = price;
      side.sizes[n] = (1 + Math.floor(random() ** 4 * maxSizeSteps)) * sizeStep;
      side.orders[n] = 1 + Math.floor(random() ** 3 * MAX_ORDERS_PER_LEVEL);
      const gapSpan = 3 + n * gapGrowth;
      price += direction * (1 + Math.floor(random() ** 2 * gapSpan));
      n++;
    }
    side.length = n;
  };

  return {
    market,
    format: { priceScale, tickUnits },
    next(levels: number): Book {
      const depth = Math.max(1, Math.min(levels, market.levels));
      midTicks = Math.max(minMid, midTicks + randomInt(random, -maxStep, maxStep));
      const bestBid = midTicks - randomInt(random, 0, 1);
      // Mostly a one-tick spread, as on liquid books; sometimes a few ticks.
      const bestAsk = bestBid + 1 + (random() < 0.8 ? 0 : randomInt(random, 1, 3));
      const bids = allocateSide(depth);
      const asks = allocateSide(depth);
      fillSide(bids, bestBid, -1);
      fillSide(asks, bestAsk, 1);
      const book = { bids, asks, sequence };
      sequence += BigInt(randomInt(random, 1, 2000));
      return book;
    },
  };
}

/** Realistic magnitudes: Coinbase BTC-USD is around 1.3e11, Binance BTCUSDT around 1.0e11. */
function defaultSequence(market: SimMarket, random: Random): bigint {
  const base = market.venue === 'coinbase' ? 110_000_000_000n : 100_000_000_000n;
  return base + BigInt(Math.floor(random() * 1e10));
}

function allocateSide(capacity: number): Side {
  return {
    ticks: new Float64Array(capacity),
    sizes: new Float64Array(capacity),
    orders: new Uint8Array(capacity),
    length: 0,
  };
}

function withPrepended(side: Side, ticks: number, sizes: number, orders: number): Side {
  const out = allocateSide(side.length + 1);
  out.ticks[0] = ticks;
  out.sizes[0] = sizes;
  out.orders[0] = orders;
  out.ticks.set(side.ticks.subarray(0, side.length), 1);
  out.sizes.set(side.sizes.subarray(0, side.length), 1);
  out.orders.set(side.orders.subarray(0, side.length), 1);
  out.length = side.length + 1;
  return out;
}

/**
 * A crossed book: one bid above the best ask. Both sides stay sorted, so the only thing wrong is the
 * cross itself — what a validator must catch.
 */
export function crossBook(book: Book): Book {
  const bestAsk = book.asks.length > 0 ? (book.asks.ticks[0] ?? 0) : (book.bids.ticks[0] ?? 0) + 1;
  const size = book.bids.length > 0 ? (book.bids.sizes[0] ?? 1) : 1;
  return { ...book, bids: withPrepended(book.bids, bestAsk + 1, size, 1) };
}

export function emptyBook(book: Book, side: 'bids' | 'asks' | 'both'): Book {
  return {
    ...book,
    bids: side === 'asks' ? book.bids : allocateSide(0),
    asks: side === 'bids' ? book.asks : allocateSide(0),
  };
}
