/**
 * Binance Spot `GET /api/v3/trades`: oldest first, each `{"id":…,"price":"…","qty":"…",
 * "quoteQty":"…","time":<ms>,"isBuyerMaker":bool,"isBestMatch":bool}`. isBuyerMaker = true means
 * the buyer's order was resting, so the taker sold.
 */
import { z } from 'zod';
import { readTradeRows, type Trade, type TradesFormat } from '../../trades/index.ts';

export const binanceTradesSchema = z.array(
  z.looseObject({
    id: z.union([z.number().int().nonnegative(), z.bigint().nonnegative()]),
    price: z.string(),
    qty: z.string(),
    time: z.number().int().nonnegative(),
    isBuyerMaker: z.boolean(),
  }),
);

export type BinanceTrades = z.infer<typeof binanceTradesSchema>;

/** Last millisecond of year 9999: later times do not fit the ISO form the warehouse reads. */
const MAX_MS = 253_402_300_799_999;

export function binanceTrades(rows: BinanceTrades): Trade[] | { index: number; problem: string } {
  const out: Trade[] = [];
  for (const [index, row] of rows.entries()) {
    if (!Number.isSafeInteger(row.time) || row.time > MAX_MS) {
      return { index, problem: `time ${String(row.time)} is not a time in milliseconds` };
    }
    out.push({
      tradeId: String(row.id),
      // Whole milliseconds: Date holds them exactly.
      tradedAt: new Date(row.time).toISOString(),
      price: row.price,
      size: row.qty,
      takerSide: row.isBuyerMaker ? 'sell' : 'buy',
    });
  }
  return out;
}

export const binanceTradesFormat: TradesFormat = {
  normalize: (json) => readTradeRows(binanceTradesSchema, json, binanceTrades),
};
