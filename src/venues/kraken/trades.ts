/**
 * Kraken `GET /0/public/Trades?pair=…`: `{"error":[],"result":{"XXBTZUSD":[[price, volume, time,
 * "b"|"s", "m"|"l", misc, trade_id], …],"last":"…"}}`, oldest first. `time` is seconds with a
 * fraction, a JSON number: it is read from its shortest decimal text (what the venue printed) and
 * truncated to microseconds as text, never multiplied as a float. "b": the taker bought.
 */
import { z } from 'zod';
import { readTradeRows, TradesError, type Trade, type TradesFormat } from '../../trades/index.ts';
import { schemaMessage } from '../../util/schema-message.ts';
import { MAX_SECONDS } from './book.ts';
import { krakenErrors } from './errors.ts';

const row = z
  .tuple([
    z.string(),
    z.string(),
    z.number().nonnegative(),
    z.enum(['b', 's']),
    z.string(),
    z.string(),
    z.union([z.number().int().nonnegative(), z.bigint().nonnegative()]),
  ])
  .rest(z.unknown());

export const krakenTradesSchema = z.looseObject({
  error: z.array(z.unknown()),
  result: z.record(z.string(), z.unknown()),
});

const rowsSchema = z.array(row);
type KrakenTradeRows = z.infer<typeof rowsSchema>;

/** Seconds with a fraction ("1616666442.2951703") as ISO 8601 with at most microseconds. */
export function krakenTimeToIso(seconds: number): string | null {
  const text = String(seconds);
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const whole = Number(m[1]);
  if (whole > MAX_SECONDS) return null;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}.${(m[2] ?? '').slice(0, 6).padEnd(6, '0')}Z`;
}

function read(rows: KrakenTradeRows): Trade[] | { index: number; problem: string } {
  const out: Trade[] = [];
  for (const [index, [price, size, time, side, , , id]] of rows.entries()) {
    const tradedAt = krakenTimeToIso(time);
    if (tradedAt === null) return { index, problem: `time ${String(time)} is not a time in seconds` };
    out.push({ tradeId: String(id), tradedAt, price, size, takerSide: side === 'b' ? 'buy' : 'sell' });
  }
  return out;
}

function normalize(json: unknown): Trade[] {
  const errors = krakenErrors(json);
  if (errors) throw new TradesError('venue_error', `kraken answered an error: ${errors.join('; ')}`);
  const parsed = krakenTradesSchema.safeParse(json);
  if (!parsed.success) throw new TradesError('schema', schemaMessage(parsed.error));
  // Beside the pair's list, `result` holds `last` (the cursor for the next call).
  const lists = Object.entries(parsed.data.result).filter(([key]) => key !== 'last');
  const [first] = lists;
  if (!first || lists.length !== 1) {
    throw new TradesError('schema', `result holds ${String(lists.length)} trade lists, not one`);
  }
  return readTradeRows(rowsSchema, first[1], read);
}

export const krakenTradesFormat: TradesFormat = { normalize };
