import { request } from 'node:http';
import { expect } from 'vitest';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** ms from sending the request to the response head, to the first body chunk, and to the end. */
  timing: { headers: number; firstChunk: number; end: number };
  firstChunkBytes: number;
}

/**
 * GET with node:http, which (unlike fetch) sends no User-Agent unless told to, so the missing-header
 * case can be tested. `userAgent: null` sends none.
 */
export function get(
  url: string,
  options: { userAgent?: string | null; method?: string; body?: string } = {},
): Promise<RawResponse> {
  const userAgent = options.userAgent === undefined ? 'orderbook-etl-test/1.0' : options.userAgent;
  const headers: Record<string, string> = userAgent === null ? {} : { 'User-Agent': userAgent };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers }, (res) => {
      const headersAt = performance.now() - started;
      let firstChunk = -1;
      let firstChunkBytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (firstChunk < 0) {
          firstChunk = performance.now() - started;
          firstChunkBytes = chunk.length;
        }
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: body.toString('utf8'),
          timing: { headers: headersAt, firstChunk, end: performance.now() - started },
          firstChunkBytes,
        });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function json(response: RawResponse): unknown {
  return JSON.parse(response.text);
}

export const DECIMAL = /^\d+(\.\d+)?$/;

/** A decimal string as an exact integer count of 10^-12, for ordering without floats. */
export function units(decimal: string): bigint {
  // Plain checks rather than expect(): a full book runs this ~90,000 times.
  if (!DECIMAL.test(decimal)) throw new Error(`not a decimal string: ${JSON.stringify(decimal)}`);
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole + fraction.padEnd(12, '0'));
}

export type Level = [string, string, ...unknown[]];

/**
 * What a careful consumer checks of a book: decimal strings, positive, bids strictly descending,
 * asks strictly ascending, not crossed.
 */
export function expectSaneBook(book: { bids: Level[]; asks: Level[] }): void {
  for (const [side, direction] of [
    [book.bids, -1n],
    [book.asks, 1n],
  ] as const) {
    let previous: bigint | null = null;
    for (const [price, size] of side) {
      const p = units(price);
      if (p <= 0n || units(size) <= 0n) throw new Error(`non-positive level ${price} ${size}`);
      if (previous !== null && (p - previous) * direction <= 0n) {
        throw new Error(`not strictly sorted at ${price} after ${String(previous)}`);
      }
      previous = p;
    }
  }
  const bestBid = book.bids[0];
  const bestAsk = book.asks[0];
  if (bestBid && bestAsk) expect(units(bestBid[0])).toBeLessThan(units(bestAsk[0]));
}
