/**
 * Venue trades payload text → validated trades, ascending by trade id. Like books, the raw text
 * is already in the raw store when this runs, so a rejection loses nothing.
 */
import { isPositiveDecimal, MAX_BIGINT } from '../book/decimal.ts';
import { parseJsonDeepExact } from '../book/json.ts';
import { schemaMessage } from '../book/schema-message.ts';
import type { Venue } from '../markets.ts';
import { binanceTrades, binanceTradesSchema } from './binance.ts';
import { coinbaseTrades, coinbaseTradesSchema } from './coinbase.ts';
import type { Trade, TradeBatch } from './types.ts';

export type { TakerSide, Trade, TradeBatch } from './types.ts';

export type TradesErrorKind = 'not_json' | 'schema' | 'invalid_trade';

export class TradesError extends Error {
  readonly kind: TradesErrorKind;
  constructor(kind: TradesErrorKind, message: string) {
    super(message);
    this.name = 'TradesError';
    this.kind = kind;
  }
}

const CANONICAL_ID = /^(0|[1-9]\d*)$/;

function normalize(venue: Venue, json: unknown): Trade[] {
  let result: ReturnType<typeof coinbaseTrades>;
  if (venue === 'coinbase') {
    const parsed = coinbaseTradesSchema.safeParse(json);
    if (!parsed.success) throw new TradesError('schema', schemaMessage(parsed.error));
    result = coinbaseTrades(parsed.data);
  } else {
    const parsed = binanceTradesSchema.safeParse(json);
    if (!parsed.success) throw new TradesError('schema', schemaMessage(parsed.error));
    result = binanceTrades(parsed.data);
  }
  if (!Array.isArray(result)) throw new TradesError('schema', `trade ${result.index + 1}: ${result.problem}`);
  return result;
}

/** Why these trades cannot be loaded, or null. Ids must be canonical, storable and unique. */
function tradesProblem(trades: Trade[]): string | null {
  const seen = new Set<string>();
  for (const t of trades) {
    const label = `trade ${t.tradeId}`;
    if (!CANONICAL_ID.test(t.tradeId) || BigInt(t.tradeId) > MAX_BIGINT) {
      return `trade id ${JSON.stringify(t.tradeId)} is not an integer the warehouse can store`;
    }
    if (seen.has(t.tradeId)) return `${label} appears twice`;
    seen.add(t.tradeId);
    if (!isPositiveDecimal(t.price))
      return `${label}: price ${JSON.stringify(t.price)} is not a positive decimal`;
    if (!isPositiveDecimal(t.size))
      return `${label}: size ${JSON.stringify(t.size)} is not a positive decimal`;
  }
  return null;
}

/** Parses, normalizes and validates one trades response body; throws TradesError with the reason. */
export function parseTrades(venue: Venue, symbol: string, text: string): TradeBatch {
  let json: unknown;
  try {
    json = parseJsonDeepExact(text);
  } catch (error) {
    throw new TradesError('not_json', `body is not JSON: ${(error as Error).message}`);
  }
  const trades = normalize(venue, json);
  const problem = tradesProblem(trades);
  if (problem) throw new TradesError('invalid_trade', problem);
  trades.sort((a, b) => {
    const x = BigInt(a.tradeId);
    const y = BigInt(b.tradeId);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { venue, symbol, trades };
}
