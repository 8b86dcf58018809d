/**
 * Bybit v5 `GET /v5/market/recent-trade?category=spot&symbol=…&limit=60`: newest first in
 * `result.list`, each `{"execId":"…","symbol":…,"price":"…","size":"…","side":"Buy"|"Sell",
 * "time":"<ms>",…}`. `side` is the taker's; spot execIds are strings of digits.
 */
import { z } from 'zod';
import { readTradeRows, TradesError, type Trade, type TradesFormat } from '../../trades/index.ts';
import { msToIso } from '../time.ts';
import { bybitError } from './errors.ts';

export const bybitTradesSchema = z.looseObject({
  retCode: z.literal(0),
  result: z.looseObject({
    list: z.array(
      z.looseObject({
        execId: z.string(),
        price: z.string(),
        size: z.string(),
        side: z.enum(['Buy', 'Sell']),
        time: z.string(),
      }),
    ),
  }),
});

type BybitTrades = z.infer<typeof bybitTradesSchema>;

function read(body: BybitTrades): Trade[] | { index: number; problem: string } {
  const out: Trade[] = [];
  for (const [index, row] of body.result.list.entries()) {
    const tradedAt = msToIso(row.time);
    if (tradedAt === null)
      return { index, problem: `time ${JSON.stringify(row.time)} is not a time in milliseconds` };
    out.push({
      tradeId: row.execId,
      tradedAt,
      price: row.price,
      size: row.size,
      takerSide: row.side === 'Buy' ? 'buy' : 'sell',
    });
  }
  return out;
}

function normalize(json: unknown): Trade[] {
  const error = bybitError(json);
  if (error) throw new TradesError('venue_error', `bybit answered an error: ${error}`);
  return readTradeRows(bybitTradesSchema, json, read);
}

export const bybitTradesFormat: TradesFormat = { normalize };
