/** Coinbase Exchange public REST: https://docs.cdp.coinbase.com/exchange/reference */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { VenueClientBase } from '../client-base.ts';
import { errorField } from '../error-body.ts';
import { TRADES_LIMIT } from '../types.ts';
import { coinbaseMetadata } from './metadata.ts';

export class CoinbaseClient extends VenueClientBase {
  readonly venue = 'coinbase' as const;

  constructor(baseUrl: string, http: VenueHttp) {
    super(baseUrl, http, coinbaseMetadata);
  }

  fetchMetadata(): Promise<HttpResponse> {
    // The full list is one request of ~500 products; per-product lookups would cost one each.
    return this.http.get({ url: `${this.baseUrl}/products`, market: null });
  }

  fetchBook(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/products/${encodeURIComponent(symbol)}/book?level=2`,
      market: symbol,
    });
  }

  fetchTrades(symbol: string): Promise<HttpResponse> {
    // One request against the public 10/s like any other; newest first, `limit` at most 1000.
    return this.http.get({
      url: `${this.baseUrl}/products/${encodeURIComponent(symbol)}/trades?limit=${TRADES_LIMIT}`,
      market: symbol,
    });
  }

  describeError(response: HttpResponse): string {
    const message = errorField(response.body, ['message']);
    const advice =
      response.status === 404
        ? ' (unknown product: check MARKETS against GET /products)'
        : response.status === 400 && /user-agent/i.test(message ?? '')
          ? ' (Coinbase requires a User-Agent header)'
          : '';
    return `${message ?? 'no message'}${advice}`;
  }
}
