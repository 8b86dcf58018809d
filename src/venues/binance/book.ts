/** Binance Spot `GET /api/v3/depth`. */
import { z } from 'zod';
import { BookError, type BookFormat, type Level, type OrderBook } from '../../book/index.ts';
import { MAX_BIGINT } from '../../util/decimal.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import type { Venue } from '../codes.ts';
import { requestedDepth } from '../depth.ts';
import { BINANCE_DEPTH_DEFAULT, BINANCE_DEPTH_MAX } from './limits.ts';

const level = z.tuple([z.string(), z.string()]);

export const binanceBookSchema = z.object({
  lastUpdateId: z.union([z.number().int().nonnegative(), z.bigint().nonnegative().max(MAX_BIGINT)]),
  bids: z.array(level),
  asks: z.array(level),
});

export type BinanceBook = z.infer<typeof binanceBookSchema>;

export function binanceLevels(levels: BinanceBook['bids']): Level[] {
  return levels.map(([price, size]) => ({ price, size, orderCount: null }));
}

function normalize(venue: Venue, symbol: string, json: unknown): OrderBook {
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
    notExecutable: null,
  };
}

/** `[price, size]` levels and `lastUpdateId`; no exchange time. */
export const binanceBook: BookFormat = {
  normalize,
  scan: { sequenceKey: 'lastUpdateId', orderCounts: false },
  // BINANCE_DEPTH_LIMIT as the request asked it (a limit past 5000 gets 5000).
  depthLimit: (url) =>
    requestedDepth(url, { name: 'limit', fallback: BINANCE_DEPTH_DEFAULT, max: BINANCE_DEPTH_MAX }),
};
