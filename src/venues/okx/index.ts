/** OKX: public REST at www.okx.com; books-full allows 10 requests per 2 s per IP. */
import { RequestRateLimiter } from '../../http/ratelimit.ts';
import type { VenueModule } from '../types.ts';
import { okxBook } from './book.ts';
import { OkxClient } from './client.ts';
import { OKX_REQUESTS_PER_WINDOW, OKX_WINDOW_MS } from './limits.ts';
import { okxMetadata } from './metadata.ts';
import { okxSimulator } from './simulator.ts';
import { okxTradesFormat } from './trades.ts';

export const okx: VenueModule = {
  code: 'okx',
  name: 'OKX',
  apiUrlSetting: 'OKX_API_URL',
  createLimiter: () =>
    new RequestRateLimiter((OKX_REQUESTS_PER_WINDOW * 1000) / OKX_WINDOW_MS, OKX_REQUESTS_PER_WINDOW),
  createClient: (baseUrl, http) => new OkxClient(baseUrl, http),
  book: okxBook,
  trades: okxTradesFormat,
  metadata: okxMetadata,
  simulator: okxSimulator,
};
