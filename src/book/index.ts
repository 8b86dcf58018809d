/**
 * Venue payload text → validated OrderBook. The raw text is already in the raw store when this
 * runs, so a rejection loses nothing: it is recorded with its reason and the raw key.
 */
import type { Venue } from '../markets.ts';
import { binanceBookSchema, binanceLevels } from './binance.ts';
import { coinbaseBookSchema, coinbaseLevels, coinbaseTimeToMicros } from './coinbase.ts';
import { parseJsonExact } from './json.ts';
import { schemaMessage } from './schema-message.ts';
import { scanBook } from './scan.ts';
import type { OrderBook } from './types.ts';
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

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
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
  const book = scanBook(venue, symbol, text) ?? parseGeneral(venue, symbol, text);
  const problem = bookProblem(book);
  if (problem) throw new BookError('invalid_book', problem);
  return book;
}

/**
 * Any body, the general way: JSON.parse and the venue's schema, which say exactly what is wrong
 * with it. parseBook takes it when the fast scan (scan.ts) declines; it is exported as the
 * reference that scan is held to. Does not validate the book (parseBook does).
 */
export function parseGeneral(venue: Venue, symbol: string, text: string): OrderBook {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (error) {
    throw new BookError('not_json', `body is not JSON: ${(error as Error).message}`);
  }
  return normalize(venue, symbol, json);
}
