/**
 * The usual book body, read straight from its text into an OrderBook. A deep Coinbase book is
 * 44,000 `["price","size",orders]` tuples; JSON.parse builds an array per tuple and the schema
 * check walks them again, only for the loader to want the price and size strings. This scanner
 * reads the one plain shape a venue sends (its ScanShape: which keys, whether levels carry an
 * order count, an optional time) and builds the levels directly, in one pass.
 *
 * It is a fast path, not a second parser to trust: anything outside the plain shape — an escape
 * in a string, a number written with a sign, fraction or exponent, a repeated key, a missing
 * one, any syntax error — returns null, and the caller goes the general way (JSON.parse and
 * the zod schemas), which accepts or explains. What it does accept, it reads exactly as that
 * general way would.
 */
import type { Venue } from '../venues/codes.ts';
import { MAX_BIGINT } from '../util/decimal.ts';
import type { Level, OrderBook } from './types.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Thrown inside the scanner when the text leaves the plain shape; never escapes scanBook. */
class OffShape extends Error {}
const OFF = new OffShape();

class Scanner {
  private readonly t: string;
  i = 0;

  constructor(text: string) {
    this.t = text;
  }

  space(): void {
    const t = this.t;
    let i = this.i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  /** Skips space, then expects `code`. */
  expect(code: number): void {
    this.space();
    if (this.t.charCodeAt(this.i) !== code) throw OFF;
    this.i++;
  }

  /** Skips space; true (and consumed) when the next character is `code`. */
  take(code: number): boolean {
    this.space();
    if (this.t.charCodeAt(this.i) !== code) return false;
    this.i++;
    return true;
  }

  /** A string without escapes or control characters, as its exact value. */
  plainString(): string {
    this.expect(QUOTE);
    const t = this.t;
    const start = this.i;
    const end = t.indexOf('"', start);
    if (end < 0) throw OFF;
    for (let i = start; i < end; i++) {
      const c = t.charCodeAt(i);
      // An escape (rare, legal) or a raw control character (illegal).
      if (c === BACKSLASH || c < 0x20) throw OFF;
    }
    this.i = end + 1;
    return t.slice(start, end);
  }

  /** A small non-negative integer literal (an order count), as a number. */
  count(): number {
    this.space();
    const t = this.t;
    const start = this.i;
    let i = start;
    let n = 0;
    for (;;) {
      const c = t.charCodeAt(i);
      if (!(c >= 0x30 && c <= 0x39)) break;
      n = n * 10 + (c - 0x30);
      i++;
    }
    // No digits, a leading zero, or more digits than a safe integer surely has: the general way.
    if (i === start || (t.charCodeAt(start) === 0x30 && i > start + 1) || i - start > 15) throw OFF;
    const next = t.charCodeAt(i);
    if (next === 0x2e || next === 0x65 || next === 0x45) throw OFF;
    this.i = i;
    return n;
  }

  /** Digits only, no leading zero: a non-negative integer literal, as its digits. */
  digits(): string {
    this.space();
    const t = this.t;
    const start = this.i;
    let i = start;
    while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
    if (i === start || (t.charCodeAt(start) === 0x30 && i - start > 1)) throw OFF;
    // A fraction or exponent would make it a different literal: not the plain shape.
    const next = t.charCodeAt(i);
    if (next === 0x2e || next === 0x65 || next === 0x45) throw OFF;
    this.i = i;
    return t.slice(start, i);
  }

  word(word: string): void {
    this.space();
    if (!this.t.startsWith(word, this.i)) throw OFF;
    this.i += word.length;
  }

  /** Any JSON value, checked and skipped (keys the book does not use). */
  skipValue(): void {
    this.space();
    const c = this.t.charCodeAt(this.i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      this.i++;
      if (this.take(close)) return;
      do {
        if (c === OPEN_OBJECT) {
          this.anyString();
          this.expect(COLON);
        }
        this.skipValue();
      } while (this.take(COMMA));
      this.expect(close);
    } else if (c === QUOTE) {
      this.anyString();
    } else if (c === 0x74) {
      this.word('true');
    } else if (c === 0x66) {
      this.word('false');
    } else if (c === 0x6e) {
      this.word('null');
    } else {
      this.number();
    }
  }

  /** A JSON string with any escapes, checked and skipped. */
  private anyString(): void {
    this.expect(QUOTE);
    const t = this.t;
    let i = this.i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20 || Number.isNaN(c)) throw OFF;
      if (c === BACKSLASH) {
        const e = t.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) throw OFF;
          i += 6;
        } else if ('"\\/bfnrt'.includes(String.fromCharCode(e))) {
          i += 2;
        } else {
          throw OFF;
        }
      } else {
        i++;
      }
    }
    this.i = i + 1;
  }

  /** A JSON number of any form, checked and skipped. */
  private number(): void {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    if (!m.test(this.t)) throw OFF;
    this.i = m.lastIndex;
  }

  /** `[[price, size(, orders)], …]` straight into levels. */
  levels(withOrders: boolean): Level[] {
    const levels: Level[] = [];
    this.expect(OPEN_ARRAY);
    if (this.take(CLOSE_ARRAY)) return levels;
    do {
      this.expect(OPEN_ARRAY);
      const price = this.plainString();
      this.expect(COMMA);
      const size = this.plainString();
      let orderCount: number | null = null;
      if (withOrders) {
        this.expect(COMMA);
        orderCount = this.count();
      }
      this.expect(CLOSE_ARRAY);
      levels.push({ price, size, orderCount });
    } while (this.take(COMMA));
    this.expect(CLOSE_ARRAY);
    return levels;
  }

  atEnd(): boolean {
    this.space();
    return this.i === this.t.length;
  }
}

