/** A venue's response text read the venue's way: books, trades and the book's fast scan. */
import { parseBookAs, parseGeneralAs, type OrderBook } from '../book/index.ts';
import { scanBookShape } from '../book/scan.ts';
import { parseTradesAs, type TradeBatch } from '../trades/index.ts';
import type { Venue } from './codes.ts';
import { venueOf } from './registry.ts';

/** Parses, normalizes and validates one book response body; throws BookError with the reason. */
export function parseBook(venue: Venue, symbol: string, text: string): OrderBook {
  return parseBookAs(venueOf(venue).book, venue, symbol, text);
}

/** The general way (JSON.parse and the venue's schema), the reference the fast scan is held to. */
export function parseGeneral(venue: Venue, symbol: string, text: string): OrderBook {
  return parseGeneralAs(venueOf(venue).book, venue, symbol, text);
}

/** The book when `text` has its venue's plain shape; null when the general way must decide. */
export function scanBook(venue: Venue, symbol: string, text: string): OrderBook | null {
  const shape = venueOf(venue).book.scan;
  return shape ? scanBookShape(shape, venue, symbol, text) : null;
}

/** Parses, normalizes and validates one trades response body; throws TradesError with the reason. */
export function parseTrades(venue: Venue, symbol: string, text: string): TradeBatch {
  return parseTradesAs(venueOf(venue).trades, venue, symbol, text);
}
