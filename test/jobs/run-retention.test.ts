/**
 * A run (runPipeline, what `npm run etl` and the scheduler call) makes fact_level's partitions
 * for today and tomorrow before it loads, and drops level detail past LEVEL_RETENTION_DAYS once
 * it is done, keeping every derived fact.
 */
import { sql } from 'kysely';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runPipeline } from '../../src/jobs/pipeline.ts';
import { openRawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { bookUrl } from '../helpers/book-url.ts';

let sim: Simulator;
const { warehouse } = useTestWarehouse();
let rawDir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, markets: defaultSimMarkets(50) });
  rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-run-retention-'));
});
afterAll(async () => {
  await sim.close();
  await rm(rawDir, { recursive: true, force: true });
});

const dayName = (date: Date) => `fact_level_${date.toISOString().slice(0, 10).replaceAll('-', '')}`;

async function partitions(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'orderbook.fact_level'::regclass order by 1`.execute(warehouse.db);
  return rows.map((r) => r.name);
}

async function once(env: Record<string, string>) {
  const config = loadConfig({
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    MARKETS: 'coinbase:BTC-USD,binance:BTCUSDT',
    ...env,
  });
  const store = openRawStore(pathToFileURL(rawDir).toString());
  const { log, lines } = capturingLogger();
  try {
    const summary = await runPipeline(config, log, { store, warehouse, close: () => Promise.resolve() });
    if (!summary) throw new Error('the run found every market held by another run');
    return { summary, lines };
  } finally {
    await store.close();
  }
}

describe('a run and LEVEL_RETENTION_DAYS', () => {
  it('makes today’s and tomorrow’s partitions first and drops days past retention after', async () => {
    // A book from 40 days ago, loaded with its levels (as a backfill of that day would).
    const old = new Date(Date.now() - 40 * 86_400_000);
    const oldBook = await new Loader(warehouse.db, loadConfig({})).load({
      book: {
        venue: 'coinbase',
        symbol: 'BTC-USD',
        sequence: 1n,
        exchangeTime: null,
        notExecutable: null,
        bids: [{ price: '100', size: '1', orderCount: 1 }],
        asks: [{ price: '101', size: '1', orderCount: 1 }],
      },
      base: 'BTC',
      quote: 'USD',
      rawKey: 'run-retention-old',
      url: bookUrl('coinbase', 'BTC-USD'),
      runId: '01900000-0000-7000-8000-0000000e0001',
      requestedAt: old.toISOString(),
      receivedAt: old.toISOString(),
    });
    expect(await partitions()).toContain(dayName(old));

    // `all`: nothing is dropped (and, compaction off, the day stays as rows).
    const kept = await once({ LEVEL_RETENTION_DAYS: 'all', LEVEL_COMPACT_AFTER_DAYS: 'never' });
    expect(kept.summary.exitCode).toBe(0);
    expect(await partitions()).toContain(dayName(old));

    const { summary, lines } = await once({});
    expect(summary.exitCode).toBe(0);
    const now = new Date();
    const names = await partitions();
    expect(names).toEqual(
      expect.arrayContaining([dayName(now), dayName(new Date(now.getTime() + 86_400_000))]),
    );
    expect(names).not.toContain(dayName(old));
    expect(lines().find((l) => l.msg === 'level partitions past retention dropped')).toMatchObject({
      partitions: [dayName(old)],
      retentionDays: 30,
    });
    // The old snapshot and its derived rows stay; only its levels went.
    const { rows } = await sql<{ top: string; levels: string; fresh: string }>`
      select (select count(*) from orderbook.v_book_top where snapshot_id = ${oldBook.snapshotId})::text as top,
             (select count(*) from orderbook.fact_level where snapshot_id = ${oldBook.snapshotId})::text as levels,
             (select count(*) from orderbook.fact_level l join orderbook.fact_snapshot s using (snapshot_id)
              where s.run_id = ${summary.runId})::text as fresh`.execute(warehouse.db);
    expect(rows[0]).toMatchObject({ top: '1', levels: '0' });
    expect(Number(rows[0]?.fresh)).toBeGreaterThan(0);
  });
});

describe('a run and LEVEL_COMPACT_AFTER_DAYS', () => {
  it('compacts the days past it after its loads, leaving what v_book_levels shows as it was', async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    const oldBook = await new Loader(warehouse.db, loadConfig({})).load({
      book: {
        venue: 'coinbase',
        symbol: 'BTC-USD',
        sequence: 2n,
        exchangeTime: null,
        notExecutable: null,
        bids: [
          { price: '100.123456789', size: '1.5', orderCount: 1 },
          { price: '99', size: '0.10000000', orderCount: 7 },
        ],
        asks: [{ price: '101', size: '1', orderCount: 1 }],
      },
      base: 'BTC',
      quote: 'USD',
      rawKey: 'run-compact-old',
      url: bookUrl('coinbase', 'BTC-USD'),
      runId: '01900000-0000-7000-8000-0000000e0002',
      requestedAt: old.toISOString(),
      receivedAt: old.toISOString(),
    });
    const levels = async () =>
      (
        await sql<{ r: string }>`select v::text as r from orderbook.v_book_levels v
          where snapshot_id = ${oldBook.snapshotId} order by side, level_no`.execute(warehouse.db)
      ).rows.map((r) => r.r);
    const before = await levels();
    expect(before).toHaveLength(3);
    expect(await partitions()).toContain(dayName(old));

    const { summary, lines } = await once({});
    expect(summary.exitCode).toBe(0);
    const names = await partitions();
    expect(names).not.toContain(dayName(old));
    // Today's partition, which the run loaded into, stays rows.
    expect(names).toContain(dayName(new Date()));
    expect(lines().find((l) => l.msg === 'level partitions compacted')).toMatchObject({
      partitions: [{ partition: dayName(old), levels: 3 }],
      afterDays: 1,
    });
    expect(await levels()).toEqual(before);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from orderbook.fact_level_compact where snapshot_id = ${oldBook.snapshotId}`.execute(
      warehouse.db,
    );
    expect(rows[0]?.n).toBe('2');
  });
});
