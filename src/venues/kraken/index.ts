/** Kraken Spot: public REST at api.kraken.com, about 1 request/s per IP. */
import { RequestRateLimiter } from '../../http/ratelimit.ts';
import type { VenueModule } from '../types.ts';
import { krakenBook } from './book.ts';
import { KrakenClient } from './client.ts';
import { KRAKEN_REQUESTS_PER_SECOND } from './limits.ts';
import { krakenMetadata } from './metadata.ts';
import { krakenSimulator } from './simulator.ts';
import { krakenTradesFormat } from './trades.ts';

export const kraken: VenueModule = {
  code: 'kraken',
  name: 'Kraken',
  apiUrlSetting: 'KRAKEN_API_URL',
  createLimiter: () => new RequestRateLimiter(KRAKEN_REQUESTS_PER_SECOND),
  createClient: (baseUrl, http) => new KrakenClient(baseUrl, http),
  book: krakenBook,
  trades: krakenTradesFormat,
  metadata: krakenMetadata,
  simulator: krakenSimulator,
};
