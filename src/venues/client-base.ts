/**
 * What every venue's client shares, carried once: its base URL and HTTP (limiter, retries, ban
 * memory), the ban it reports, and its market list read by the venue's own metadata module. A
 * venue's client (src/venues/<venue>/client.ts) adds only its endpoints and its error words.
 */
import type { HttpResponse, VenueHttp } from '../http/get.ts';
import type { Venue } from './codes.ts';
import type { MarketInfo, MetadataEndpoint, VenueClient, VenueMetadata } from './types.ts';

export abstract class VenueClientBase implements VenueClient {
  abstract readonly venue: Venue;
  readonly metadataEndpoint: MetadataEndpoint;
  protected readonly baseUrl: string;
  protected readonly http: VenueHttp;
  private readonly metadata: VenueMetadata;

  protected constructor(baseUrl: string, http: VenueHttp, metadata: VenueMetadata) {
    this.baseUrl = baseUrl;
    this.http = http;
    this.metadata = metadata;
    this.metadataEndpoint = metadata.endpoint;
  }

  get blocked(): string | null {
    return this.http.blocked;
  }

  parseMetadata(text: string): Map<string, MarketInfo> {
    return this.metadata.parse(text);
  }

  abstract fetchMetadata(symbols: string[]): Promise<HttpResponse>;
  abstract fetchBook(symbol: string): Promise<HttpResponse>;
  abstract fetchTrades(symbol: string): Promise<HttpResponse>;
  abstract describeError(response: HttpResponse): string;
}
