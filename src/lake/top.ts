/**
 * Top of book for the lake's `top` table, by sql/derive/top.sql's definition (DESIGN §6):
 * mid = (best_bid + best_ask) / 2, spread = best_ask - best_bid, spread_bps = spread / mid * 10000
 * rounded to 18 decimals. Computed in integers so every digit equals fact_top's.
 */
import type { Level, OrderBook } from '../book/index.ts';
import { format, pgHalf, rescale, roundedDiv, scaled } from './decimal.ts';

export interface TopOfBook {
  bestBid: string;
  bestBidSize: string;
  bestAsk: string;
  bestAskSize: string;
  midPrice: string;
  spread: string;
  spreadBps: string;
}

const BPS_SCALE = 18;

/** The top of a validated book (both sides non-empty, not crossed). */
export function topOfBook(book: OrderBook): TopOfBook {
  const bid = book.bids[0] as Level;
  const ask = book.asks[0] as Level;
  const b = scaled(bid.price);
  const a = scaled(ask.price);
  const scale = Math.max(b.scale, a.scale);
  const sum = { units: rescale(b, scale) + rescale(a, scale), scale };
  const spread = rescale(a, scale) - rescale(b, scale);
  const mid = pgHalf(sum);
  // spread × 10000 / mid, at 18 decimals: spread·10^-scale · 10^4 / (mid·10^-mid.scale) · 10^18.
  const bps = roundedDiv(spread * 10n ** BigInt(4 + mid.scale + BPS_SCALE), mid.units * 10n ** BigInt(scale));
  return {
    bestBid: bid.price,
    bestBidSize: bid.size,
    bestAsk: ask.price,
    bestAskSize: ask.size,
    midPrice: format(mid.units, mid.scale),
    spread: format(spread, scale),
    spreadBps: format(bps, BPS_SCALE),
  };
}
