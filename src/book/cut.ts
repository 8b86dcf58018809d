import { withinBpsOfMid } from '../util/decimal.ts';
import type { Level, OrderBook, Side } from './types.ts';

/**
 * How many of a side's levels lie within `bps` of mid (LEVELS_WITHIN_BPS); null keeps all. The
 * best level is always kept, however wide the spread, so top-of-book never disappears. Levels
 * are sorted away from mid, so the kept ones are a prefix and a binary search finds its end.
 */
export function levelsWithin(book: OrderBook, side: Side, bps: number | null): number {
  const levels: Level[] = book[side];
  if (bps === null || levels.length <= 1) return levels.length;
  const bestBid = (book.bids[0] as Level).price;
  const bestAsk = (book.asks[0] as Level).price;
  let lo = 1; // levels[0] is always kept
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (withinBpsOfMid(side, (levels[mid] as Level).price, bestBid, bestAsk, bps)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
