/**
 * Venue trades payload text → validated trades, ascending by trade id, given the venue's trades
 * format (src/venues/<venue>/trades.ts; parseTrades(venue, symbol, text) in src/venues picks it).
 * Like books, the raw text is already in the raw store when this runs, so a rejection loses nothing.
 */
import { schemaMessage } from '../util/schema-message.ts';
import { isPositiveDecimal, MAX_BIGINT } from '../util/decimal.ts';
import type { z } from 'zod';
import { bodyJson, parseJsonDeepExact } from '../util/json-exact.ts';
import type { Venue } from '../venues/codes.ts';
import type { Trade, TradeBatch } from './types.ts';

export type { TakerSide, Trade, TradeBatch } from './types.ts';

/** `venue_error`: the venue answered an error body in its own shape (often with HTTP 200). */
export type TradesErrorKind = 'not_json' | 'schema' | 'invalid_trade' | 'venue_error';

export class TradesError extends Error {
  readonly kind: TradesErrorKind;
  constructor(kind: TradesErrorKind, message: string) {
    super(message);
    this.name = 'TradesError';
    this.kind = kind;
  }
}

const CANONICAL_ID = /^(0|[1-9]\d*)$/;

/** How one venue's trades response reads. */
export interface TradesFormat {
  /** The parsed JSON body as trades, in any order; throws TradesError('schema') saying what is wrong. */
  normalize(json: unknown): Trade[];
}

/**
 * Rows checked against a venue's schema, then read one by one: the reading names the first row
 * it cannot take (a time out of range…), which becomes the schema error.
 */
export function readTradeRows<T>(
  schema: z.ZodType<T>,
  json: unknown,
  read: (rows: T) => Trade[] | { index: number; problem: string },
): Trade[] {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new TradesError('schema', schemaMessage(parsed.error));
  const result = read(parsed.data);
  if (!Array.isArray(result)) throw new TradesError('schema', `trade ${result.index + 1}: ${result.problem}`);
  return result;
}

/** Why these trades cannot be loaded, or null. Ids must be canonical, storable and unique. */
function tradesProblem(trades: Trade[]): string | null {
  const seen = new Set<string>();
  for (const t of trades) {
    const label = `trade ${t.tradeId}`;
    if (!CANONICAL_ID.test(t.tradeId) || BigInt(t.tradeId) > MAX_BIGINT) {
      return `trade id ${JSON.stringify(t.tradeId)} is not an integer the warehouse can store`;
    }
    if (seen.has(t.tradeId)) return `${label} appears twice`;
    seen.add(t.tradeId);
    if (!isPositiveDecimal(t.price))
      return `${label}: price ${JSON.stringify(t.price)} is not a positive decimal`;
    if (!isPositiveDecimal(t.size))
      return `${label}: size ${JSON.stringify(t.size)} is not a positive decimal`;
  }
  return null;
}

/** Parses, normalizes and validates one trades response body; throws TradesError with the reason. */
export function parseTradesAs(format: TradesFormat, venue: Venue, symbol: string, text: string): TradeBatch {
  const json = bodyJson(text, parseJsonDeepExact, (why) => new TradesError('not_json', why));
  const trades = format.normalize(json);
  const problem = tradesProblem(trades);
  if (problem) throw new TradesError('invalid_trade', problem);
  trades.sort((a, b) => {
    const x = BigInt(a.tradeId);
    const y = BigInt(b.tradeId);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { venue, symbol, trades };
}
