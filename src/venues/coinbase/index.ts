/** Coinbase Exchange: public REST at api.exchange.coinbase.com, 10 requests/s per IP. */
import { RequestRateLimiter } from '../../http/ratelimit.ts';
import type { VenueModule } from '../types.ts';
import { coinbaseBook } from './book.ts';
import { CoinbaseClient } from './client.ts';
import { coinbaseMetadata } from './metadata.ts';
import { coinbaseSimulator } from './simulator.ts';
import { coinbaseTradesFormat } from './trades.ts';

export const coinbase: VenueModule = {
  code: 'coinbase',
  name: 'Coinbase Exchange',
  apiUrlSetting: 'COINBASE_API_URL',
  createLimiter: () => new RequestRateLimiter(10),
  createClient: (baseUrl, http) => new CoinbaseClient(baseUrl, http),
  book: coinbaseBook,
  trades: coinbaseTradesFormat,
  metadata: coinbaseMetadata,
  simulator: coinbaseSimulator,
};
