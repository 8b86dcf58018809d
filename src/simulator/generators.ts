/**
 * What the server takes from the venue registry: each venue's half of the local exchange, its
 * default markets, and generators shaped by its traits.
 */
import { DEFAULT_MARKETS_VENUES } from '../venues/codes.ts';
import { allVenues, venueOf } from '../venues/registry.ts';
import { bookGenerator, type BookGenerator } from './books.ts';
import { tradeTape, type TradeTape } from './trades.ts';
import type { SimMarket } from './types.ts';

/**
 * The markets the ETL is configured for by default (two a venue), at prices and ticks of their
 * real venues, with `levels` per side or as many as the venue holds.
 */
/** Every venue's default markets: what the simulator lists when not told otherwise. */
export function allSimMarkets(levels?: number): SimMarket[] {
  return allVenues().flatMap((v) => v.simulator.markets(levels));
}

/** The default markets of the venues the default MARKETS setting names (Coinbase and Binance). */
export function defaultSimMarkets(levels?: number): SimMarket[] {
  return allSimMarkets(levels).filter((m) => DEFAULT_MARKETS_VENUES.includes(m.venue));
}

export function createBookGenerator(market: SimMarket, seed: number): BookGenerator {
  return bookGenerator(market, seed, venueOf(market.venue).simulator.traits);
}

export function createTradeTape(market: SimMarket, seed: number, startMs: number): TradeTape {
  return tradeTape(market, seed, startMs, venueOf(market.venue).simulator.traits);
}
