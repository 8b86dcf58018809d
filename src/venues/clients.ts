/** The venue clients of one run, each with its own limiter and HTTP memory. */
import type { Logger } from '../log.ts';
import { VenueHttp, type VenueHttpOptions } from '../http/get.ts';
import type { RateLimiter } from '../http/ratelimit.ts';
import { VENUES, type Venue } from './codes.ts';
import { venueOf } from './registry.ts';
import type { VenueClient, VenueSettings } from './types.ts';

export const USER_AGENT = 'orderbook-etl/0.1 (+https://github.com/orderbook-etl/orderbook-etl)';

function perVenue<T>(make: (venue: Venue) => T): Record<Venue, T> {
  return Object.fromEntries(VENUES.map((v) => [v, make(v)])) as Record<Venue, T>;
}

/** A fresh limiter per venue at its public limits (Coinbase 10 requests/s, Binance 6000 weight/min). */
export function defaultLimiters(): Record<Venue, RateLimiter> {
  return perVenue((v) => venueOf(v).createLimiter());
}

export function createVenueClients(
  settings: VenueSettings,
  log: Logger,
  /** Limiters to use instead of the venues' own (tests and benches lift them); the rest are the venues'. */
  limiters: Partial<Record<Venue, RateLimiter>> = {},
  /** The run's stop signal: aborts every wait and request of these clients. */
  signal?: AbortSignal,
  /** Told of every attempt sent (VenueHttpOptions.onAttempt). */
  onAttempt?: VenueHttpOptions['onAttempt'],
): Record<Venue, VenueClient> {
  const http = (venue: Venue) =>
    new VenueHttp({
      venue,
      limiter: limiters[venue] ?? venueOf(venue).createLimiter(),
      userAgent: USER_AGENT,
      timeoutMs: settings.httpTimeoutMs,
      retries: settings.httpRetries,
      maxBytes: settings.httpMaxBytes,
      backoffMs: settings.httpBackoffMs,
      log,
      signal,
      onAttempt,
    });
  return perVenue((v) => venueOf(v).createClient(settings.apiUrl[v], http(v), settings));
}
