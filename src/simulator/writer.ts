/**
 * Writes JSON bytes straight into a Buffer. A 22,000-level Coinbase book is ~88,000 decimal strings;
 * building them as JS strings and then encoding took >100 ms on a cold process, writing digits into
 * bytes takes a fraction of that. Numbers are safe integers (counts of 10^-scale, scale <= 8), so
 * every digit is exact and fractions fit int32 arithmetic.
 */

const DOT = 0x2e;
const ZERO = 0x30;
const POW10: number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);
const BILLION = 1e9;

export class ByteWriter {
  private buffer: Buffer;
  private length = 0;
  private readonly digits = new Uint8Array(20);

  constructor(capacity = 4096) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** ASCII text (JSON punctuation, keys, already-escaped values). */
  text(value: string): this {
    this.reserve(value.length);
    this.length += this.buffer.write(value, this.length, 'latin1');
    return this;
  }

  /** One ASCII character by code, e.g. 0x5d for ']'. */
  byte(code: number): this {
    this.reserve(1);
    this.buffer[this.length++] = code;
    return this;
  }

  /** Pre-encoded bytes: the per-level punctuation, cheaper than encoding a short string each time. */
  bytes(value: Uint8Array): this {
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.buffer[this.length++] = value[i] ?? 0;
    return this;
  }

  /** A non-negative safe integer. */
  uint(value: number): this {
    if (value < BILLION) return this.small(value, 0);
    // Above int32 V8 falls back to float modulo; split into int32-sized halves instead.
    const high = Math.floor(value / BILLION);
    this.uint(high);
    return this.small(value - high * BILLION, 9);
  }

  /** An integer below 1e9, left-padded with zeros to `width` digits. */
  private small(value: number, width: number): this {
    let n = value | 0;
    let count = 0;
    do {
      const quotient = (n / 10) | 0;
      this.digits[count++] = ZERO + n - quotient * 10;
      n = quotient;
    } while (n > 0);
    while (count < width) this.digits[count++] = ZERO;
    this.reserve(count);
    while (count > 0) this.buffer[this.length++] = this.digits[--count] ?? ZERO;
    return this;
  }

  /**
   * `units` counts of 10^-scale as a decimal: with exactly `digits` fraction digits (digits >= scale),
   * or, with `digits` null, the way Coinbase prints it (no trailing zeros, no bare dot).
   */
  decimal(units: number, scale: number, digits: number | null): this {
    const pow = POW10[scale] ?? 10 ** scale;
    // Exact: for units < 2^53 the quotient's rounding error is below 1/pow, so floor never overshoots.
    const whole = Math.floor(units / pow);
    let fraction = units - whole * pow;
    this.uint(whole);
    let width = scale;
    if (digits === null) {
      if (fraction === 0) return this;
      while (fraction % 10 === 0) {
        fraction /= 10;
        width--;
      }
    } else if (digits === 0) {
      return this;
    }
    this.byte(DOT);
    if (width > 0) this.small(fraction, width);
    const pad = digits === null ? 0 : digits - scale;
    for (let i = 0; i < pad; i++) this.byte(ZERO);
    return this;
  }

  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** The bytes around a level's price and size, pre-encoded once per shape. */
export interface LevelPunctuation {
  /** Opens the side's array and its first level. */
  first: Uint8Array;
  /** Opens every later level. */
  next: Uint8Array;
  /** Between price and size. */
  mid: Uint8Array;
  /** After the size. */
  after: Uint8Array;
}

/** `quote` is '"' for decimal strings and '' for the schema fault's bare numbers. */
export function levelPunctuation(quote: string, after: string): LevelPunctuation {
  const encode = (text: string): Uint8Array => Buffer.from(text, 'latin1');
  return {
    first: encode(`[[${quote}`),
    next: encode(`,[${quote}`),
    mid: encode(`${quote},${quote}`),
    after: encode(`${quote}${after}`),
  };
}
