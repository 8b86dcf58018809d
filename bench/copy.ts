/**
 * COPY … FROM STDIN over a pg client, the baseline the loader is measured against: PostgreSQL's
 * own bulk path, the physical limit for getting these rows into this table. Written against the
 * client's protocol hooks (what pg-copy-streams does) so the bench needs no extra dependency.
 */
import type pg from 'pg';

import type { Level, OrderBook } from '../src/book/index.ts';

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** A pg Submittable: the client calls these hooks as the server answers. */
class CopyFromChunks implements pg.Submittable {
  readonly text: string;
  private readonly chunks: Buffer[];
  private readonly done: { resolve: (rows: number) => void; reject: (error: Error) => void };
  private rows = 0;
  private error: Error | null = null;

  constructor(text: string, chunks: Buffer[], done: CopyFromChunks['done']) {
    this.text = text;
    this.chunks = chunks;
    this.done = done;
  }

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const m = /COPY (\d+)/.exec(message.text ?? '');
    this.rows = m ? Number(m[1]) : 0;
  }

  handleError(error: Error): void {
    this.error = error;
  }

  handleReadyForQuery(): void {
    if (this.error) this.done.reject(this.error);
    else this.done.resolve(this.rows);
  }
}

/** Runs `COPY <text> FROM STDIN` with `chunks` as the data; resolves with the rows copied. */
export function copyFrom(client: pg.Client, text: string, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const copy: pg.Submittable = new CopyFromChunks(text, chunks, { resolve, reject });
    client.query(copy);
  });
}

const CHUNK_CHARS = 256 * 1024;

/** fact_level rows of a book in COPY text format, in chunks, exactly as the loader stores them. */
export function levelRowsCopyText(snapshotId: string, book: OrderBook, bids: number, asks: number): Buffer[] {
  const chunks: Buffer[] = [];
  let text = '';
  const put = (side: string, no: number, level: Level) => {
    text += `${snapshotId}\t${side}\t${no}\t${level.price}\t${level.size}\t${level.orderCount ?? '\\N'}\n`;
    if (text.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(text, 'latin1'));
      text = '';
    }
  };
  for (let i = 0; i < bids; i++) put('bid', i + 1, book.bids[i] as Level);
  for (let i = 0; i < asks; i++) put('ask', i + 1, book.asks[i] as Level);
  if (text.length > 0) chunks.push(Buffer.from(text, 'latin1'));
  return chunks;
}
