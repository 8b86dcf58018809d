import type { Venue } from '../venues/codes.ts';

/** One price level. Price and size stay the venue's exact decimal strings. */
export interface Level {
  price: string;
  size: string;
  /** Orders at this price (Coinbase level 2); null where the venue does not say (Binance). */
  orderCount: number | null;
}

/** A venue's book normalized to one shape: bids best (highest) first, asks best (lowest) first. */
export interface OrderBook {
  venue: Venue;
  symbol: string;
  /** Coinbase `sequence` / Binance `lastUpdateId`; bigint because Binance's can pass 2^53. */
  sequence: bigint;
  /** Coinbase `time` truncated to microseconds (ISO 8601, `Z`); null for Binance. */
  exchangeTime: string | null;
  bids: Level[];
  asks: Level[];
  /**
   * Why the book cannot be taken as shown, in the venue's words (Coinbase `auction_mode`: the
   * levels are an auction's indicative quote, not resting orders); null for a live book. The
   * market's status (metadata) is the other reason, joined to this one when the book is loaded.
   */
  notExecutable: string | null;
}

export type Side = 'bids' | 'asks';
