/**
 * A raw lake made the way production makes one, and the warehouse that holds it: real runs
 * against the simulator (books, trades, venue lists under `_meta/`, a 503 retried so its attempt
 * lands under `_attempts/`, a crossed book), plus recorded real payloads written as a run would
 * (a full Coinbase ETH-USDT book whose deepest ask is 1,000,000,000; a Binance book) and a book
 * whose size no lake column can hold. The warehouse keeps every level (LEVELS_WITHIN_BPS=all),
 * so its levels can be compared with the lake's one for one; the hand-written objects reach it
 * by a backfill, as any raw object would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Config } from '../../src/config.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import { exportLake, type LakeExportOptions, type LakeExportSummary } from '../../src/lake/export.ts';
import { listSnapshots, openRawStore, writeSnapshot, type RawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startHarness, type Harness } from '../reliability/harness.ts';

export interface LakeFixture {
  h: Harness;
  config: Config;
  raw: RawStore;
  rawDir: string;
  /** Book keys the warehouse loaded, sorted. */
  loadedKeys: string[];
  /** Every key under exchange=… (books, loadable or not). */
  bookKeys: string[];
  /** The book whose size does not fit DECIMAL(38,8). */
  refusedKey: string;
  /** A fresh folder for a lake, removed by close(). */
  folder(name: string): Promise<string>;
  exportTo(dir: string, options?: LakeExportOptions): Promise<LakeExportSummary>;
  /** DuckDB over the lake at `dir` and the raw folder, through `lake ddl --engine duckdb`. */
  duck(): Promise<DuckDBConnection>;
  close(): Promise<void>;
}

const DAY = '2026-03-14';

async function writeRecorded(
  raw: RawStore,
  exchange: 'coinbase' | 'binance',
  market: string,
  base: string,
  quote: string,
  at: string,
  body: string,
): Promise<string> {
  return writeSnapshot(
    raw,
    {
      exchange,
      market,
      url: `https://recorded.example/${market}`,
      requested_at: at,
      received_at: at,
      status: 200,
      attempt: 1,
      run_id: uuidv7(Date.parse(at)),
      base,
      quote,
    },
    Buffer.from(body),
  );
}

export async function makeLakeFixture(): Promise<LakeFixture> {
  const h = await startHarness(defaultSimMarkets(120), {
    LEVELS_WITHIN_BPS: 'all',
    // The recorded books are dated in the past: their levels must stay to be compared.
    LEVEL_RETENTION_DAYS: 'all',
    HTTP_RETRIES: '2',
  });
  const config = h.config();
  // Two runs; in the second a 503 that the retry gets past (its response kept under
  // _attempts/), and a crossed book that is kept raw but never loaded.
  expect((await h.run()).exitCode).toBe(0);
  h.sim.injectFault({ venue: 'binance', symbol: 'BTCUSDT' }, { kind: 'status', status: 503 }, 1);
  h.sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'crossed' });
  await h.run();

  const raw = h.store;
  await writeRecorded(
    raw,
    'coinbase',
    'ETH-USDT',
    'ETH',
    'USDT',
    `${DAY}T09:50:47.123Z`,
    fixtureText('coinbase-book-l2-ETH-USDT-openbb.json'),
  );
  await writeRecorded(
    raw,
    'binance',
    'BTCUSDT',
    'BTC',
    'USDT',
    `${DAY}T10:00:00.000Z`,
    fixtureText('binance-depth-BTCUSDT-20-mdolmen.json'),
  );
  // PostgreSQL's numeric holds it; DECIMAL(38,8) has 30 integer digits for it, not 31.
  const refusedKey = await writeRecorded(
    raw,
    'binance',
    'BTCUSDT',
    'BTC',
    'USDT',
    `${DAY}T11:00:00.000Z`,
    JSON.stringify({
      lastUpdateId: 7,
      bids: [['84705.63000000', '1234567890123456789012345678901.00000000']],
      asks: [['84705.64000000', '0.50000000']],
    }),
  );
  const { log } = capturingLogger();
  const summary = await backfill({
    config,
    log,
    store: raw,
    db: h.warehouse.db,
    loader: new Loader(h.warehouse.db, config),
  });
  expect(summary.failed).toEqual([]);

  const { rows } = await sql<{ raw_key: string }>`
    select raw_key from orderbook.fact_snapshot order by raw_key`.execute(h.warehouse.db);
  const bookKeys: string[] = [];
  for await (const key of listSnapshots(raw)) bookKeys.push(key);
  const dirs: string[] = [];
  let db: DuckDBInstance | undefined;
  return {
    h,
    config,
    raw,
    rawDir: h.rawDir,
    loadedKeys: rows.map((r) => r.raw_key),
    bookKeys: bookKeys.sort(),
    refusedKey,
    async folder(name) {
      const dir = await mkdtemp(path.join(tmpdir(), `obetl-lake-${name}-`));
      dirs.push(dir);
      return dir;
    },
    exportTo: (dir, options = {}) =>
      exportLake({ config, log: capturingLogger().log, raw, lake: openRawStore(`file://${dir}`) }, options),
    async duck() {
      db ??= await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      await c.run(`SET TimeZone = 'UTC'`);
      return c;
    },
    async close() {
      db?.closeSync();
      await h.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rows as arrays of strings (numbers canonical: no trailing zeros), for exact comparison. */
export function canonicalRows(rows: unknown[][]): string[] {
  return rows.map((r) =>
    JSON.stringify(
      r.map((v) => {
        if (v === null || v === undefined) return null;
        const s =
          typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'
              ? String(v)
              : JSON.stringify(v);
        return /^\d+\.\d+$/.test(s) ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
      }),
    ),
  );
}

export { DAY };
