import type { Venue } from '../markets.ts';
import type { BookGenerator } from './books.ts';
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

export function jsonReply(status: number, body: string | Buffer, contentType: string): Reply {
  return { status, headers: { 'Content-Type': contentType }, body };
}
