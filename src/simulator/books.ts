/**
 * Seeded random-walk order books, held as integer ticks and integer size units in typed arrays so a
 * 22,000-level side costs a few milliseconds to build and the venues can print it exactly. Level
 * spacing and sizes follow each venue's recorded books (test/fixtures/SOURCES.md): see each venue's
 * bookShape (src/venues/<venue>/simulator.ts).
 */
import type { SimMarket } from './types.ts';
import { parseDecimal, rescale } from './decimal.ts';
import { hashString, mulberry32, randomInt } from './random.ts';
import { SIZE_SCALE } from './catalog.ts';
import type { SimTraits } from './venue.ts';

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

/**
 * How a venue's books look, level by level from the touch. Distances are in bps of mid and sizes
 * in quote currency, so a shape fits any price and tick; a coarse tick only makes gaps whole ticks.
 * A book that holds fewer levels is the same book cut shorter, as a venue's depth limit is.
 */
export interface BookShape {
  /** Mean gap between neighbouring levels at the touch, bps of mid. */
  touchGapBps: number;
  /** Mean gap from `rampLevels` on (linear in between), bps of mid. */
  farGapBps: number;
  rampLevels: number;
  /** Share of gaps of exactly one tick: resting orders cluster on neighbouring prices. */
  adjacentShare: number;
  /** Share of dust levels, $1 up to `dustMaxQuote` (at least one lot step). */
  dustShare: number;
  dustMaxQuote: number;
  /** Other levels: log10 of the quote notional is logistic around this median with this scale. */
  sizeLog10: number;
  sizeScale: number;
  /** The best level's own median (log10 quote), where market makers quote size; null: like the rest. */
  touchLog10: number | null;
  /** No level holds more than this, in quote currency. */
  maxLevelQuote: number;
  /** Share of levels whose size is a round amount of one or two digits (people type 0.01, 0.125, 1). */
  roundShare: number;
}

const MAX_ORDERS_PER_LEVEL = 20;
/** Keeps the deepest ask's price a safe integer even at 8 decimals. */
const MAX_LEVELS = 100_000;
/** Size units stay exact integers (and sums of a few thousand of them too). */
const MAX_SIZE_UNITS = 2 ** 40;

export interface BookGenerator {
  readonly market: SimMarket;
  readonly format: PriceFormat;
  /** Moves the mid one random step and returns the next book, at most `levels` per side. */
  next(levels: number): Book;
}

/** The generator of a market's books, shaped by its venue's traits (createBookGenerator in generators.ts looks them up). */
export function bookGenerator(market: SimMarket, seed: number, traits: SimTraits): BookGenerator {
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
  const shape = traits.bookShape;
  const sizeStep = traits.sizeStepUnits(market);
  const maxSteps = Math.max(1, Math.floor(MAX_SIZE_UNITS / sizeStep));
  /** Quote currency of one tick. */
  const tickQuote = tickUnits / 10 ** priceScale;
  const minMid = Math.max(2, Number(startTicks / 10n));
  const maxStep = Math.max(1, Math.round(Number(startTicks) * 0.0001));
  // Level notionals in quote currency, by quantile: logistic in log10, capped; dust log-uniform.
  const logistic = (median: number, scale: number) =>
    quantiles((p) => Math.min(shape.maxLevelQuote, 10 ** (median + scale * Math.log(p / (1 - p)))));
  const levelQuote = logistic(shape.sizeLog10, shape.sizeScale);
  const touchQuote = shape.touchLog10 === null ? null : logistic(shape.touchLog10, shape.sizeScale * 1.5);
  const dustQuote = quantiles((p) => shape.dustMaxQuote ** p);

  let midTicks = Number(startTicks);
  let sequence = market.startSequence ?? traits.sequenceBase + BigInt(Math.floor(random() * 1e10));

  const fillSide = (side: Side, best: number, direction: 1 | -1): void => {
    const ticksPerBps = midTicks / 10_000;
    const stepsPerQuote = 10 ** SIZE_SCALE / (midTicks * tickQuote * sizeStep);
    const near = shape.touchGapBps * ticksPerBps;
    const slope = ((shape.farGapBps - shape.touchGapBps) * ticksPerBps) / shape.rampLevels;
    const far = shape.farGapBps * ticksPerBps;
    const { adjacentShare, dustShare, rampLevels } = shape;
    let price = best;
    let n = 0;
    while (n < side.ticks.length && price > 0) {
      side.ticks[n] = price;
      // One draw picks dust or not and, rescaled, where in its distribution the level falls.
      const u = random();
      const quote =
        n === 0 && touchQuote !== null
          ? sample(touchQuote, u)
          : u < dustShare
            ? sample(dustQuote, u / dustShare)
            : sample(levelQuote, (u - dustShare) / (1 - dustShare));
      let units = Math.min(maxSteps, Math.max(1, Math.round(quote * stepsPerQuote))) * sizeStep;
      const r = random();
      if (r < shape.roundShare) units = roundUnits(units, r < shape.roundShare / 2 ? 10 : 100, sizeStep);
      side.sizes[n] = units;
      // Mostly one order a level, a few with many (u^12 without Math.pow).
      const o = random();
      const o4 = o * o * o * o;
      side.orders[n] = 1 + Math.floor(o4 * o4 * o4 * MAX_ORDERS_PER_LEVEL);
      // Mean gap in ticks at this depth: a share are one tick, the rest one plus an exponential.
      const meanTicks = n < rampLevels ? near + slope * n : far;
      const g = random();
      let gap = 1;
      if (g >= adjacentShare && meanTicks > 1) {
        const rest = (meanTicks - 1) / (1 - adjacentShare);
        gap += Math.floor(sample(EXPONENTIAL, (g - adjacentShare) / (1 - adjacentShare)) * rest + 0.5);
      }
      price += direction * gap;
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

/**
 * Quantile functions sampled at 1,025 points and read back by linear interpolation: a 22,000-level
 * side makes 44,000 such draws, and a lookup costs a fraction of the logarithm and power it stands
 * for. The ends are taken half a step in, so the tails stay finite.
 */
const QUANTILE_STEPS = 1024;

function quantiles(inverse: (p: number) => number): Float64Array {
  const table = new Float64Array(QUANTILE_STEPS + 1);
  const edge = 0.5 / QUANTILE_STEPS;
  for (let k = 0; k <= QUANTILE_STEPS; k++) {
    table[k] = inverse(Math.min(1 - edge, Math.max(edge, k / QUANTILE_STEPS)));
  }
  return table;
}

/** The table's value at p in [0, 1). */
function sample(table: Float64Array, p: number): number {
  const x = p * QUANTILE_STEPS;
  const k = Math.floor(x);
  const low = table[k] ?? 0;
  return low + (x - k) * ((table[k + 1] ?? low) - low);
}

/** The unit exponential: −ln(1 − p). */
const EXPONENTIAL = quantiles((p) => -Math.log(1 - p));

/** `units` kept to one (`digits` 10) or two (100) significant digits, still whole lot steps. */
function roundUnits(units: number, digits: 10 | 100, step: number): number {
  let unit = step;
  while (units >= unit * digits) unit *= 10;
  return Math.max(unit, Math.round(units / unit) * unit);
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
