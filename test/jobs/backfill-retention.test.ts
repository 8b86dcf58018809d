/**
 * Backfill beside LEVEL_RETENTION_DAYS: books older than the retention are loaded and derived,
 * then their level detail is dropped; `--derive-only` after a settings change derives them again
 * from their raw books, with the same results as a warehouse that kept every level.
 */
import { sql } from 'kysely';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import { openRawStore, writeSnapshot, type RawStore } from '../../src/raw/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';

// Recorded books (test/fixtures/SOURCES.md): a Coinbase BTC-USD and a Binance BTCUSDT.
const BOOKS = [
  {
    exchange: 'coinbase',
    market: 'BTC-USD',
    quote: 'USD',
    body: fixtureText('coinbase-book-l2-BTC-USD-senken.json'),
  },
  {
    exchange: 'binance',
    market: 'BTCUSDT',
    quote: 'USDT',
    body: fixtureText('binance-depth-BTCUSDT-20-mdolmen.json'),
  },
] as const;

let folder: string;
let store: RawStore;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'obetl-retention-'));
  store = openRawStore(pathToFileURL(folder).toString());
  // Three hourly runs 60 days ago, each with both books, all on one UTC day (from 01:00), so a
  // test run near midnight still finds one day's partition to drop.
  const start = Math.floor(Date.now() / 86_400_000 - 60) * 86_400_000 + 3_600_000;
  for (let hour = 0; hour < 3; hour++) {
    const at = new Date(start + hour * 3_600_000).toISOString();
    const runId = `01900000-0000-7000-8000-0000000d000${hour}`;
    for (const book of BOOKS) {
      await writeSnapshot(
        store,
        {
          exchange: book.exchange,
          market: book.market,
          url: `https://example.test/${book.market}`,
          requested_at: at,
          received_at: at,
          status: 200,
          run_id: runId,
          base: 'BTC',
          quote: book.quote,
        },
        Buffer.from(book.body),
      );
    }
  }
});
afterAll(async () => {
  await store.close();
  for (const db of databases) await db.cleanup();
  await rm(folder, { recursive: true, force: true });
});

async function warehouse(): Promise<Warehouse> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.open();
}

function rebuild(target: Warehouse, config: Config, deriveOnly = false) {
  const { log } = capturingLogger();
  return backfill(
    { config, log, store, db: target.db, loader: new Loader(target.db, config) },
    { deriveOnly },
  );
}

/** The derived facts an analyst reads over time, without the ids that differ between warehouses. */
async function facts(target: Warehouse) {
  const q = async (query: ReturnType<typeof sql>) =>
    (await query.execute(target.db)).rows as Record<string, unknown>[];
  return {
    fills:
      await q(sql`select exchange, captured_at, side, notional_usd::text, avg_price::text, all_in_price::text,
                              levels_used, fully_filled
                       from orderbook.v_execution_cost order by 1, 2, 3, 4`),
    limits:
      await q(sql`select s.exchange, s.captured_at, z.side, z.threshold_bps::text, z.max_notional_usd::text
                        from orderbook.fact_size_limit z join orderbook.v_snapshot s using (snapshot_id)
                        order by 1, 2, 3, 4`),
    reach:
      await q(sql`select exchange, captured_at, side, depth_limit, levels_sent, levels_stored, reach_bps::text, cut
                       from orderbook.v_reach order by 1, 2, 3`),
    splits:
      await q(sql`select captured_at, side, notional_usd::text, exchange, usd_amount::text, base_amount::text,
                               blended_all_in_price::text, best_single_exchange, saving_bps::text
                        from orderbook.v_optimal_split order by 1, 2, 3, 4`),
    forecasts:
      await q(sql`select exchange, captured_at, window_snapshots, slope_per_hour, r_squared, forecast_mid::text
                           from orderbook.v_mid_price_forecast order by 1, 2`),
    errors: await q(sql`select exchange, captured_at, error::text, mean_abs_error_1h::text
                        from orderbook.v_forecast_error order by 1, 2`),
    depth:
      await q(sql`select exchange, captured_at, band_bps, bid_base::text, bid_orders::text, ask_orders::text
                       from orderbook.v_depth order by 1, 2, 3`),
  };
}