/**
 * The plain shape of one venue's book body: an object holding `bids` and `asks` as arrays of
 * `[price, size]` (or `[price, size, orders]`) string tuples and a sequence integer, perhaps a
 * time string and flag keys; any other key is checked and skipped.
 */
export interface ScanShape {
  /** Key of the book's sequence number, a non-negative integer literal. */
  readonly sequenceKey: string;
  /** Levels are `[price, size, orders]` rather than `[price, size]`. */
  readonly orderCounts: boolean;
  /** Key of an optional exchange-time string, and how it reads as microseconds (null: decline). */
  readonly time?: { readonly key: string; readonly toMicros: (text: string) => string | null };
  /** Keys whose value is true, false or null; what they say goes to `notExecutable`. */
  readonly flagKeys?: readonly string[];
  /**
   * The book's OrderBook.notExecutable from its flags (a key absent from the body is absent
   * from the map): the same function the venue's normalize applies, so both paths agree.
   */
  readonly notExecutable?: (flags: ReadonlyMap<string, boolean | null>) => string | null;
}

/** The book in `text` when it has the plain shape `shape` describes; else null. */
export function scanBookShape(
  shape: ScanShape,
  venue: Venue,
  symbol: string,
  text: string,
): OrderBook | null {
  const withOrders = shape.orderCounts;
  const timeKey = shape.time?.key;
  const flagKeys = shape.flagKeys ?? [];
  const s = new Scanner(text);
  let bids: Level[] | undefined;
  let asks: Level[] | undefined;
  let sequence: bigint | undefined;
  let time: string | undefined;
  const keys = ['bids', 'asks', shape.sequenceKey, ...(timeKey === undefined ? [] : [timeKey]), ...flagKeys];
  const seen = new Set<string>();
  const flags = new Map<string, boolean | null>();
  try {
    s.expect(OPEN_OBJECT);
    if (!s.take(CLOSE_OBJECT)) {
      do {
        const key = s.plainString();
        s.expect(COLON);
        if (!keys.includes(key)) {
          s.skipValue();
          continue;
        }
        // A repeated key (JSON.parse keeps the last one) is left to the general way.
        if (seen.has(key)) return null;
        seen.add(key);
        if (key === 'bids') bids = s.levels(withOrders);
        else if (key === 'asks') asks = s.levels(withOrders);
        else if (key === timeKey) time = s.plainString();
        else if (flagKeys.includes(key)) {
          // The schema allows a boolean or null here.
          s.space();
          const c = text.charCodeAt(s.i);
          const value = c === 0x74 ? true : c === 0x66 ? false : null;
          s.word(String(value));
          flags.set(key, value);
        } else sequence = BigInt(s.digits());
      } while (s.take(COMMA));
      s.expect(CLOSE_OBJECT);
    }
    if (!s.atEnd()) return null;
  } catch (error) {
    // Off the plain shape, or nesting too deep for the stack: the general way decides.
    if (error instanceof OffShape || error instanceof RangeError) return null;
    throw error;
  }
  if (bids === undefined || asks === undefined || sequence === undefined) return null;
  // Past PostgreSQL's bigint the general way refuses it, with the reason.
  if (sequence > MAX_BIGINT) return null;
  let exchangeTime: string | null = null;
  if (time !== undefined && shape.time) {
    exchangeTime = shape.time.toMicros(time);
    if (exchangeTime === null) return null;
  }
  const notExecutable = shape.notExecutable?.(flags) ?? null;
  return { venue, symbol, sequence, exchangeTime, bids, asks, notExecutable };
}
