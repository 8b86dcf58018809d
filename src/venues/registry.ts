/**
 * The registry: one line per venue. Adding a venue is its folder, its line here and its naming
 * line in codes.ts; the type checker refuses a code listed in one place and not the other.
 */
import { VENUES, type Venue } from './codes.ts';
import { binance } from './binance/index.ts';
import { bybit } from './bybit/index.ts';
import { coinbase } from './coinbase/index.ts';
import { kraken } from './kraken/index.ts';
import { okx } from './okx/index.ts';
import type { VenueModule } from './types.ts';

export const REGISTRY = {
  coinbase,
  binance,
  kraken,
  okx,
  bybit,
} as const satisfies Record<Venue, VenueModule>;

/** The venue of a code. */
export function venueOf(code: Venue): VenueModule {
  return REGISTRY[code];
}

/** Every venue, in registry order (the order of codes.ts). */
export function allVenues(): VenueModule[] {
  return VENUES.map(venueOf);
}
