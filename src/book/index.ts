/**
 * Venue payload text → validated OrderBook, given the venue's book format. The raw text is
 * already in the raw store when this runs, so a rejection loses nothing: it is recorded with its
 * reason and the raw key. Which format a venue's body has is the venue's knowledge
 * (src/venues/<venue>/book.ts); parseBook(venue, symbol, text) in src/venues picks it.
 */
import type { Venue } from '../venues/codes.ts';
import { bodyJson, parseJsonExact } from '../util/json-exact.ts';
import { scanBookShape, type ScanShape } from './scan.ts';
import type { OrderBook } from './types.ts';
import { bookProblem } from './validate.ts';

export type { Level, OrderBook, Side } from './types.ts';
export type { ScanShape } from './scan.ts';
export { compareDecimal, isPositiveDecimal } from '../util/decimal.ts';

/** `venue_error`: the venue answered (often with HTTP 200) an error body in its own shape instead of a book. */
export type BookErrorKind = 'not_json' | 'schema' | 'invalid_book' | 'venue_error';

export class BookError extends Error {
  readonly kind: BookErrorKind;
  constructor(kind: BookErrorKind, message: string) {
    super(message);
    this.name = 'BookError';
    this.kind = kind;
  }
}

/** How one venue's book response reads. */
export interface BookFormat {
  /**
   * The general way: the parsed JSON body checked against the venue's schema and normalized;
   * throws BookError('schema') saying what is wrong. Does not validate the book.
   */
  normalize(venue: Venue, symbol: string, json: unknown): OrderBook;
  /** The plain shape of the usual body, for the fast scan (scan.ts); absent: always the general way. */
  readonly scan?: ScanShape;
  /**
   * Levels per side the book request at `url` (the raw envelope's) could get at most, the
   * venue's own default and ceiling applied; null when the venue sends its whole book. A side
   * with that many levels may go on past what was sent (fact_reach's venue_depth_limit).
   */
  depthLimit(url: string): number | null;
}

/** Parses, normalizes and validates one book response body; throws BookError with the reason. */
export function parseBookAs(format: BookFormat, venue: Venue, symbol: string, text: string): OrderBook {
  const book =
    (format.scan ? scanBookShape(format.scan, venue, symbol, text) : null) ??
    parseGeneralAs(format, venue, symbol, text);
  const problem = bookProblem(book);
  if (problem) throw new BookError('invalid_book', problem);
  return book;
}

/**
 * Any body, the general way: JSON.parse and the venue's schema, which say exactly what is wrong
 * with it. parseBookAs takes it when the fast scan declines; it is the reference that scan is
 * held to. Does not validate the book (parseBookAs does).
 */
export function parseGeneralAs(format: BookFormat, venue: Venue, symbol: string, text: string): OrderBook {
  const json = bodyJson(text, parseJsonExact, (why) => new BookError('not_json', why));
  return format.normalize(venue, symbol, json);
}
