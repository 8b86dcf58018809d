import type { Venue } from '../venues/codes.ts';
import type { BookGenerator, BookShape } from './books.ts';
import type { TradeTape } from './trades.ts';
import type { BookFault, Endpoint, Reply, SimMarket } from './types.ts';

/** A listed market with its running state. */
export interface MarketRuntime {
  market: SimMarket;
  generator: BookGenerator;
  /** The recorded book body, when the market serves one instead of generated books. */
  recorded: Buffer | null;
  /** The market's public trades. */
  tape: TradeTape;
}

export interface Route {
  venue: Venue;
  endpoint: Endpoint | 'unknown';
  symbol: string | null;
  url: URL;
  userAgent: string | null;
}

export interface Admission {
  /** The venue's own refusal (missing User-Agent, rate limit); such requests never reach a fault. */
  rejection: Reply | null;
  /** Headers the venue puts on every answer to this request (Binance's used weight). */
  headers: Record<string, string>;
}

/** One venue's REST surface. Routing, admission and answering are separate so faults can sit between. */
export interface VenueApi {
  readonly venue: Venue;
  route: (url: URL) => Pick<Route, 'endpoint' | 'symbol'>;
  admit: (route: Route) => Admission;
  respond: (route: Route, fault: BookFault | null) => Reply;
  /** The body this venue sends with an error status when a fault does not say. */
  errorReply: (status: number) => Reply;
  /** Forgets what the venue's rate limit has counted, as if a new window had begun. */
  resetRateLimit: () => void;
}

/** What a venue's half is given: the markets it lists, with their running state. */
export interface VenueApiOptions {
  markets: MarketRuntime[];
  enforceRateLimits: boolean;
  now: () => number;
}

/** How the generated markets of a venue look, where venues differ (each venue's half says). */
export interface SimTraits {
  /** Level spacing and sizes of its books, fitted to recorded ones. */
  readonly bookShape: BookShape;
  /** The lot step of a market, in 10^-8 base units (SIZE_SCALE). */
  sizeStepUnits(market: SimMarket): number;
  /** Where a market's sequence numbers start, before the seeded offset (today's magnitudes). */
  readonly sequenceBase: bigint;
  /** Where a market's trade ids start, before the seeded offset. */
  readonly tradeIdBase: bigint;
}

export function jsonReply(status: number, body: string | Buffer, contentType: string): Reply {
  return { status, headers: { 'Content-Type': contentType }, body };
}
