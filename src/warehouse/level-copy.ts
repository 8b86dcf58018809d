/**
 * A snapshot's levels as the bytes of a `COPY orderbook.fact_level … FROM STDIN` (text format),
 * written straight into buffers: no string per level, so a book of tens of thousands of levels
 * leaves almost nothing for the garbage collector. The rows are written before the snapshot has
 * an id (the database gives it once the snapshot row is in, after the book's objects should be
 * gone), so each row starts with a blank of fixed width that `withId` fills in.
 */
import type { Level } from '../book/index.ts';
import { isPositiveDecimal } from '../util/decimal.ts';
import { CopyData } from './copy.ts';

// bigint's 19 digits, zero-padded: PostgreSQL reads "000…123" as 123.
const ID_WIDTH = 19;
const CHUNK_BYTES = 256 * 1024;
// Room a row needs besides its price and size: id, side, level number, order count, separators.
const ROW_OVERHEAD = ID_WIDTH + 1 + 3 + 1 + 10 + 1 + 1 + 1 + 17 + 1;

const TAB = 9;
const NEWLINE = 10;
const ZERO = 48;

/** Where a written row's id goes: the chunk, and the offsets of its rows in it. */
interface Chunk {
  bytes: Buffer;
  rowStarts: number[];
}

export class LevelCopyRows {
  private readonly chunks: Chunk[];
  /** Rows written, both sides. */
  readonly rows: number;

  private constructor(chunks: Chunk[], rows: number) {
    this.chunks = chunks;
    this.rows = rows;
  }

  /**
   * The COPY rows `snapshot_id, side, level_no, price, size, order_count` of the first `counts`
   * levels of each side, asks first: ('ask', n) sorts before ('bid', n), so every key lands at
   * the right edge of the primary key's b-tree, the cheap insert. Safe as COPY text because every
   * price and size is checked to be a plain decimal (no tab, newline or backslash) and every
   * order count a whole number.
   */
  static of(
    asks: readonly Level[],
    askCount: number,
    bids: readonly Level[],
    bidCount: number,
  ): LevelCopyRows {
    const writer = new RowWriter();
    writer.side('ask', asks, askCount);
    writer.side('bid', bids, bidCount);
    return new LevelCopyRows(writer.finish(), askCount + bidCount);
  }

  /** The COPY data with `snapshotId` in every row (the buffers are filled in place and shared). */
  withId(snapshotId: string): CopyData {
    if (!/^\d{1,19}$/.test(snapshotId)) throw new Error(`snapshot id ${snapshotId} is not a bigint`);
    const id = Buffer.from(snapshotId.padStart(ID_WIDTH, '0'), 'latin1');
    for (const { bytes, rowStarts } of this.chunks) {
      for (const start of rowStarts) id.copy(bytes, start);
    }
    return new CopyData(this.chunks.map((c) => c.bytes));
  }
}

class RowWriter {
  private readonly done: Chunk[] = [];
  private bytes = Buffer.allocUnsafe(CHUNK_BYTES);
  private rowStarts: number[] = [];
  private at = 0;

  side(side: 'ask' | 'bid', levels: readonly Level[], count: number): void {
    const s0 = side.charCodeAt(0);
    const s1 = side.charCodeAt(1);
    const s2 = side.charCodeAt(2);
    for (let i = 0; i < count; i++) {
      const level = levels[i] as Level;
      const { price, size, orderCount } = level;
      if (!isPositiveDecimal(price) || !isPositiveDecimal(size)) {
        throw new Error(`level ${i + 1}: price ${price} / size ${size} is not a positive decimal`);
      }
      if (orderCount !== null && !Number.isSafeInteger(orderCount)) {
        throw new Error(`level ${i + 1}: order count is not an integer`);
      }
      const need = ROW_OVERHEAD + price.length + size.length;
      if (this.at + need > this.bytes.length) this.nextChunk(need);
      const b = this.bytes;
      this.rowStarts.push(this.at);
      let p = this.at + ID_WIDTH;
      b[p++] = TAB;
      b[p++] = s0;
      b[p++] = s1;
      b[p++] = s2;
      b[p++] = TAB;
      p = writeWhole(b, p, i + 1);
      b[p++] = TAB;
      p = writeAscii(b, p, price);
      b[p++] = TAB;
      p = writeAscii(b, p, size);
      b[p++] = TAB;
      if (orderCount === null) {
        b[p++] = 92; // \N, COPY's null
        b[p++] = 78;
      } else {
        p = writeWhole(b, p, orderCount);
      }
      b[p++] = NEWLINE;
      this.at = p;
    }
  }

  finish(): Chunk[] {
    if (this.at > 0) this.done.push({ bytes: this.bytes.subarray(0, this.at), rowStarts: this.rowStarts });
    return this.done;
  }

  private nextChunk(need: number): void {
    if (this.at > 0) this.done.push({ bytes: this.bytes.subarray(0, this.at), rowStarts: this.rowStarts });
    this.bytes = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    this.rowStarts = [];
    this.at = 0;
  }
}

/** A checked decimal's characters (all ASCII) at `p`; returns the offset after them. */
function writeAscii(b: Buffer, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
  return p;
}

/** A safe integer's digits at `p`; returns the offset after them. */
function writeWhole(b: Buffer, p: number, n: number): number {
  if (n < 0) return writeAscii(b, p, String(n));
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  let q = p + digits;
  for (let t = n; q > p; t = Math.floor(t / 10)) b[--q] = ZERO + (t % 10);
  return p + digits;
}