/** Levels stored, as rows or in compact days (LEVEL_COMPACT_AFTER_DAYS). */
async function levelCount(target: Warehouse): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from orderbook.fact_level_all`.execute(
    target.db,
  );
  return Number(rows[0]?.n);
}

describe('backfill and LEVEL_RETENTION_DAYS', () => {
  it('derives books past retention, drops their levels, and --derive-only derives them again from raw', async () => {
    const kept = loadConfig({ LEVELS_WITHIN_BPS: 'all' });
    const retained = { ...kept, levelRetentionDays: 30 };
    const target = await warehouse();
    const first = await rebuild(target, retained);
    expect(first).toMatchObject({ loaded: 6, derived: 6, failed: [], splits: 3 });
    expect(first.partitionsDropped).toHaveLength(1);
    expect(await levelCount(target)).toBe(0);
    const { rows: snapshots } = await sql<{ n: string }>`
      select count(*) as n from orderbook.v_book_top`.execute(target.db);
    expect(snapshots[0]?.n).toBe('6');

    // New settings, then a derive of the whole history: the levels are read again from raw.
    const changed = {
      ...retained,
      notionalsUsd: ['12345'],
      costCurveUsd: ['777', '250000'],
      slippageBpsThresholds: ['3'],
      forecastWindow: 2,
    };
    const again = await rebuild(target, changed, true);
    expect(again).toMatchObject({ listed: 0, loaded: 0, derived: 6, failed: [], splits: 3 });
    expect(again.levelsReread).toBeGreaterThanOrEqual(6);
    expect(await levelCount(target)).toBe(0);

    // The same facts as a warehouse that kept every level and was built with those settings.
    const reference = await warehouse();
    const built = await rebuild(reference, { ...changed, levelRetentionDays: null });
    expect(built).toMatchObject({ loaded: 6, failed: [], partitionsDropped: [] });
    expect(await levelCount(reference)).toBeGreaterThan(0);
    const got = await facts(target);
    expect(got.fills.map((f) => f.notional_usd)).toEqual(Array(12).fill('12345'));
    expect(got.splits.length).toBeGreaterThan(0);
    // Every side of the six books, derived from levels read again from raw.
    expect(got.reach).toHaveLength(12);
    expect(new Set(got.splits.map((s) => s.notional_usd))).toEqual(new Set(['777', '12345', '250000']));
    expect(got.forecasts.map((f) => f.window_snapshots)).toEqual(Array(4).fill('2'));
    // Orders per band from levels read again from raw: the recorded Coinbase book's 30 bids hold
    // 34 orders and its 30 asks 37, all within 10 bps of mid, the narrowest band; Binance counts none.
    const orders = (exchange: string) =>
      got.depth.filter((d) => d.exchange === exchange).map((d) => [d.bid_orders, d.ask_orders]);
    expect(orders('coinbase')).toEqual(Array(3 * 6).fill(['34', '37']));
    expect(orders('binance')).toEqual(Array(3 * 6).fill([null, null]));
    expect(got).toEqual(await facts(reference));
  });
});

describe('backfill and LEVEL_COMPACT_AFTER_DAYS', () => {
  let recent: RawStore;
  let recentFolder: string;
  beforeAll(async () => {
    recentFolder = await mkdtemp(path.join(tmpdir(), 'obetl-compact-'));
    recent = openRawStore(pathToFileURL(recentFolder).toString());
    // Three hourly runs 5 days ago: inside retention, past compaction.
    const start = Date.now() - 5 * 86_400_000;
    for (let hour = 0; hour < 3; hour++) {
      const at = new Date(start + hour * 3_600_000).toISOString();
      const runId = `01900000-0000-7000-8000-0000000e000${hour}`;
      for (const book of BOOKS) {
        await writeSnapshot(
          recent,
          {
            exchange: book.exchange,
            market: book.market,
            url: `https://example.test/${book.market}`,
            requested_at: at,
            received_at: at,
            status: 200,
            run_id: runId,
            base: 'BTC',
            quote: book.quote,
          },
          Buffer.from(book.body),
        );
      }
    }
  });
  afterAll(async () => {
    await recent.close();
    await rm(recentFolder, { recursive: true, force: true });
  });

  const rebuildRecent = (target: Warehouse, config: Config, deriveOnly = false) =>
    backfill(
      {
        config,
        log: capturingLogger().log,
        store: recent,
        db: target.db,
        loader: new Loader(target.db, config),
      },
      { deriveOnly },
    );

  async function allLevels(target: Warehouse): Promise<{ rows: number; compact: number; all: number }> {
    const { rows } = await sql<{ rows: string; compact: string; all: string }>`
      select (select count(*) from orderbook.fact_level)::text as rows,
             (select count(*) from orderbook.fact_level_compact)::text as compact,
             (select count(*) from orderbook.fact_level_all)::text as all`.execute(target.db);
    return { rows: Number(rows[0]?.rows), compact: Number(rows[0]?.compact), all: Number(rows[0]?.all) };
  }

  it('compacts the loaded days, and --derive-only derives from the compact levels what rows give', async () => {
    const defaults = loadConfig({ LEVELS_WITHIN_BPS: 'all' });
    expect(defaults.levelCompactAfterDays).toBe(1);
    const target = await warehouse();
    const first = await rebuildRecent(target, defaults);
    expect(first).toMatchObject({ loaded: 6, derived: 6, failed: [], partitionsDropped: [] });
    const stored = await allLevels(target);
    // Every level kept, none as a row: two sides of six books.
    expect(stored).toMatchObject({ rows: 0, compact: 12 });
    expect(stored.all).toBeGreaterThan(0);

    const changed = {
      ...defaults,
      notionalsUsd: ['12345'],
      costCurveUsd: ['777', '250000'],
      slippageBpsThresholds: ['3'],
      forecastWindow: 2,
    };
    const again = await rebuildRecent(target, changed, true);
    // Nothing read again from raw: the compact days hold the levels.
    expect(again).toMatchObject({ listed: 0, loaded: 0, derived: 6, failed: [], splits: 3, levelsReread: 0 });
    expect(await allLevels(target)).toEqual(stored);

    const reference = await warehouse();
    const built = await rebuildRecent(reference, { ...changed, levelCompactAfterDays: null });
    expect(built).toMatchObject({ loaded: 6, failed: [] });
    expect(await allLevels(reference)).toEqual({ rows: stored.all, compact: 0, all: stored.all });
    const got = await facts(target);
    expect(got.fills.map((f) => f.notional_usd)).toEqual(Array(12).fill('12345'));
    expect(got.splits.length).toBeGreaterThan(0);
    expect(got).toEqual(await facts(reference));
  });
});
