/** A configured market, and how it is named; the venue codes come from the registry's list (venues/codes.ts). */
import { VENUE_NAMING, VENUES, type Venue } from './venues/codes.ts';

export { isVenue, VENUES, type Venue } from './venues/codes.ts';

/** A market as configured: the venue and its native symbol (Coinbase `BTC-USD`, Binance `BTCUSDT`). */
export interface Market {
  venue: Venue;
  symbol: string;
}

/** Native symbols allowed per venue (VenueNaming.symbolPattern). */
export const SYMBOL_PATTERN = Object.fromEntries(
  VENUES.map((v) => [v, VENUE_NAMING[v].symbolPattern]),
) as Record<Venue, RegExp>;

/** A symbol per venue, for messages that show what one looks like. */
export const SYMBOL_EXAMPLE = Object.fromEntries(
  VENUES.map((v) => [v, VENUE_NAMING[v].exampleSymbol]),
) as Record<Venue, string>;

export function marketLabel(market: Market): string {
  return `${market.venue}:${market.symbol}`;
}
