/**
 * Coinbase Exchange `GET /products/{id}/trades`: newest first, each
 * `{"trade_id":…,"side":"buy"|"sell","size":"…","price":"…","time":"…Z"}`. `side` is the MAKER's
 * side ("a buy side indicates a down-tick because the maker was a buy order"), so the taker is
 * the other one. trade_id is an integer in the API reference; some recordings show it as a
 * string of digits, so both are read.
 */
import { z } from 'zod';
import { coinbaseTimeToMicros } from './book.ts';
import { readTradeRows, type Trade, type TradesFormat } from '../../trades/index.ts';

const tradeId = z.union([
  z.number().int().nonnegative(),
  z.bigint().nonnegative(),
  z.string().regex(/^\d{1,19}$/),
]);

export const coinbaseTradesSchema = z.array(
  z.looseObject({
    trade_id: tradeId,
    side: z.enum(['buy', 'sell']),
    size: z.string(),
    price: z.string(),
    time: z.string(),
  }),
);

export type CoinbaseTrades = z.infer<typeof coinbaseTradesSchema>;

/** Normalized trades, or the index and reason of the first one that cannot be read. */
export function coinbaseTrades(rows: CoinbaseTrades): Trade[] | { index: number; problem: string } {
  const out: Trade[] = [];
  for (const [index, row] of rows.entries()) {
    const tradedAt = coinbaseTimeToMicros(row.time);
    if (tradedAt === null)
      return { index, problem: `time ${JSON.stringify(row.time)} is not an ISO 8601 UTC time` };
    out.push({
      tradeId: String(row.trade_id),
      tradedAt,
      price: row.price,
      size: row.size,
      takerSide: row.side === 'buy' ? 'sell' : 'buy',
    });
  }
  return out;
}

export const coinbaseTradesFormat: TradesFormat = {
  normalize: (json) => readTradeRows(coinbaseTradesSchema, json, coinbaseTrades),
};
