/**
 * What a venue is to the rest of the code: one Venue object per folder (src/venues/<code>/),
 * selected from the registry (index.ts) by code. Nothing outside src/venues asks which venue it
 * holds; it asks the venue.
 */
import type { BookFormat } from '../book/index.ts';
import type { Config } from '../config.ts';
import type { HttpResponse, VenueHttp } from '../http/get.ts';
import type { RateLimiter } from '../http/ratelimit.ts';
import type { SimMarket } from '../simulator/types.ts';
import type { SimTraits, VenueApi, VenueApiOptions } from '../simulator/venue.ts';
import type { TradesFormat } from '../trades/index.ts';
import type { MetaEndpoint, Venue } from './codes.ts';

/** What a venue says a market trades: needed for the asset dimensions and USD comparisons. */
export interface MarketInfo {
  symbol: string;
  base: string;
  quote: string;
  /** False when the venue lists the market but does not trade it now. */
  trading: boolean;
  /**
   * Why a taker cannot take the market's book now, from the venue's own status words (e.g.
   * 'status: BREAK', 'cancel_only'); null when it can. Stricter than `trading`: a market that
   * accepts only cancels or only maker (post-only) orders trades, but not for a taker.
   */
  notExecutable: string | null;
}

export type MetadataEndpoint = MetaEndpoint;

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

/** The settings venue clients are made from. */
export type VenueSettings = Pick<
  Config,
  'apiUrl' | 'binanceDepthLimit' | 'httpTimeoutMs' | 'httpRetries' | 'httpMaxBytes' | 'httpBackoffMs'
>;

/** A venue's market list: where it is asked for and how it reads (market → base/quote). */
export interface VenueMetadata {
  readonly endpoint: MetadataEndpoint;
  parse(text: string): Map<string, MarketInfo>;
}

/** The venue's half of the local exchange (src/simulator serves every venue's half on one port). */
export interface VenueSimulator {
  /** Whether a request path is this venue's; the first venue claiming it, in registry order, answers. */
  claims(pathname: string): boolean;
  /** The venue's REST surface over the markets it lists. */
  create(options: VenueApiOptions): VenueApi;
  /** The markets the simulator lists for this venue by default (`levels` per side, or the real depth). */
  markets(levels?: number): SimMarket[];
  readonly traits: SimTraits;
}

/** One exchange: everything the ETL and the simulator know of it. */
export interface VenueModule {
  readonly code: Venue;
  /** dim_exchange.name. */
  readonly name: string;
  /** The setting holding its API base URL (Config.apiUrl[code]). */
  readonly apiUrlSetting: string;
  /** A fresh limiter for one run, at the venue's public limits. */
  createLimiter(): RateLimiter;
  /** The run's client of the venue (endpoints, error bodies), over one VenueHttp. */
  createClient(baseUrl: string, http: VenueHttp, settings: VenueSettings): VenueClient;
  readonly book: BookFormat;
  readonly trades: TradesFormat;
  readonly metadata: VenueMetadata;
  readonly simulator: VenueSimulator;
}
