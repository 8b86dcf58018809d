/** Binance Spot `GET /api/v3/depth`. */
import { z } from 'zod';
import { MAX_BIGINT } from '../util/decimal.ts';
import type { Level } from './types.ts';

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
