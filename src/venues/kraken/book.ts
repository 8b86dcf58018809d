/**
 * Kraken `GET /0/public/Depth?pair=…&count=500`: `{"error":[],"result":{"XXBTZUSD":{"asks":[…],
 * "bids":[…]}}}`, levels `[price, volume, timestamp]`. The result is keyed by Kraken's own pair
 * name (XXBTZUSD), not the name asked for (XBTUSD), so the one pair in it is taken whatever its key.
 *
 * Kraken gives no book-wide time or sequence, only the second each level last changed. The newest
 * of them is the latest moment the book is known to reflect, so it is `exchange_time`, and, as the
 * only ordering the venue gives, `exchange_sequence` (in seconds): a later book never has a
 * smaller one. A book whose levels did not change for a while says so by an old time.
 */
import { z } from 'zod';
import { BookError, type BookFormat, type Level, type OrderBook } from '../../book/index.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import type { Venue } from '../codes.ts';
import { requestedDepth } from '../depth.ts';
import { KRAKEN_DEPTH_COUNT } from './client.ts';
import { krakenErrors } from './errors.ts';
import { KRAKEN_DEPTH_DEFAULT } from './limits.ts';

/** Last second of year 9999: later times do not fit the ISO form the warehouse reads. */
export const MAX_SECONDS = 253_402_300_799;

const level = z.tuple([z.string(), z.string(), z.number().int().nonnegative().max(MAX_SECONDS)]);

const pairBook = z.looseObject({ asks: z.array(level), bids: z.array(level) });

export const krakenBookSchema = z.looseObject({
  error: z.array(z.unknown()),
  result: z.record(z.string(), pairBook),
});

export type KrakenPairBook = z.infer<typeof pairBook>;

function levels(rows: KrakenPairBook['bids']): Level[] {
  return rows.map(([price, size]) => ({ price, size, orderCount: null }));
}

/** Whole seconds since the epoch as the warehouse's ISO form with microseconds. */
export function secondsToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/** The pair's book in the result: the only one there, or the one under the name asked for. */
function pairOf(symbol: string, result: Record<string, KrakenPairBook>): KrakenPairBook {
  const keys = Object.keys(result);
  const only = keys.length === 1 ? keys[0] : undefined;
  const book = result[only ?? symbol];
  if (!book) {
    throw new BookError(
      'schema',
      `result holds ${keys.length === 0 ? 'no pair' : `pairs ${keys.join(', ')}`}, not one book for ${symbol}`,
    );
  }
  return book;
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
  const errors = krakenErrors(json);
  if (errors) throw new BookError('venue_error', `kraken answered an error: ${errors.join('; ')}`);
  const parsed = krakenBookSchema.safeParse(json);
  if (!parsed.success) throw new BookError('schema', schemaMessage(parsed.error));
  const book = pairOf(symbol, parsed.data.result);
  let newest = -1;
  for (const side of [book.bids, book.asks]) for (const row of side) if (row[2] > newest) newest = row[2];
  return {
    venue,
    symbol,
    sequence: BigInt(Math.max(newest, 0)),
    exchangeTime: newest < 0 ? null : secondsToIso(newest),
    bids: levels(book.bids),
    asks: levels(book.asks),
    notExecutable: null,
  };
}

export const krakenBook: BookFormat = {
  normalize,
  // `count` 1-500: Kraken sends at most 500 a side, whatever is asked.
  depthLimit: (url) =>
    requestedDepth(url, { name: 'count', fallback: KRAKEN_DEPTH_DEFAULT, max: KRAKEN_DEPTH_COUNT }),
};
