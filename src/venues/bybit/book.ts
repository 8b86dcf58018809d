/**
 * Bybit v5 `GET /v5/market/orderbook?category=spot&symbol=…&limit=1000`: `{"retCode":0,
 * "result":{"s":…,"a":[[price, size]],"b":[…],"ts":<ms>,"u":…,"seq":…,"cts":<ms>}}`.
 * `ts` (when the venue made the data) is exchange_time. exchange_sequence is `seq`, the cross
 * sequence Bybit says orders books of any depth, or `u` (the update id) in answers from before
 * `seq` was sent (2023).
 */
import { z } from 'zod';
import { BookError, type BookFormat, type Level, type OrderBook } from '../../book/index.ts';
import { MAX_BIGINT } from '../../util/decimal.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import type { Venue } from '../codes.ts';
import { msToIso } from '../time.ts';
import { requestedDepth } from '../depth.ts';
import { bybitError } from './errors.ts';
import { BYBIT_DEPTH, BYBIT_DEPTH_DEFAULT } from './limits.ts';

const level = z.tuple([z.string(), z.string()]);
const integer = z.union([z.number().int().nonnegative(), z.bigint().nonnegative().max(MAX_BIGINT)]);

export const bybitBookSchema = z.looseObject({
  retCode: z.literal(0),
  result: z.looseObject({
    s: z.string(),
    a: z.array(level),
    b: z.array(level),
    ts: z.number().int().nonnegative(),
    u: integer,
    seq: integer.optional(),
  }),
});

function levels(rows: [string, string][]): Level[] {
  return rows.map(([price, size]) => ({ price, size, orderCount: null }));
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
  const error = bybitError(json);
  if (error) throw new BookError('venue_error', `bybit answered an error: ${error}`);
  const parsed = bybitBookSchema.safeParse(json);
  if (!parsed.success) throw new BookError('schema', schemaMessage(parsed.error));
  const r = parsed.data.result;
  const exchangeTime = msToIso(r.ts);
  if (exchangeTime === null)
    throw new BookError('schema', `ts ${String(r.ts)} is not a time in milliseconds`);
  return {
    venue,
    symbol,
    sequence: BigInt(r.seq ?? r.u),
    exchangeTime,
    bids: levels(r.b),
    asks: levels(r.a),
    notExecutable: null,
  };
}

export const bybitBook: BookFormat = {
  normalize,
  depthLimit: (url) =>
    requestedDepth(url, { name: 'limit', fallback: BYBIT_DEPTH_DEFAULT, max: BYBIT_DEPTH }),
};
