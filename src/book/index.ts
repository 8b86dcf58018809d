/**
 * Venue payload text → validated OrderBook. The raw text is already in the raw store when this
 * runs, so a rejection loses nothing: it is recorded with its reason and the raw key.
 */
import { z } from 'zod';
import type { Venue } from '../markets.ts';
import { binanceBookSchema, binanceLevels } from './binance.ts';
import { coinbaseBookSchema, coinbaseLevels, coinbaseTimeToMicros } from './coinbase.ts';
import { parseJsonExact } from './json.ts';
import type { Level, OrderBook } from './types.ts';
import { bookProblem } from './validate.ts';

export type { Level, OrderBook, Side } from './types.ts';
export { compareDecimal, isPositiveDecimal } from './decimal.ts';

export type BookErrorKind = 'not_json' | 'schema' | 'invalid_book';

export class BookError extends Error {
  readonly kind: BookErrorKind;
  constructor(kind: BookErrorKind, message: string) {
    super(message);
    this.name = 'BookError';
    this.kind = kind;
  }
}

function schemaMessage(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `unexpected payload shape: ${first.join('; ')}${more}`;
}

/** A `[price, size]` / `[price, size, orders]` tuple exactly as the venue schemas accept it, or null. */
function fastLevels(rows: unknown, withOrders: boolean): Level[] | null {
  if (!Array.isArray(rows)) return null;
  const levels = new Array<Level>(rows.length);
  const width = withOrders ? 3 : 2;
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row) || row.length !== width) return null;
    const price: unknown = row[0];
    const size: unknown = row[1];
    if (typeof price !== 'string' || typeof size !== 'string') return null;
    let orderCount: number | null = null;
    if (withOrders) {
      const orders: unknown = row[2];
      if (typeof orders !== 'number' || !Number.isSafeInteger(orders) || orders < 0) return null;
      orderCount = orders;
    }
    levels[i] = { price, size, orderCount };
  }
  return levels;
}

function isSequence(value: unknown): value is number | bigint {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'bigint' && value >= 0n)
  );
}

/**
 * The common case without zod: a well-formed book is checked and turned into levels in one loop
 * over its (tens of thousands of) tuples. Accepts only what the zod schemas accept and builds the
 * same result; anything else returns null and goes through zod, which says what is wrong.
 */
function fastNormalize(venue: Venue, symbol: string, json: unknown): OrderBook | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const b = json as Record<string, unknown>;
  const coinbase = venue === 'coinbase';
  const sequence = coinbase ? b.sequence : b.lastUpdateId;
  if (!isSequence(sequence)) return null;
  let exchangeTime: string | null = null;
  if (coinbase) {
    const auction = b.auction_mode;
    if (auction !== undefined && auction !== null && typeof auction !== 'boolean') return null;
    if (b.time !== undefined) {
      if (typeof b.time !== 'string') return null;
      exchangeTime = coinbaseTimeToMicros(b.time);
      if (exchangeTime === null) return null;
    }
  }
  const bids = fastLevels(b.bids, coinbase);
  const asks = bids && fastLevels(b.asks, coinbase);
  if (!bids || !asks) return null;
  return { venue, symbol, sequence: BigInt(sequence), exchangeTime, bids, asks };
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
  const fast = fastNormalize(venue, symbol, json);
  if (fast) return fast;
  if (venue === 'coinbase') {
    const parsed = coinbaseBookSchema.safeParse(json);
    if (!parsed.success) throw new BookError('schema', schemaMessage(parsed.error));
    const b = parsed.data;
    let exchangeTime: string | null = null;
    if (b.time !== undefined) {
      exchangeTime = coinbaseTimeToMicros(b.time);
      if (exchangeTime === null)
        throw new BookError('schema', `time ${JSON.stringify(b.time)} is not an ISO 8601 UTC time`);
    }
    return {
      venue,
      symbol,
      sequence: BigInt(b.sequence),
      exchangeTime,
      bids: coinbaseLevels(b.bids),
      asks: coinbaseLevels(b.asks),
    };
  }
  const parsed = binanceBookSchema.safeParse(json);
  if (!parsed.success) throw new BookError('schema', schemaMessage(parsed.error));
  const b = parsed.data;
  return {
    venue,
    symbol,
    sequence: BigInt(b.lastUpdateId),
    exchangeTime: null,
    bids: binanceLevels(b.bids),
    asks: binanceLevels(b.asks),
  };
}

/** Parses, normalizes and validates one book response body; throws BookError with the reason. */
export function parseBook(venue: Venue, symbol: string, text: string): OrderBook {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (error) {
    throw new BookError('not_json', `body is not JSON: ${(error as Error).message}`);
  }
  const book = normalize(venue, symbol, json);
  const problem = bookProblem(book);
  if (problem) throw new BookError('invalid_book', problem);
  return book;
}
