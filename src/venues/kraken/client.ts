/** Kraken Spot public REST: https://docs.kraken.com/api/docs/rest-api/get-order-book */
import type { HttpResponse, VenueHttp } from '../../http/get.ts';
import { VenueClientBase } from '../client-base.ts';
import { errorField } from '../error-body.ts';
import { krakenErrors } from './errors.ts';
import { krakenMetadata } from './metadata.ts';

/** Levels per side Kraken gives at most (`count` 1-500). */
export const KRAKEN_DEPTH_COUNT = 500;

export class KrakenClient extends VenueClientBase {
  readonly venue = 'kraken' as const;

  constructor(baseUrl: string, http: VenueHttp) {
    super(baseUrl, http, krakenMetadata);
  }

  fetchMetadata(): Promise<HttpResponse> {
    // The whole list: naming pairs would make one unknown pair fail every Kraken market of the run.
    return this.http.get({ url: `${this.baseUrl}/0/public/AssetPairs`, market: null });
  }

  fetchBook(symbol: string): Promise<HttpResponse> {
    return this.http.get({
      url: `${this.baseUrl}/0/public/Depth?pair=${encodeURIComponent(symbol)}&count=${KRAKEN_DEPTH_COUNT}`,
      market: symbol,
    });
  }

  fetchTrades(symbol: string): Promise<HttpResponse> {
    // Without `since`, Kraken answers its latest 1000 trades (TRADES_LIMIT).
    return this.http.get({
      url: `${this.baseUrl}/0/public/Trades?pair=${encodeURIComponent(symbol)}`,
      market: symbol,
    });
  }

  describeError(response: HttpResponse): string {
    let errors: string[] | null = null;
    try {
      errors = krakenErrors(JSON.parse(response.body.toString('utf8')));
    } catch {
      // Not JSON: the excerpt below.
    }
    const message = errors?.join('; ') ?? errorField(response.body, ['message']) ?? 'no message';
    if (errors?.some((e) => e.startsWith('EQuery:Unknown asset pair'))) {
      return `${message} (check MARKETS against GET /0/public/AssetPairs)`;
    }
    return message;
  }
}
