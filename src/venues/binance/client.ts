/** Binance Spot public market data: https://developers.binance.com/docs/binance-spot-api-docs/rest-api */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { VenueClientBase } from '../client-base.ts';
import { errorField } from '../error-body.ts';
import { TRADES_LIMIT } from '../types.ts';
import { binanceMetadata } from './metadata.ts';
import { depthWeight, EXCHANGE_INFO_WEIGHT, TRADES_WEIGHT } from './weights.ts';

export class BinanceClient extends VenueClientBase {
  readonly venue = 'binance' as const;
  private readonly depthLimit: number;

  constructor(baseUrl: string, http: VenueHttp, depthLimit: number) {
    super(baseUrl, http, binanceMetadata);
    this.depthLimit = depthLimit;
  }

  fetchMetadata(symbols: string[]): Promise<HttpResponse> {
    // Naming the symbols keeps the body small; the unfiltered list is megabytes.
    const query = encodeURIComponent(JSON.stringify(symbols));
    return this.http.get({
      url: `${this.baseUrl}/api/v3/exchangeInfo?symbols=${query}`,
      market: null,
      weight: EXCHANGE_INFO_WEIGHT,
    });
  }

  fetchBook(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/api/v3/depth?symbol=${encodeURIComponent(symbol)}&limit=${this.depthLimit}`,
      market: symbol,
      weight: depthWeight(this.depthLimit),
    });
  }

  fetchTrades(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/api/v3/trades?symbol=${encodeURIComponent(symbol)}&limit=${TRADES_LIMIT}`,
      market: symbol,
      weight: TRADES_WEIGHT,
    });
  }

  describeError(response: HttpResponse): string {
    if (response.status === 451) {
      return (
        'restricted location: Binance refuses this host region. Set BINANCE_API_URL=https://data-api.binance.vision ' +
        '(market data only) or https://api.binance.us'
      );
    }
    const message = errorField(response.body, ['code', 'msg']) ?? 'no message';
    if (response.status === 418)
      return `${message} (IP banned for repeated rate-limit violations; venue skipped for this run)`;
    if (response.status === 429) return `${message} (request weight limit exceeded)`;
    return message;
  }
}
