/** The venues this ETL speaks to, and how a market is named on each. */
export const VENUES = ['coinbase', 'binance'] as const;
export type Venue = (typeof VENUES)[number];

/** A market as configured: the venue and its native symbol (Coinbase `BTC-USD`, Binance `BTCUSDT`). */
export interface Market {
  venue: Venue;
  symbol: string;
}

/**
 * Native symbols allowed per venue. Symbols end up in URLs and raw-store keys, so anything
 * outside these patterns (slashes, dots, percent signs, spaces…) is refused before it gets there.
 */
export const SYMBOL_PATTERN: Record<Venue, RegExp> = {
  coinbase: /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/,
  binance: /^[A-Z0-9]{2,20}$/,
};

export function isVenue(value: string): value is Venue {
  return (VENUES as readonly string[]).includes(value);
}

export function marketLabel(market: Market): string {
  return `${market.venue}:${market.symbol}`;
}
