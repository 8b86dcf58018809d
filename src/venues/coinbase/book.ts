/** Coinbase Exchange `GET /products/{id}/book?level=2`. */
import { z } from 'zod';
import { BookError, type BookFormat, type Level, type OrderBook } from '../../book/index.ts';
import { MAX_BIGINT } from '../../util/decimal.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import type { Venue } from '../codes.ts';

const level = z.tuple([z.string(), z.string(), z.number().int().nonnegative()]);

export const coinbaseBookSchema = z.object({
  bids: z.array(level),
  asks: z.array(level),
  sequence: z.union([z.number().int().nonnegative(), z.bigint().nonnegative().max(MAX_BIGINT)]),
  // Absent in older responses (2022 recordings have none).
  time: z.string().optional(),
  auction_mode: z.boolean().nullish(),
});

export type CoinbaseBook = z.infer<typeof coinbaseBookSchema>;

export function coinbaseLevels(levels: CoinbaseBook['bids']): Level[] {
  return levels.map(([price, size, orderCount]) => ({ price, size, orderCount }));
}

const TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]00:00)$/;

/**
 * Coinbase sends nanoseconds ("…:32.123456789Z"); PostgreSQL keeps microseconds. Truncate the
 * digits as text: a JS Date would round to milliseconds.
 */
export function coinbaseTimeToMicros(time: string): string | null {
  const m = TIME.exec(time);
  if (!m) return null;
  const [, whole, fraction = ''] = m;
  const month = Number(time.slice(5, 7));
  const day = Number(time.slice(8, 10));
  const hour = Number(time.slice(11, 13));
  const minute = Number(time.slice(14, 16));
  const second = Number(time.slice(17, 19));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  return `${whole}.${fraction.slice(0, 6).padEnd(6, '0')}Z`;
}

/**
 * While a product is in an auction its book holds the auction's latest indicative quote and
 * `auction_mode` is true (Coinbase's "Get product book", Auction Mode): no resting order stands
 * behind those levels, so nothing can be taken at them. False, null or absent: a live book.
 */
export function coinbaseNotExecutable(auctionMode: boolean | null | undefined): string | null {
  return auctionMode === true ? 'auction_mode' : null;
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
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
    notExecutable: coinbaseNotExecutable(b.auction_mode),
  };
}

/**
 * Levels 2 and 3 are the whole book (aggregated by price, or order by order): no depth limit.
 * Level 1, the default, is the best bid and ask alone.
 */
function depthLimit(url: string): number | null {
  const level = new URL(url).searchParams.get('level') ?? '1';
  if (level === '2' || level === '3') return null;
  if (level === '1') return 1;
  throw new Error(`book request ${url}: level=${level} is not 1, 2 or 3`);
}

/** Level 2 books: `[price, size, orders]` levels, `sequence`, an optional `time` and `auction_mode`. */
export const coinbaseBook: BookFormat = {
  normalize,
  scan: {
    sequenceKey: 'sequence',
    orderCounts: true,
    time: { key: 'time', toMicros: coinbaseTimeToMicros },
    flagKeys: ['auction_mode'],
    notExecutable: (flags) => coinbaseNotExecutable(flags.get('auction_mode')),
  },
  depthLimit,
};
