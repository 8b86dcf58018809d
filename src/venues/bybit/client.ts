/** Bybit v5 public market data: https://bybit-exchange.github.io/docs/v5/market/orderbook */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { errorField } from '../error-body.ts';
import type { MarketInfo, VenueClient } from '../types.ts';
import { BYBIT_DEPTH, BYBIT_TRADES_LIMIT } from './limits.ts';
import { bybitMetadata } from './metadata.ts';

export class BybitClient implements VenueClient {
  readonly venue = 'bybit' as const;
  readonly metadataEndpoint = bybitMetadata.endpoint;
  private readonly baseUrl: string;
  private readonly http: VenueHttp;

  constructor(baseUrl: string, http: VenueHttp) {
    this.baseUrl = baseUrl;
    this.http = http;
  }

  get blocked(): string | null {
    return this.http.blocked;
  }

  fetchMetadata(): Promise<HttpResponse> {
    // The spot list is one page (spot is not paginated), whatever the symbols.
    return this.http.get({ url: `${this.baseUrl}/v5/market/instruments-info?category=spot`, market: null });
  }

  parseMetadata(text: string): Map<string, MarketInfo> {
    return bybitMetadata.parse(text);
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
