/**
 * COPY … FROM STDIN over a pg client, the baseline the loader is measured against: PostgreSQL's
 * own bulk path, the physical limit for getting these rows into this table, sent straight on a
 * client of its own with nothing of the loader around it.
 */
export { copyFrom } from '../src/warehouse/copy.ts';
import type { Level, OrderBook } from '../src/book/index.ts';

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
