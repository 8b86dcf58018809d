/**
 * Part 7: the lake. A month of hourly Coinbase-size books of one market in a raw folder, exported
 * to Parquet by `lake export` (levels/s over the whole job: list, read, gunzip, parse, stage,
 * write, publish); the lake's bytes against the raw gzip bytes of the same books; and DuckDB
 * scanning that month's levels through `lake ddl --engine duckdb`'s views, in Parquet and in the
 * raw JSON lake in place, as a ratio.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeDdl } from '../../src/lake/ddl.ts';
import { exportLake } from '../../src/lake/export.ts';
import type { Logger } from '../../src/log.ts';
import { openRawStore, writeSnapshot, writeTrades } from '../../src/raw/index.ts';
import { createBookGenerator } from '../../src/simulator/generators.ts';
import { bookJson } from '../../src/venues/coinbase/simulator.ts';
import type { SimMarket } from '../../src/simulator/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { round, sampled, timed, type Sampled } from '../stats.ts';

export interface LakePlan {
  days: number;
  reps: number;
}

export interface LakeResult {
  market: string;
  snapshots: number;
  levels: number;
  rawGzipBytes: number;
  exportMs: number;
  levelsPerSec: number;
  /** levels + top files. */
  parquetBytes: number;
  levelsParquetBytes: number;
  /** parquetBytes / rawGzipBytes. */
  bytesRatio: number;
  files: number;
  scan: { query: string; parquetMs: Sampled; rawJsonMs: Sampled; ratio: number };
}

async function folderBytes(dir: string, suffix: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    if (name.endsWith(suffix)) bytes += (await stat(path.join(dir, name))).size;
  }
  return bytes;
}

/** `days` × 24 hourly books of `market`, written as a run writes them. */
async function buildMonth(rawDir: string, market: SimMarket, days: number): Promise<number> {
  const raw = openRawStore(`file://${rawDir}`);
  const gen = createBookGenerator(market, 7);
  const start = Date.UTC(2026, 0, 1, 0, 0, 0, 250);
  for (let i = 0; i < days * 24; i++) {
    const at = new Date(start + i * 3_600_000).toISOString();
    const body = bookJson(gen.next(market.levels), gen.format, { level3: false, schema: false, time: at });
    const meta = {
      exchange: market.venue,
      market: market.symbol,
      url: 'http://sim/book',
      requested_at: at,
      received_at: at,
      status: 200,
      run_id: uuidv7(Date.parse(at)),
      base: market.base,
      quote: market.quote,
    };
    await writeSnapshot(raw, meta, body);
    // One trade a day, so every view of `lake ddl` has files to bind to.
    if (i % 24 === 0) {
      const trade = { trade_id: i + 1, side: 'buy', size: '0.1', price: market.startMid, time: at };
      await writeTrades(raw, { ...meta, url: 'http://sim/trades' }, Buffer.from(JSON.stringify([trade])));
    }
  }
  return folderBytes(rawDir, '.json.gz');
}

export async function benchLake(
  market: SimMarket,
  { days, reps }: LakePlan,
  log: Logger,
  concurrency: number,
): Promise<LakeResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-lake-'));
  try {
    const rawDir = path.join(dir, 'raw');
    const lakeDir = path.join(dir, 'lake');
    const rawGzipBytes = await buildMonth(rawDir, market, days);
    const raw = openRawStore(`file://${rawDir}`);
    const { ms: exportMs, value: summary } = await timed(() =>
      exportLake({ config: { concurrency }, log, raw, lake: openRawStore(`file://${lakeDir}`) }),
    );
    if (summary.failed.length > 0 || summary.books.exported !== days * 24) {
      throw new Error(
        `lake export: ${summary.books.exported} of ${days * 24} books; failed ${JSON.stringify(summary.failed)}`,
      );
    }
    const levelsParquetBytes = await folderBytes(path.join(lakeDir, 'levels'), '.parquet');
    const parquetBytes = levelsParquetBytes + (await folderBytes(path.join(lakeDir, 'top'), '.parquet'));

    const db = await DuckDBInstance.create(':memory:');
    const duck = await db.connect();
    try {
      await duck.run(
        lakeDdl('duckdb', undefined, {
          rawStoreUrl: `file://${rawDir}`,
          lakeUrl: `file://${lakeDir}`,
          markets: [],
        }),
      );
      const scan = (view: string) =>
        `SELECT count(*), sum(size), min(price), max(price) FROM ${view} WHERE market = '${market.symbol}'`;
      const time = async (view: string) => {
        const samples: number[] = [];
        let answer = '';
        for (let i = 0; i < reps + 1; i++) {
          const { ms, value } = await timed(async () =>
            JSON.stringify((await duck.runAndReadAll(scan(view))).getRowsJson()),
          );
          answer = value;
          if (i > 0) samples.push(ms); // the first read warms the page cache for both
        }
        return { ms: sampled(samples), answer };
      };
      const parquet = await time('levels');
      const json = await time('raw_levels');
      if (parquet.answer !== json.answer) {
        throw new Error(`the Parquet and raw JSON scans disagree: ${parquet.answer} vs ${json.answer}`);
      }
      return {
        market: `${market.venue}:${market.symbol}`,
        snapshots: days * 24,
        levels: summary.levels,
        rawGzipBytes,
        exportMs: Math.round(exportMs),
        levelsPerSec: Math.round((summary.levels / exportMs) * 1000),
        parquetBytes,
        levelsParquetBytes,
        bytesRatio: round(parquetBytes / rawGzipBytes, 3),
        files: summary.files,
        scan: {
          query: scan('…'),
          parquetMs: parquet.ms,
          rawJsonMs: json.ms,
          ratio: round(json.ms.median / parquet.ms.median, 1),
        },
      };
    } finally {
      duck.closeSync();
      db.closeSync();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
