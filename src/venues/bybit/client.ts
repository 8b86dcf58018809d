/** Bybit v5 public market data: https://bybit-exchange.github.io/docs/v5/market/orderbook */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { VenueClientBase } from '../client-base.ts';
import { errorField } from '../error-body.ts';
import { BYBIT_DEPTH, BYBIT_TRADES_LIMIT } from './limits.ts';
import { bybitMetadata } from './metadata.ts';

export class BybitClient extends VenueClientBase {
  readonly venue = 'bybit' as const;

  constructor(baseUrl: string, http: VenueHttp) {
    super(baseUrl, http, bybitMetadata);
  }

  fetchMetadata(): Promise<HttpResponse> {
    // The spot list is one page (spot is not paginated), whatever the symbols.
    return this.http.get({ url: `${this.baseUrl}/v5/market/instruments-info?category=spot`, market: null });
  }

  fetchBook(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/v5/market/orderbook?category=spot&symbol=${encodeURIComponent(symbol)}&limit=${BYBIT_DEPTH}`,
      market: symbol,
    });
  }

  fetchTrades(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/v5/market/recent-trade?category=spot&symbol=${encodeURIComponent(symbol)}&limit=${BYBIT_TRADES_LIMIT}`,
      market: symbol,
    });
  }

  describeError(response: HttpResponse): string {
    const message = errorField(response.body, ['retCode', 'retMsg']) ?? 'no message';
    if (response.status === 403 || response.status === 451) {
      return `${message} (Bybit refuses this host's region, or its IP limit was passed: set BYBIT_API_URL to a host or proxy it serves, or drop bybit from MARKETS)`;
    }
    if (response.status === 429) return `${message} (rate limit exceeded)`;
    return message;
  }
}
