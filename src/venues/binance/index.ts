/** Binance Spot public market data: 6000 request weight per minute per IP. */
import { WeightBudgetLimiter } from '../../http/ratelimit.ts';
import type { VenueModule } from '../types.ts';
import { binanceBook } from './book.ts';
import { BinanceClient } from './client.ts';
import { binanceMetadata } from './metadata.ts';
import { binanceSimulator } from './simulator.ts';
import { binanceTradesFormat } from './trades.ts';
import { WEIGHT_LIMIT_PER_MINUTE } from './weights.ts';

export const binance: VenueModule = {
  code: 'binance',
  name: 'Binance',
  apiUrlSetting: 'BINANCE_API_URL',
  createLimiter: () => new WeightBudgetLimiter(WEIGHT_LIMIT_PER_MINUTE),
  createClient: (baseUrl, http, settings) => new BinanceClient(baseUrl, http, settings.binanceDepthLimit),
  book: binanceBook,
  trades: binanceTradesFormat,
  metadata: binanceMetadata,
  simulator: binanceSimulator,
};
