import type { Venue } from '../markets.ts';
import type { HttpResponse } from '../http/get.ts';

/** What a venue says a market trades: needed for the asset dimensions and USD comparisons. */
export interface MarketInfo {
  symbol: string;
  base: string;
  quote: string;
  /** False when the venue lists the market but does not trade it now. */
  trading: boolean;
}

export type MetadataEndpoint = 'products' | 'exchangeInfo';

/**
 * Trades asked per market per run: the most either venue answers in one request (Coinbase
 * paginates at 1000, Binance caps `limit` at 1000). A busy market trades more than that between
 * hourly runs; v_vwap says how many it missed.
 */
export const TRADES_LIMIT = 1000;

/** A venue behind one interface: how to ask for its books and metadata, and how to read its errors. */
export interface VenueClient {
  readonly venue: Venue;
  readonly metadataEndpoint: MetadataEndpoint;
  /** Market metadata for these symbols (one request, however many symbols). */
  fetchMetadata(symbols: string[]): Promise<HttpResponse>;
  parseMetadata(text: string): Map<string, MarketInfo>;
  fetchBook(symbol: string): Promise<HttpResponse>;
  /** The venue's most recent public trades of a market (TRADES_LIMIT of them, newest included). */
  fetchTrades(symbol: string): Promise<HttpResponse>;
  /** The venue's own words from an error body, with advice where there is some to give. */
  describeError(response: HttpResponse): string;
  /** Why the venue is not being asked any more in this run (418 ban), or null. */
  readonly blocked: string | null;
}

/** Reads a venue's JSON error body field without trusting it to be JSON. */
export function errorField(body: Buffer, fields: string[]): string | null {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (json && typeof json === 'object') {
      const parts = fields
        .map((f) => (json as Record<string, unknown>)[f])
        .filter((v) => typeof v === 'string' || typeof v === 'number');
      if (parts.length > 0) return parts.join(' ');
    }
  } catch {
    // Not JSON: fall through to a short excerpt.
  }
  const text = body.toString('utf8', 0, 200).replace(/\s+/g, ' ').trim();
  return text.length > 0 ? text : null;
}
