/**
 * OKX `GET /api/v5/market/books-full?instId=…&sz=5000` (and `/books`, ≤ 400): `{"code":"0",
 * "msg":"","data":[{"asks":[[px, sz, "0", orders]],"bids":[…],"ts":"<ms>","seqId":…}]}`. The
 * third field is deprecated (always "0"); the fourth is the number of orders at the price.
 * `ts` (ms, a string) is exchange_time; exchange_sequence is `seqId`, or `ts` where the answer has
 * none (books-full does not send one), as the only ordering the venue then gives.
 */
import { z } from 'zod';
import { BookError, type BookFormat, type Level, type OrderBook } from '../../book/index.ts';
import { MAX_BIGINT } from '../../util/decimal.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import type { Venue } from '../codes.ts';
import { msToIso } from '../time.ts';
import { requestedDepth } from '../depth.ts';
import { okxError } from './errors.ts';
import { OKX_BOOKS_DEPTH, OKX_DEPTH, OKX_DEPTH_DEFAULT } from './limits.ts';

const count = z.string().regex(/^\d{1,9}$/);
const level = z.tuple([z.string(), z.string(), z.string(), count]);

export const okxBookSchema = z.looseObject({
  code: z.literal('0'),
  data: z
    .array(
      z.looseObject({
        asks: z.array(level),
        bids: z.array(level),
        ts: z.string().regex(/^\d{1,15}$/),
        seqId: z.union([z.number().int().nonnegative(), z.bigint().nonnegative().max(MAX_BIGINT)]).optional(),
      }),
    )
    .length(1),
});

type OkxLevels = z.infer<typeof okxBookSchema>['data'][number]['bids'];

function levels(rows: OkxLevels): Level[] {
  return rows.map(([price, size, , orders]) => ({ price, size, orderCount: Number(orders) }));
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
  const error = okxError(json);
  if (error) throw new BookError('venue_error', `okx answered an error: ${error}`);
  const parsed = okxBookSchema.safeParse(json);
  if (!parsed.success) throw new BookError('schema', schemaMessage(parsed.error));
  const book = parsed.data.data[0] as (typeof parsed.data.data)[number];
  const exchangeTime = msToIso(book.ts);
  if (exchangeTime === null)
    throw new BookError('schema', `ts ${JSON.stringify(book.ts)} is not a time in milliseconds`);
  return {
    venue,
    symbol,
    sequence: BigInt(book.seqId ?? book.ts),
    exchangeTime,
    bids: levels(book.bids),
    asks: levels(book.asks),
    notExecutable: null,
  };
}

export const okxBook: BookFormat = {
  normalize,
  // `sz` levels per side: books-full up to 5000, /books up to 400.
  depthLimit: (url) =>
    requestedDepth(url, {
      name: 'sz',
      fallback: OKX_DEPTH_DEFAULT,
      max: new URL(url).pathname.endsWith('/books-full') ? OKX_DEPTH : OKX_BOOKS_DEPTH,
    }),
};
