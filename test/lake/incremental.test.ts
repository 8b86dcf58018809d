/**
 * The export over time: what a series of incremental exports leaves equals one export of
 * everything; files fill up to their size and never change once full, with whole books, sorted
 * by time; the window a kill can leave open (files written, manifest not) is closed by the next
 * export without a row twice; a deleted manifest or file is rebuilt from the raw store; a trade
 * carried by two fetches is stored once, with the earlier fetch.
 */
import { cp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake, type LakeExportOptions } from '../../src/lake/export.ts';
import { openRawStore, type RawStore } from '../../src/raw/index.ts';
import { capturingLogger } from '../helpers/log.ts';
import { writeRecordedTrades, writeSimBooks } from './sim-raw.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const LEVELS = 40; // a side
let base: string;
let db: DuckDBInstance;
let duck: DuckDBConnection;

const folder = (name: string): string => path.join(base, name);

const run = (raw: RawStore, dir: string, options: LakeExportOptions = {}) =>
  exportLake(
    { config: { concurrency: 3 }, log: capturingLogger().log, raw, lake: openRawStore(`file://${dir}`) },
    options,
  );

/** The lake's rows, all tables, as text. */
async function contents(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, order] of [
    ['levels', 'raw_key, side, level_no'],
    ['top', 'raw_key'],
    ['trades', 'trade_id'],
  ] as const) {
    const r = await duck.runAndReadAll(
      `SELECT * EXCLUDE (date) FROM read_parquet('${dir}/${table}/*/*/*/*.parquet', hive_partitioning = true) ORDER BY ${order}`,
    );
    out[table] = r.getRowObjectsJson().map((row) => JSON.stringify(row));
  }
  return out;
}

async function lakeFiles(
  dir: string,
  table: string,
): Promise<{ name: string; mtime: number; size: number }[]> {
  const root = path.join(dir, table);
  const names = (await readdir(root, { recursive: true })).filter((n) => n.endsWith('.parquet')).sort();
  return Promise.all(
    names.map(async (name) => {
      const s = await stat(path.join(root, name));
      return { name, mtime: s.mtimeMs, size: s.size };
    }),
  );
}

let raw: RawStore;
let whole: Record<string, string[]>;
const DAY1 = Date.UTC(2026, 2, 1, 1);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'obetl-lake-inc-'));
  db = await DuckDBInstance.create(':memory:');
  duck = await db.connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  raw = openRawStore(`file://${path.join(base, 'raw')}`);
  // Two days of books (8 a day per market) and two overlapping trades fetches.
  await writeSimBooks(raw, { start: DAY1, count: 16, everyHours: 3, levels: LEVELS, seed: 3 });
  await writeRecordedTrades(raw, '2026-11-21T13:00:02.000Z');
  await writeRecordedTrades(raw, '2026-11-21T14:00:02.000Z');
  const all = folder('whole');
  const summary = await run(raw, all);
  expect(summary.failed).toEqual([]);
  whole = await contents(all);
}, 60_000);

afterAll(async () => {
  duck.closeSync();
  db.closeSync();
  await rm(base, { recursive: true, force: true });
});

describe('lake export over time', () => {
  it('exports made as the raw store grows equal one export of all of it', async () => {
    const dir = folder('grown');
    // What the listing gives is all an export sees: the first run's ends at the 7th book.
    await run(raw, dir, { to: new Date(DAY1 + 18 * 3_600_000) });
    const second = await run(raw, dir);
    expect(second.books.alreadyExported).toBe(2 * 6);
    expect(second.books.exported).toBe(2 * 10);
    expect(await contents(dir)).toEqual(whole);
    expect(whole.levels).toHaveLength(2 * 16 * 2 * LEVELS);
  });

  it('fills files to their size with whole books, sorted by time, and never rewrites a full one', async () => {
    const dir = folder('small-files');
    const fileRows = { levels: 3 * 2 * LEVELS, top: 3, trades: 3 };
    await run(raw, dir, { fileRows, to: new Date(DAY1 + 24 * 3_600_000) });
    const before = await lakeFiles(dir, 'levels');
    // 8 books a market-day at 3 a file: files of 3, 3 and 2 books.
    expect(before.filter((f) => f.name.includes('BTC-USD')).map((f) => path.basename(f.name))).toEqual([
      'part-00000.parquet',
      'part-00001.parquet',
      'part-00002.parquet',
    ]);
    await run(raw, dir, { fileRows });
    const after = await lakeFiles(dir, 'levels');
    // Day 1's files are as they were; day 2 has its own.
    for (const f of before) expect(after).toContainEqual(f);
    const r = await duck.runAndReadAll(`SELECT filename, count(*) AS n, count(DISTINCT raw_key) AS books,
        bool_and(ordered) AS sorted
      FROM (SELECT filename, raw_key, captured_at >= lag(captured_at, 1, captured_at) OVER (PARTITION BY filename ORDER BY file_row_number) AS ordered
            FROM read_parquet('${dir}/levels/*/*/*/*.parquet', filename = true, file_row_number = true))
      GROUP BY filename ORDER BY filename`);
    const perFile = r.getRowObjectsJson();
    expect(perFile).toHaveLength(2 * 2 * 3);
    for (const f of perFile) {
      expect(Number(f.n)).toBe(Number(f.books) * 2 * LEVELS);
      expect(Number(f.n)).toBeLessThanOrEqual(fileRows.levels);
      expect(f.sorted).toBe(true);
    }
    expect(await contents(dir)).toEqual(whole);
  });

  it('files newer than their manifest (an export killed between the two): taken up, no row twice', async () => {
    const dir = folder('stale');
    await run(raw, dir, { to: new Date(DAY1 + 12 * 3_600_000) });
    const manifests = path.join(base, 'stale-manifests');
    await cp(path.join(dir, '_manifest'), manifests, { recursive: true });
    await run(raw, dir);
    // Put the older manifests back: the files now hold books these do not name.
    await rm(path.join(dir, '_manifest'), { recursive: true });
    await cp(manifests, path.join(dir, '_manifest'), { recursive: true });
    const resumed = await run(raw, dir);
    expect(resumed.failed).toEqual([]);
    expect(resumed.books.exported).toBe(0);
    expect(resumed.levels).toBe(0);
    expect(await contents(dir)).toEqual(whole);
  });

  it('a deleted manifest is rebuilt from the files; deleted files are exported again', async () => {
    const dir = folder('deleted');
    await run(raw, dir);
    const manifest = path.join(dir, '_manifest/books/exchange=binance/market=BTCUSDT/date=2026-03-01.json');
    await rm(manifest);
    const rebuilt = await run(raw, dir);
    expect(rebuilt).toMatchObject({ levels: 0, failed: [] });
    expect((await stat(manifest)).isFile()).toBe(true);
    // A partition is exported anew by deleting its files and its manifest (a manifest that
    // names every book is trusted without listing the files).
    await rm(path.join(dir, 'levels/exchange=coinbase/market=BTC-USD/date=2026-03-02/part-00000.parquet'));
    await rm(path.join(dir, '_manifest/books/exchange=coinbase/market=BTC-USD/date=2026-03-02.json'));
    const again = await run(raw, dir);
    expect(again.levels).toBe(8 * 2 * LEVELS);
    expect(await contents(dir)).toEqual(whole);
  });

  it('a trade two fetches carried is stored once, with the earlier fetch', () => {
    const trades = (whole.trades ?? []).map((t) => JSON.parse(t) as Record<string, string>);
    expect(trades).toHaveLength(4);
    for (const t of trades) expect(t.raw_key).toContain('20261121T130002.000Z');
  });
});
