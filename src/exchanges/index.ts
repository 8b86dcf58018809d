/** The venue clients of one run, each with its own limiter and HTTP memory. */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Venue } from '../markets.ts';
import { BinanceClient } from './binance.ts';
import { CoinbaseClient } from './coinbase.ts';
import { VenueHttp, type VenueHttpOptions } from '../http/get.ts';
import { RequestRateLimiter, WeightBudgetLimiter, type RateLimiter } from '../http/ratelimit.ts';
import type { VenueClient } from './venue.ts';

export { HttpError, type HttpResponse } from '../http/get.ts';
export type { MarketInfo, MetadataEndpoint, VenueClient } from './venue.ts';

export const USER_AGENT = 'orderbook-etl/0.1 (+https://github.com/orderbook-etl/orderbook-etl)';

/** Coinbase public endpoints: 10 requests/s per IP. Binance: 6000 request weight per minute. */
export function defaultLimiters(): Record<Venue, RateLimiter> {
  return { coinbase: new RequestRateLimiter(10), binance: new WeightBudgetLimiter(6000) };
}

export type VenueSettings = Pick<
  Config,
  'apiUrl' | 'binanceDepthLimit' | 'httpTimeoutMs' | 'httpRetries' | 'httpMaxBytes' | 'httpBackoffMs'
>;

export function createVenueClients(
  settings: VenueSettings,
  log: Logger,
  limiters: Record<Venue, RateLimiter> = defaultLimiters(),
  /** The run's stop signal: aborts every wait and request of these clients. */
  signal?: AbortSignal,
  /** Told of every attempt sent (VenueHttpOptions.onAttempt). */
  onAttempt?: VenueHttpOptions['onAttempt'],
): Record<Venue, VenueClient> {
  const http = (venue: Venue) =>
    new VenueHttp({
      venue,
      limiter: limiters[venue],
      userAgent: USER_AGENT,
      timeoutMs: settings.httpTimeoutMs,
      retries: settings.httpRetries,
      maxBytes: settings.httpMaxBytes,
      backoffMs: settings.httpBackoffMs,
      log,
      signal,
      onAttempt,
    });
  return {
    coinbase: new CoinbaseClient(settings.apiUrl.coinbase, http('coinbase')),
    binance: new BinanceClient(settings.apiUrl.binance, http('binance'), settings.binanceDepthLimit),
  };
}
