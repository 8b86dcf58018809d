/**
 * What the server takes from the venue registry: each venue's half of the local exchange, its
 * default markets, and generators shaped by its traits.
 */
import { allVenues, venueOf } from '../venues/registry.ts';
import { bookGenerator, type BookGenerator } from './books.ts';
import { tradeTape, type TradeTape } from './trades.ts';
import type { SimMarket } from './types.ts';

/**
 * The markets the ETL is configured for by default (two a venue), at prices and ticks of their
 * real venues, with `levels` per side or as many as the venue holds.
 */
export function defaultSimMarkets(levels?: number): SimMarket[] {
  return allVenues().flatMap((v) => v.simulator.markets(levels));
}

export function createBookGenerator(market: SimMarket, seed: number): BookGenerator {
  return bookGenerator(market, seed, venueOf(market.venue).simulator.traits);
}

export function createTradeTape(market: SimMarket, seed: number, startMs: number): TradeTape {
  return tradeTape(market, seed, startMs, venueOf(market.venue).simulator.traits);
}
