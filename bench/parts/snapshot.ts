/**
 * Part 1: one full-size snapshot through every stage a run puts it through — fetch, raw put
 * (envelope + gzip + fsync), parse and validate, level load, derive — timed stage by stage, with
 * the peak RSS of each repetition. Also used for part 5 (the same load and derive on PGlite).
 */
import { parseBook, type OrderBook } from '../../src/venues/index.ts';
import type { Config } from '../../src/config.ts';
import type { VenueClient } from '../../src/venues/index.ts';
import { writeSnapshot } from '../../src/raw/index.ts';
import type { SimMarket } from '../../src/simulator/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { deriveSnapshots } from '../../src/warehouse/derive.ts';
import { Loader } from '../../src/warehouse/load.ts';
import type { BenchEnv, BenchWarehouse } from '../setup.ts';
import type { RssSampler } from '../memory.ts';
import { round, sampled, timed, type Sampled } from '../stats.ts';
import { bookUrl } from '../../test/helpers/book-url.ts';

export interface SnapshotResult {
  venue: string;
  market: string;
  levels: number;
  bodyBytes: number;
  rawBytes: number;
  repetitions: number;
  fetchMs: Sampled;
  putMs: Sampled;
  parseMs: Sampled;
  loadMs: Sampled;
  deriveMs: Sampled;
  /** Fetch to derived rows, the five stages back to back. */
  endToEndMs: Sampled;
  peakRssMb: Sampled;
}

/** A body fetched, kept raw and parsed, ready for a load; what parts 2 and 5 start from. */
export interface FetchedBook {
  market: SimMarket;
  body: Buffer;
  book: OrderBook;
}

export async function benchSnapshot(
  env: BenchEnv,
  client: VenueClient,
  market: SimMarket,
  { warmup, reps, rss }: { warmup: number; reps: number; rss: RssSampler },
): Promise<{ result: SnapshotResult; last: FetchedBook }> {
  const loader = new Loader(env.warehouse.db, env.config);
  const t = { fetch: [], put: [], parse: [], load: [], derive: [], e2e: [], rss: [] } as Record<
    string,
    number[]
  >;
  let last: FetchedBook | null = null;
  let rawBytes = 0;
  for (let i = 0; i < warmup + reps; i++) {
    const runId = uuidv7();
    rss.reset();
    const start = performance.now();
    const fetched = await timed(() => client.fetchBook(market.symbol));
    const response = fetched.value;
    if (response.status !== 200) throw new Error(`${market.symbol}: HTTP ${response.status}`);
    const put = await timed(() =>
      writeSnapshot(
        env.store,
        {
          exchange: market.venue,
          market: market.symbol,
          url: response.url,
          requested_at: response.requestedAt.toISOString(),
          received_at: response.receivedAt.toISOString(),
          status: response.status,
          run_id: runId,
          base: market.base,
          quote: market.quote,
        },
        response.body,
      ),
    );
    rss.mark();
    const parsed = await timed(() => parseBook(market.venue, market.symbol, response.body.toString('utf8')));
    rss.mark();
    const book = parsed.value;
    const load = await timed(() =>
      loader.load(
        {
          book,
          base: market.base,
          quote: market.quote,
          rawKey: put.value,
          url: response.url,
          runId,
          requestedAt: response.requestedAt.toISOString(),
          receivedAt: response.receivedAt.toISOString(),
        },
        { derive: false },
      ),
    );
    const derive = await timed(() =>
      env.warehouse.db
        .transaction()
        .execute((tx) => deriveSnapshots(tx, [load.value.snapshotId], env.config)),
    );
    const e2e = performance.now() - start;
    const peak = rss.reset();
    if (i >= warmup) {
      t.fetch?.push(fetched.ms);
      t.put?.push(put.ms);
      t.parse?.push(parsed.ms);
      t.load?.push(load.ms);
      t.derive?.push(derive.ms);
      t.e2e?.push(e2e);
      t.rss?.push(peak);
    }
    rawBytes = (await env.store.get(put.value)).length;
    last = { market, body: response.body, book };
  }
  if (!last) throw new Error('no repetitions');
  return {
    result: {
      venue: market.venue,
      market: market.symbol,
      levels: last.book.bids.length + last.book.asks.length,
      bodyBytes: last.body.length,
      rawBytes,
      repetitions: reps,
      fetchMs: sampled(t.fetch ?? []),
      putMs: sampled(t.put ?? []),
      parseMs: sampled(t.parse ?? []),
      loadMs: sampled(t.load ?? []),
      deriveMs: sampled(t.derive ?? []),
      endToEndMs: sampled(t.e2e ?? []),
      peakRssMb: sampled(t.rss ?? []),
    },
    last,
  };
}

export interface LoadDeriveResult {
  market: string;
  levels: number;
  repetitions: number;
  loadMs: Sampled;
  deriveMs: Sampled;
  levelsPerSec: Sampled;
}

/** Load (levels) and derive of an already parsed book, repeated under fresh raw keys. */
export async function benchLoadDerive(
  warehouse: BenchWarehouse,
  config: Config,
  fetched: FetchedBook,
  { warmup, reps }: { warmup: number; reps: number },
): Promise<LoadDeriveResult> {
  const loader = new Loader(warehouse.db, config);
  const loads: number[] = [];
  const derives: number[] = [];
  const { market, book } = fetched;
  const levels = book.bids.length + book.asks.length;
  for (let i = 0; i < warmup + reps; i++) {
    const runId = uuidv7();
    const at = new Date().toISOString();
    const load = await timed(() =>
      loader.load(
        {
          book,
          base: market.base,
          quote: market.quote,
          rawKey: `bench/${runId}.json.gz`,
          url: bookUrl(book.venue, book.symbol),
          runId,
          requestedAt: at,
          receivedAt: at,
        },
        { derive: false },
      ),
    );
    const derive = await timed(() =>
      warehouse.db.transaction().execute((tx) => deriveSnapshots(tx, [load.value.snapshotId], config)),
    );
    if (i >= warmup) {
      loads.push(load.ms);
      derives.push(derive.ms);
    }
  }
  return {
    market: `${market.venue}:${market.symbol}`,
    levels,
    repetitions: reps,
    loadMs: sampled(loads),
    deriveMs: sampled(derives),
    levelsPerSec: sampled(loads.map((ms) => round((levels / ms) * 1000, 0))),
  };
}
