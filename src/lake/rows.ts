/**
 * A raw book response → what the lake stores of it, through the same reader and parser as the
 * warehouse (so the lake's levels are the warehouse's), or the reason it gives no rows: an error
 * response, a body that is no book, or a value no column can hold exactly (refused, never
 * rounded). The same for a trades response.
 */
import { BookError, type Level, type OrderBook } from '../book/index.ts';
import { readSnapshot, readTrades, type RawStore, type SnapshotRecord } from '../raw/index.ts';
import { TradesError, type Trade } from '../trades/index.ts';
import { parseBook, parseTrades } from '../venues/index.ts';
import { misfit } from './decimal.ts';
import type { StagedSide, StagedSnapshot } from './engine.ts';
import { BPS, MID, PRICE, SIZE, type DecimalType } from './schema.ts';
import { topOfBook } from './top.ts';

/** `failed`: could not be read (try again); `skipped`: will never give rows; `refused` among them: a value does not fit. */
export type Outcome<T> =
  | { kind: 'rows'; rows: T }
  | { kind: 'skipped'; reason: string; refused: boolean }
  | { kind: 'failed'; reason: string };

export interface BookRows {
  snapshot: StagedSnapshot['values'];
  sides: StagedSide[];
  levels: number;
}

export interface TradeRows {
  trades: { date: string; values: Record<string, string> }[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function skipped(reason: string, refused = false): { kind: 'skipped'; reason: string; refused: boolean } {
  return { kind: 'skipped', reason, refused };
}

/** The envelope's body as text, or why no parser should see it (the warehouse's rule, backfill.ts). */
function usableText(record: SnapshotRecord, what: string): string | { reason: string } {
  const { meta } = record;
  if (meta.status < 200 || meta.status >= 300) return { reason: `HTTP ${meta.status} response, not ${what}` };
  if (meta.base === null || meta.quote === null) return { reason: 'envelope names no base/quote asset' };
  if (record.payloadText === null) return { reason: `body is not UTF-8 text, not ${what}` };
  return record.payloadText;
}

function checkSide(name: 'bids' | 'asks', levels: Level[]): string | null {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as Level;
    const problem = misfit(level.price, PRICE) ?? misfit(level.size, SIZE);
    if (problem) return `${name} level ${i + 1}: ${problem}`;
  }
  return null;
}

function side(name: 'bid' | 'ask', levels: Level[], counts: boolean): StagedSide {
  let prices = '';
  let sizes = '';
  let orders = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as Level;
    const sep = i === 0 ? '' : ',';
    prices += sep + level.price;
    sizes += sep + level.size;
    if (counts) orders += sep + String(level.orderCount);
  }
  return { side: name, prices, sizes, counts: counts ? orders : null };
}

export function bookRows(record: SnapshotRecord, book: OrderBook): Outcome<BookRows> {
  const problem = checkSide('bids', book.bids) ?? checkSide('asks', book.asks);
  if (problem) return skipped(`value refused: ${problem}`, true);
  const top = topOfBook(book);
  const derived: [string, string, DecimalType][] = [
    ['mid_price', top.midPrice, MID],
    ['spread_bps', top.spreadBps, BPS],
  ];
  for (const [name, value, type] of derived) {
    const p = misfit(value, type);
    if (p) return skipped(`value refused: ${name} ${p}`, true);
  }
  const { meta } = record;
  const counts =
    book.bids.every((l) => l.orderCount !== null) && book.asks.every((l) => l.orderCount !== null);
  return {
    kind: 'rows',
    rows: {
      snapshot: {
        captured_at: meta.received_at,
        requested_at: meta.requested_at,
        run_id: meta.run_id,
        exchange_time: book.exchangeTime,
        exchange_sequence: book.sequence.toString(),
        bid_levels: String(book.bids.length),
        ask_levels: String(book.asks.length),
        best_bid: top.bestBid,
        best_bid_size: top.bestBidSize,
        best_ask: top.bestAsk,
        best_ask_size: top.bestAskSize,
        mid_price: top.midPrice,
        spread: top.spread,
        spread_bps: top.spreadBps,
        raw_key: record.key,
      },
      sides: [side('bid', book.bids, counts), side('ask', book.asks, counts)],
      levels: book.bids.length + book.asks.length,
    },
  };
}

export async function readBook(raw: RawStore, key: string): Promise<Outcome<BookRows>> {
  let record: SnapshotRecord;
  try {
    record = await readSnapshot(raw, key);
  } catch (error) {
    return { kind: 'failed', reason: `read: ${message(error)}` };
  }
  const text = usableText(record, 'a book');
  if (typeof text !== 'string') return skipped(text.reason);
  let book: OrderBook;
  try {
    book = parseBook(record.meta.exchange, record.meta.market, text);
  } catch (error) {
    return skipped(error instanceof BookError ? error.message : `unparseable: ${message(error)}`);
  }
  return bookRows(record, book);
}

function tradeProblem(t: Trade): string | null {
  const p = misfit(t.price, PRICE) ?? misfit(t.size, SIZE);
  return p ? `trade ${t.tradeId}: ${p}` : null;
}

export async function readTradeRows(raw: RawStore, key: string): Promise<Outcome<TradeRows>> {
  let record: SnapshotRecord;
  try {
    record = await readTrades(raw, key);
  } catch (error) {
    return { kind: 'failed', reason: `read: ${message(error)}` };
  }
  const text = usableText(record, 'trades');
  if (typeof text !== 'string') return skipped(text.reason);
  let trades: Trade[];
  try {
    trades = parseTrades(record.meta.exchange, record.meta.market, text).trades;
  } catch (error) {
    return skipped(error instanceof TradesError ? error.message : `unparseable: ${message(error)}`);
  }
  for (const t of trades) {
    const problem = tradeProblem(t);
    if (problem) return skipped(`value refused: ${problem}`, true);
  }
  const { meta } = record;
  return {
    kind: 'rows',
    rows: {
      trades: trades.map((t) => ({
        date: t.tradedAt.slice(0, 10),
        values: {
          trade_id: t.tradeId,
          traded_at: t.tradedAt,
          price: t.price,
          size: t.size,
          taker_side: t.takerSide,
          run_id: meta.run_id,
          fetched_at: meta.received_at,
          raw_key: key,
        },
      })),
    },
  };
}
