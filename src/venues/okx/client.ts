/** OKX public market data (REST v5): https://www.okx.com/docs-v5/en/#order-book-trading-market-data */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { VenueClientBase } from '../client-base.ts';
import { errorField } from '../error-body.ts';
import { OKX_DEPTH, OKX_TRADES_LIMIT } from './limits.ts';
import { okxMetadata } from './metadata.ts';

export class OkxClient extends VenueClientBase {
  readonly venue = 'okx' as const;

  constructor(baseUrl: string, http: VenueHttp) {
    super(baseUrl, http, okxMetadata);
  }

  fetchMetadata(): Promise<HttpResponse> {
    // One request for every spot instrument; OKX takes one instId at a time, not a list.
    return this.http.get({ url: `${this.baseUrl}/api/v5/public/instruments?instType=SPOT`, market: null });
  }

  fetchBook(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/api/v5/market/books-full?instId=${encodeURIComponent(symbol)}&sz=${OKX_DEPTH}`,
      market: symbol,
    });
  }

  fetchTrades(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/api/v5/market/trades?instId=${encodeURIComponent(symbol)}&limit=${OKX_TRADES_LIMIT}`,
      market: symbol,
    });
  }

  describeError(response: HttpResponse): string {
    const message = errorField(response.body, ['code', 'msg']) ?? 'no message';
    if (response.status === 403 || response.status === 451) {
      return `${message} (OKX refuses this host's region: set OKX_API_URL to a host or proxy it serves, or drop okx from MARKETS)`;
    }
    if (response.status === 429) return `${message} (rate limit exceeded)`;
    return message;
  }
}
