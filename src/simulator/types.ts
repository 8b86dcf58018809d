import type { Venue } from '../markets.ts';
import type { MetaEndpoint } from '../venues/codes.ts';

/** One market the simulated exchange lists. */
export interface SimMarket {
  venue: Venue;
  symbol: string;
  base: string;
  quote: string;
  /** Decimal string, e.g. '84705.63'. Rounded down to a multiple of tickSize. */
  startMid: string;
  /** Decimal string, e.g. '0.01'. */
  tickSize: string;
  /** Levels per side the venue holds (Binance answers min(limit, levels)). */
  levels: number;
  /** First sequence (Coinbase) / lastUpdateId (Binance) served; later books are higher. */
  startSequence?: bigint;
  /** Path of a recorded body served byte-for-byte as this market's book instead of a generated one. */
  recorded?: string;
  /**
   * The status word the venue's market list gives the market (Binance BREAK, OKX suspend,
   * Kraken cancel_only, Coinbase offline…); absent: the venue's word for a market that trades.
   */
  status?: string;
  /** Books served as an auction's indicative quote: Coinbase `auction_mode: true` (others ignore it). */
  auctionMode?: boolean;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  markets?: SimMarket[];
  enforceRateLimits?: boolean;
  /** Clock used for rate-limit windows and the request log; tests pin it. Defaults to Date.now. */
  now?: () => number;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'slowBody'; ms: number }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'malformed' }
  | { kind: 'html' }
  | { kind: 'crossed' }
  | { kind: 'empty'; side?: 'bids' | 'asks' | 'both' }
  | { kind: 'schema' }
  | { kind: 'oversize'; bytes: number };

/** A book, a trades list, or a venue's market list (its raw-store metadata endpoint name). */
export type Endpoint = 'book' | 'trades' | MetaEndpoint;

export interface FaultTarget {
  venue: Venue;
  endpoint?: Endpoint;
  symbol?: string;
}

export interface RequestRecord {
  venue: Venue;
  endpoint: Endpoint | 'unknown';
  symbol: string | null;
  url: string;
  userAgent: string | null;
  at: number;
  status: number;
}

export interface Simulator {
  url: string;
  requests: RequestRecord[];
  injectFault(target: FaultTarget, fault: Fault, times?: number): void;
  clearFaults(): void;
  resetRequests(): void;
  /**
   * Starts every venue's rate-limit count afresh. Binance reports the minute's weight to the
   * client, which waits for the next minute near the limit: a test file that makes many runs
   * within one minute calls this between them, as an hourly run would start on a fresh minute.
   */
  resetRateLimits(): void;
  close(): Promise<void>;
}

/** What a venue route decided to answer, before any transport-level fault shapes its delivery. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * Faults that change what the book says rather than how it is delivered. On a trades endpoint
 * `schema` sends the wrong shape, `empty` an empty list, and `crossed` means nothing.
 */
export type BookFault = Extract<Fault, { kind: 'crossed' | 'empty' | 'schema' }>;
