/**
 * A seeded tape of public trades per market that advances with the clock: trade k happens in its
 * own slot [k × GAP, (k + 1) × GAP) after the tape's start, at a seeded offset, so times strictly
 * increase and ids count up by one, as on both venues. What a request sees depends only on the
 * seed, the market and the time it asks: two runs a second apart overlap in all but a few trades.
 */
import { parseDecimal, rescale } from './decimal.ts';
import { SIZE_SCALE } from './catalog.ts';
import { hashString, mulberry32, randomInt } from './random.ts';
import type { SimMarket } from './types.ts';
import type { SimTraits } from './venue.ts';

export interface SimTrade {
  id: bigint;
  /** Execution time, whole milliseconds. */
  timeMs: number;
  /** Microseconds past the millisecond (Coinbase prints microseconds, Binance milliseconds). */
  micros: number;
  /** Price in ticks of the market's tick size. */
  priceTicks: number;
  /** Size in 10^-8 base units. */
  sizeUnits: number;
  /** The taker bought (lifted the ask); false: the taker sold (hit the bid). */
  takerBuy: boolean;
}

/** Mean spacing of trades: 4 a second per market, so an hourly run sees only its last ~4 minutes. */
export const TRADE_GAP_MS = 250;
/** Trades kept per market; also how many are on the tape already when the simulator starts. */
export const TAPE_KEEP = 1000;
/** Largest trade, in quote currency, before the heavy-tailed draw scales it down. */
const MAX_TRADE_NOTIONAL = 5_000n;

export interface TradeTape {
  /**
   * The newest `limit` trades at or before `now`, oldest first; with `afterId` only older trades
   * than that id, with `beforeId` only newer ones (Coinbase's cursors).
   */
  recent(now: number, limit: number, cursor?: { beforeId?: bigint; afterId?: bigint }): SimTrade[];
}

/** A market's tape, with its venue's lot step and id magnitude (createTradeTape in generators.ts looks them up). */
export function tradeTape(market: SimMarket, seed: number, startMs: number, traits: SimTraits): TradeTape {
  const random = mulberry32((seed ^ hashString(`trades:${market.venue}:${market.symbol}`)) >>> 0);
  const tick = parseDecimal(market.tickSize);
  const startTickCount = rescale(parseDecimal(market.startMid), tick.scale) / tick.units;
  const startTicks = Number(startTickCount);
  const sizeStep = traits.sizeStepUnits(market);
  // Sizes up to ~MAX_TRADE_NOTIONAL at the start price, heavy-tailed, in whole lot steps.
  const maxSize =
    (MAX_TRADE_NOTIONAL * 10n ** BigInt(SIZE_SCALE + tick.scale)) / (startTickCount * tick.units);
  const maxSizeSteps = Math.max(1, Number(maxSize / BigInt(sizeStep)));
  const maxStep = Math.max(1, Math.round(startTicks * 0.00002));
  const minTicks = Math.max(2, Math.floor(startTicks / 10));
  const firstId = traits.tradeIdBase + BigInt(Math.floor(random() * 1e8));
  const origin = startMs - TAPE_KEEP * TRADE_GAP_MS;

  let k = 0;
  let priceTicks = startTicks;
  const kept: SimTrade[] = [];
  const draw = (): SimTrade => {
    // Every trade takes the same draws in the same order: the tape never depends on who asked when.
    const offset = Math.floor(random() * TRADE_GAP_MS);
    const micros = Math.floor(random() * 1000);
    if (random() < 0.3) priceTicks = Math.max(minTicks, priceTicks + randomInt(random, -maxStep, maxStep));
    const takerBuy = random() < 0.5;
    const sizeUnits = (1 + Math.floor(random() ** 4 * maxSizeSteps)) * sizeStep;
    const trade = {
      id: firstId + BigInt(k),
      timeMs: origin + k * TRADE_GAP_MS + offset,
      micros,
      // A buyer lifts the ask one tick above a seller's bid.
      priceTicks: priceTicks + (takerBuy ? 1 : 0),
      sizeUnits,
      takerBuy,
    };
    k++;
    return trade;
  };
  let next = draw();

  return {
    recent(now, limit, cursor = {}) {
      while (next.timeMs <= now) {
        kept.push(next);
        if (kept.length > TAPE_KEEP) kept.shift();
        next = draw();
      }
      const { beforeId, afterId } = cursor;
      const visible = kept.filter(
        (t) =>
          t.timeMs <= now &&
          (beforeId === undefined || t.id > beforeId) &&
          (afterId === undefined || t.id < afterId),
      );
      // `before` pages toward newer trades, so it starts just after the cursor; otherwise the newest.
      return beforeId !== undefined ? visible.slice(0, limit) : visible.slice(-limit);
    },
  };
}
