/**
 * OKX `GET /api/v5/market/trades?instId=…&limit=500`: newest first, each `{"instId":…,"side":
 * "buy"|"sell","sz":"…","px":"…","tradeId":"…","ts":"<ms>"}`. `side` is the taker's.
 */
import { z } from 'zod';
import { readTradeRows, TradesError, type Trade, type TradesFormat } from '../../trades/index.ts';
import { msToIso } from '../time.ts';
import { okxError } from './errors.ts';

export const okxTradesSchema = z.looseObject({
  code: z.literal('0'),
  data: z.array(
    z.looseObject({
      side: z.enum(['buy', 'sell']),
      sz: z.string(),
      px: z.string(),
      tradeId: z.string().regex(/^\d{1,19}$/),
      ts: z.string(),
    }),
  ),
});

type OkxTrades = z.infer<typeof okxTradesSchema>;

function read(body: OkxTrades): Trade[] | { index: number; problem: string } {
  const out: Trade[] = [];
  for (const [index, row] of body.data.entries()) {
    const tradedAt = msToIso(row.ts);
    if (tradedAt === null)
      return { index, problem: `ts ${JSON.stringify(row.ts)} is not a time in milliseconds` };
    out.push({ tradeId: row.tradeId, tradedAt, price: row.px, size: row.sz, takerSide: row.side });
  }
  return out;
}

function normalize(json: unknown): Trade[] {
  const error = okxError(json);
  if (error) throw new TradesError('venue_error', `okx answered an error: ${error}`);
  return readTradeRows(okxTradesSchema, json, read);
}

export const okxTradesFormat: TradesFormat = { normalize };
