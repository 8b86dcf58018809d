/** DESIGN §6: when a book is too broken to load. The reason names the side, the level and the fault. */
import { compareDecimal, isPositiveDecimal } from '../util/decimal.ts';
import type { Level, OrderBook, Side } from './types.ts';

function checkSide(side: Side, levels: Level[]): string | null {
  if (levels.length === 0) return `${side} is empty`;
  // Bids must fall strictly, asks rise strictly: a repeat or a step the wrong way is a broken book.
  const expected = side === 'bids' ? 1 : -1;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as Level;
    const n = i + 1;
    if (!isPositiveDecimal(level.price)) {
      return `${side} level ${n}: price ${JSON.stringify(level.price)} is not a positive decimal`;
    }
    if (!isPositiveDecimal(level.size)) {
      return `${side} level ${n}: size ${JSON.stringify(level.size)} is not a positive decimal`;
    }
    if (i > 0) {
      const previous = (levels[i - 1] as Level).price;
      if (compareDecimal(previous, level.price) !== expected) {
        const order = side === 'bids' ? 'descending' : 'ascending';
        return `${side} level ${n}: price ${level.price} after ${previous} is not strictly ${order}`;
      }
    }
  }
  return null;
}

/** The reason the book cannot be loaded, or null when it is sound. */
export function bookProblem(book: OrderBook): string | null {
  const problem = checkSide('bids', book.bids) ?? checkSide('asks', book.asks);
  if (problem) return problem;
  const bestBid = (book.bids[0] as Level).price;
  const bestAsk = (book.asks[0] as Level).price;
  if (compareDecimal(bestBid, bestAsk) >= 0) {
    return `crossed book: best bid ${bestBid} >= best ask ${bestAsk}`;
  }
  return null;
}
