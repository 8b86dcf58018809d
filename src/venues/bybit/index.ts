/** Bybit v5: public REST at api.bybit.com, 600 requests per 5 s per IP. */
import { RequestRateLimiter } from '../../http/ratelimit.ts';
import type { VenueModule } from '../types.ts';
import { bybitBook } from './book.ts';
import { BybitClient } from './client.ts';
import { BYBIT_REQUESTS_PER_WINDOW, BYBIT_WINDOW_MS } from './limits.ts';
import { bybitMetadata } from './metadata.ts';
import { bybitSimulator } from './simulator.ts';
import { bybitTradesFormat } from './trades.ts';

export const bybit: VenueModule = {
  code: 'bybit',
  name: 'Bybit',
  apiUrlSetting: 'BYBIT_API_URL',
  createLimiter: () =>
    new RequestRateLimiter((BYBIT_REQUESTS_PER_WINDOW * 1000) / BYBIT_WINDOW_MS, BYBIT_REQUESTS_PER_WINDOW),
  createClient: (baseUrl, http) => new BybitClient(baseUrl, http),
  book: bybitBook,
  trades: bybitTradesFormat,
  metadata: bybitMetadata,
  simulator: bybitSimulator,
};
