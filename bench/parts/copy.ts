/**
 * Part 2: the loader against PostgreSQL's COPY for the same rows into the same table, in the
 * same run and interleaved, so both see the same machine. Each side is one transaction holding
 * one fact_snapshot row and the book's levels; the loader's also upserts its dimensions, as it
 * always does. Ratio = loader time / COPY time (target ≤ 1.5).
 */
import { uuidv7 } from '../../src/util/ids.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { levelRowsCopyText } from '../copy.ts';
import type { BenchEnv } from '../setup.ts';
import { median, round, sampled, timed, type Sampled } from '../stats.ts';
import type { FetchedBook } from './snapshot.ts';
import { bookUrl } from '../../test/helpers/book-url.ts';

export interface LoadVsCopyResult {
  market: string;
  rows: number;
  repetitions: number;
  loaderMs: Sampled;
  copyMs: Sampled;
  loaderRowsPerSec: number;
  copyRowsPerSec: number;
  /** median(loader) / median(COPY). */
  ratio: number;
}

export async function benchLoadVsCopy(
  env: BenchEnv,
  fetched: FetchedBook,
  { warmup, reps }: { warmup: number; reps: number },
): Promise<LoadVsCopyResult> {
  const { market, book } = fetched;
  const loader = new Loader(env.warehouse.db, env.config);
  const rows = book.bids.length + book.asks.length;
  const dim = await env.warehouse.db
    .selectFrom('orderbook.dim_market as m')
    .innerJoin('orderbook.dim_exchange as e', 'e.exchange_id', 'm.exchange_id')
    .select('m.market_id')
    .where('e.code', '=', market.venue)
    .where('m.symbol', '=', market.symbol)
    .executeTakeFirstOrThrow();
  const loaderMs: number[] = [];
  const copyMs: number[] = [];

  const viaLoader = async () => {
    const runId = uuidv7();
    const at = new Date().toISOString();
    const { ms, value } = await timed(() =>
      loader.load(
        {
          book,
          base: market.base,
          quote: market.quote,
          rawKey: `bench/loader/${runId}.json.gz`,
          url: bookUrl(book.venue, book.symbol),
          runId,
          requestedAt: at,
          receivedAt: at,
        },
        { derive: false },
      ),
    );
    if (value.storedLevels !== rows) throw new Error(`loader stored ${value.storedLevels} of ${rows} levels`);
    return ms;
  };
  const viaCopy = async () => {
    const runId = uuidv7();
    const { ms, value } = await timed(() =>
      env.warehouse.copySnapshot(
        {
          marketId: dim.market_id,
          runId,
          at: new Date().toISOString(),
          sequence: book.sequence.toString(),
          bidLevels: book.bids.length,
          askLevels: book.asks.length,
          storedLevels: rows,
          rawKey: `bench/copy/${runId}.json.gz`,
        },
        (id) => levelRowsCopyText(id, book, book.bids.length, book.asks.length),
      ),
    );
    if (value !== rows) throw new Error(`COPY stored ${value} of ${rows} levels`);
    return ms;
  };

  for (let i = 0; i < warmup + reps; i++) {
    // Alternate which goes first, so neither always runs on the other's warm cache or dirty pages.
    const [a, b] = i % 2 === 0 ? [viaLoader, viaCopy] : [viaCopy, viaLoader];
    const first = await a();
    const second = await b();
    if (i < warmup) continue;
    loaderMs.push(a === viaLoader ? first : second);
    copyMs.push(a === viaCopy ? first : second);
  }
  const loader50 = median(loaderMs);
  const copy50 = median(copyMs);
  return {
    market: `${market.venue}:${market.symbol}`,
    rows,
    repetitions: reps,
    loaderMs: sampled(loaderMs),
    copyMs: sampled(copyMs),
    loaderRowsPerSec: round((rows / loader50) * 1000, 0),
    copyRowsPerSec: round((rows / copy50) * 1000, 0),
    ratio: round(loader50 / copy50, 3),
  };
}
