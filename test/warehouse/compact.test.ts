/**
 * Compact level days (migration 0015, src/warehouse/compact.ts): a day partition past
 * LEVEL_COMPACT_AFTER_DAYS becomes one row of arrays per snapshot × side and its row partition is
 * dropped, with every level given back exactly through fact_level_all, v_book_levels,
 * v_optimal_transactions and the derive SQL; a failed day keeps its rows; retention drops compact
 * days; today's partition is never touched. On PostgreSQL, and the round trip on embedded PGlite.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Level, OrderBook } from '../../src/book/index.ts';
import { benchMarkets } from '../../bench/markets.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { parseBook } from '../../src/venues/index.ts';
import { compactLevels, levelDaysToCompact } from '../../src/warehouse/compact.ts';
import { loadConfig } from '../../src/config.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/db.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import { deriveSnapshots, deriveSplits } from '../../src/warehouse/derive.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { dropExpiredLevels } from '../../src/warehouse/partitions.ts';
import type { Database } from '../../src/warehouse/schema.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { bookUrl } from '../helpers/book-url.ts';

const SETTINGS: LoadSettings = {
  notionalsUsd: ['100', '5000'],
  depthBandsBps: [10, 100, 1000],
  costCurveUsd: ['100', '1000', '20000'],
  slippageBpsThresholds: ['5', '50', '500'],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
  forecastWindow: 3,
};

const RUN = '01900000-0000-7000-8000-00000000d001';
const DIGITS = 10n ** 30n;
/** `units` × 10^-30 with all 30 decimals printed (trailing zeros kept: numeric keeps them). */
const at30 = (units: bigint) => `${units / DIGITS}.${(units % DIGITS).toString().padStart(30, '0')}`;

/** n levels a side: prices with 30 decimals around 1000, sizes from tiny to huge, scales mixed. */
function deepBook(venue: 'coinbase' | 'binance', symbol: string, n: number): OrderBook {
  const sizes = [
    '0.10000000',
    '123456789012345678901234567890.000000000000000000001',
    '0.000000000000000001',
    '7',
  ];
  const level = (price: string, i: number): Level => ({
    price,
    size: sizes[i % sizes.length] ?? '1',
    orderCount: venue === 'coinbase' ? (i % 5 === 0 ? 2_000_000_000 : i + 1) : null,
  });
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (let i = 0; i < n; i++) {
    bids.push(level(at30(999n * DIGITS - BigInt(i) * 1_000_000_000_000_000_000_007n), i));
    asks.push(level(at30(1001n * DIGITS + BigInt(i) * 1_000_000_000_000_000_000_003n), i));
  }
  // A sequence past 2^53: the book's own number, kept exactly in fact_snapshot.
  return {
    venue,
    symbol,
    sequence: 9_007_199_254_740_993n + BigInt(n),
    exchangeTime: null,
    bids,
    asks,
    notExecutable: null,
  };
}

const daysAgo = (days: number, hour = 12) => {
  const at = new Date(Date.now() - days * 86_400_000);
  at.setUTCHours(hour, 0, 0, 0);
  return at.toISOString();
};
const dayKey = (iso: string) => iso.slice(0, 10).replaceAll('-', '');

let keys = 0;
async function load(db: Kysely<Database>, book: OrderBook, at: string, runId = RUN): Promise<string> {
  const quote = book.venue === 'coinbase' ? 'USD' : 'USDT';
  const result = await new Loader(db, SETTINGS).load({
    book,
    base: 'CMP',
    quote,
    rawKey: `compact-test-${++keys}`,
    url: bookUrl(book.venue, book.symbol),
    runId,
    requestedAt: at,
    receivedAt: at,
  });
  return result.snapshotId;
}

/** Every level of these snapshots as text, through fact_level_all. */
async function levelsOf(db: Kysely<Database>, ids: string[]): Promise<string[]> {
  const { rows } = await sql<{ r: string }>`
    select concat_ws('|', snapshot_id, side, level_no, price::text, size::text, order_count) as r
    from orderbook.fact_level_all where snapshot_id = any(${ids}::bigint[])
    order by snapshot_id, side, level_no`.execute(db);
  return rows.map((r) => r.r);
}

/** What analysts see of these snapshots: v_book_levels and v_optimal_transactions, every column. */
async function viewsOf(db: Kysely<Database>, ids: string[]): Promise<{ book: string[]; walk: string[] }> {
  const book = await sql<{ r: string }>`
    select v::text as r from orderbook.v_book_levels v where snapshot_id = any(${ids}::bigint[])
    order by snapshot_id, side, level_no`.execute(db);
  const walk = await sql<{ r: string }>`
    select v::text as r from orderbook.v_optimal_transactions v where snapshot_id = any(${ids}::bigint[])
    order by snapshot_id, side, notional_usd, level_no`.execute(db);
  return { book: book.rows.map((r) => r.r), walk: walk.rows.map((r) => r.r) };
}

const DERIVED = [
  'fact_top',
  'fact_depth',
  'fact_fill',
  'fact_cost_curve',
  'fact_size_limit',
  'fact_reach',
  'fact_split',
];

/** The derived rows of these snapshots, every table, as text. */
async function derivedOf(db: Kysely<Database>, ids: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of DERIVED) {
    const { rows } = await sql<{ r: string }>`
      select t::text as r from ${sql.table(`orderbook.${table}`)} t
      where snapshot_id = any(${ids}::bigint[]) order by 1`.execute(db);
    out[table] = rows.map((r) => r.r);
  }
  return out;
}

/** What `backfill --derive-only` does for these books: derive them again from their levels. */
async function deriveAgain(db: Kysely<Database>, ids: string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await deriveSnapshots(tx, ids, SETTINGS);
    await deriveSplits(tx, [{ runId: RUN, base: 'CMP' }]);
  });
}

async function relations(db: Kysely<Database>, pattern: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'orderbook' and c.relname like ${pattern} and c.relkind in ('r', 'p') order by 1`.execute(
    db,
  );
  return rows.map((r) => r.name);
}

describe('compact level days on PostgreSQL', () => {
  const { warehouse } = useTestWarehouse();
  const old = daysAgo(3);
  const ids: string[] = [];
  let before: {
    levels: string[];
    views: { book: string[]; walk: string[] };
    derived: Record<string, string[]>;
  };

  beforeAll(async () => {
    const db = warehouse.db;
    ids.push(await load(db, deepBook('coinbase', 'CMP-USD', 3000), old));
    ids.push(await load(db, deepBook('binance', 'CMPUSDT', 700), old));
    // A book with an empty ask side: its bids alone are stored.
    const oneSided = await load(db, deepBook('coinbase', 'CMP-USD', 40), daysAgo(3, 13));
    await sql`delete from orderbook.fact_level where snapshot_id = ${oneSided} and side = 'ask'`.execute(db);
    ids.push(oneSided);
    // Derived from the rows as they are now (the one-sided book too): what derive-only gives
    // from an uncompacted day.
    await deriveAgain(db, ids);
    before = {
      levels: await levelsOf(db, ids),
      views: await viewsOf(db, ids),
      derived: await derivedOf(db, ids),
    };
  }, 120_000);

  it('keeps every level exactly: prices of 30 decimals, huge and tiny sizes, scales, order counts, both sides', async () => {
    const db = warehouse.db;
    expect(before.levels).toHaveLength(2 * 3000 + 2 * 700 + 40);
    const compacted = await compactLevels(db, 1);
    expect(compacted).toEqual([{ partition: `fact_level_${dayKey(old)}`, levels: 2 * 3000 + 2 * 700 + 40 }]);
    expect(await relations(db, `fact_level_%${dayKey(old)}`)).toEqual([`fact_level_compact_${dayKey(old)}`]);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from orderbook.fact_level where snapshot_id = any(${ids}::bigint[])`.execute(
      db,
    );
    expect(rows[0]?.n).toBe('0');
    expect(await levelsOf(db, ids)).toEqual(before.levels);
    // Spot checks of what the text comparison holds.
    expect(before.levels[0]).toMatch(
      /\|ask\|1\|1001\.000000000000000000000000000000\|0\.10000000\|2000000000$/,
    );
    expect(
      before.levels.filter((l) => l.includes('123456789012345678901234567890.000000000000000000001')).length,
    ).toBeGreaterThan(0);
    // One compact row per stored side: the empty side has none, Binance's order counts are null.
    const { rows: compactRows } = await sql<{ side: string; n: number; counts: boolean }>`
      select side, cardinality(price) as n, order_count is not null as counts
      from orderbook.fact_level_compact where snapshot_id = any(${ids}::bigint[]) order by snapshot_id, side`.execute(
      db,
    );
    expect(compactRows).toEqual([
      { side: 'ask', n: 3000, counts: true },
      { side: 'bid', n: 3000, counts: true },
      { side: 'ask', n: 700, counts: false },
      { side: 'bid', n: 700, counts: false },
      { side: 'bid', n: 40, counts: true },
    ]);
  });

  it('gives the views the same rows as before', async () => {
    const after = await viewsOf(warehouse.db, ids);
    // v_book_levels shows books with a top: all but the one-sided one (40 bids).
    expect(after.book.length).toBe(before.levels.length - 40);
    expect(after.walk.length).toBeGreaterThan(0);
    expect(after).toEqual(before.views);
  });

  it('derives the same rows from compact days as from rows (backfill --derive-only)', async () => {
    await deriveAgain(warehouse.db, ids);
    const after = await derivedOf(warehouse.db, ids);
    for (const table of DERIVED) expect(after[table]?.length, table).toBeGreaterThan(0);
    expect(after).toEqual(before.derived);
  });

  it('is idempotent: a second pass finds nothing to do and changes nothing', async () => {
    expect(await compactLevels(warehouse.db, 1)).toEqual([]);
    expect(await levelsOf(warehouse.db, ids)).toEqual(before.levels);
  });

  it('a late load into a compacted day goes to rows and is compacted into the same day', async () => {
    const db = warehouse.db;
    const late = await load(db, deepBook('coinbase', 'CMP-USD', 25), daysAgo(3, 20));
    const rows = await levelsOf(db, [late]);
    expect(rows).toHaveLength(50);
    expect(await relations(db, `fact_level_%${dayKey(old)}`)).toEqual([
      `fact_level_${dayKey(old)}`,
      `fact_level_compact_${dayKey(old)}`,
    ]);
    expect(await compactLevels(db, 1)).toEqual([{ partition: `fact_level_${dayKey(old)}`, levels: 50 }]);
    expect(await levelsOf(db, [late])).toEqual(rows);
    expect(await levelsOf(db, ids)).toEqual(before.levels);
  });

  it('never touches today’s or yesterday’s partition at the default of 1 day, and refuses today outright', async () => {
    const db = warehouse.db;
    const today = await load(db, deepBook('coinbase', 'CMP-USD', 10), new Date().toISOString());
    const yesterday = await load(db, deepBook('coinbase', 'CMP-USD', 10), daysAgo(1));
    const days = await levelDaysToCompact(db, 1);
    expect(days).not.toContain(new Date().toISOString().slice(0, 10));
    expect(days).not.toContain(daysAgo(1).slice(0, 10));
    await compactLevels(db, 1);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from orderbook.fact_level where snapshot_id in (${today}, ${yesterday})`.execute(
      db,
    );
    expect(rows[0]?.n).toBe('40');
    await expect(
      sql`select orderbook.compact_level_partition((now() at time zone 'UTC')::date)`.execute(db),
    ).rejects.toThrow(/today's or later/);
  });

  it('a day that fails mid-way keeps its rows: level numbers with a gap roll the whole day back', async () => {
    const db = warehouse.db;
    const at = daysAgo(5);
    const id = await load(db, deepBook('coinbase', 'CMP-USD', 30), at);
    const other = await load(db, deepBook('binance', 'CMPUSDT', 30), daysAgo(5, 14));
    await sql`delete from orderbook.fact_level where snapshot_id = ${id} and side = 'bid' and level_no = 7`.execute(
      db,
    );
    const rows = await levelsOf(db, [id, other]);
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o), info: () => undefined } as never;
    expect(await compactLevels(db, 1, log)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain(`fact_level_${dayKey(at)}`);
    expect(await levelsOf(db, [id, other])).toEqual(rows);
    const { rows: n } = await sql<{ rows: string; compact: string }>`
      select (select count(*) from orderbook.fact_level where snapshot_id in (${id}, ${other}))::text as rows,
             (select count(*) from orderbook.fact_level_compact where snapshot_id in (${id}, ${other}))::text as compact`.execute(
      db,
    );
    expect(n[0]).toEqual({ rows: String(rows.length), compact: '0' });
    // Mended, the day compacts on the next pass.
    await sql`delete from orderbook.fact_level where snapshot_id = ${id}`.execute(db);
    expect((await compactLevels(db, 1)).map((d) => d.partition)).toEqual([`fact_level_${dayKey(at)}`]);
    expect(await levelsOf(db, [other])).toEqual(rows.filter((r) => r.startsWith(other)));
  });

  it('a day another session holds is left as rows until the lock is gone (the transaction rolls back whole)', async () => {
    if (!warehouse.kind.startsWith('postgres')) return;
    const db = warehouse.db;
    const at = daysAgo(6);
    const id = await load(db, deepBook('coinbase', 'CMP-USD', 20), at);
    const rows = await levelsOf(db, [id]);
    const { rows: url } = await sql<{ db: string }>`select current_database() as db`.execute(db);
    const location = new URL(process.env.TEST_DATABASE_URL ?? '');
    location.pathname = `/${url[0]?.db ?? ''}`;
    const admin = new pg.Client({ connectionString: location.toString() });
    await admin.connect();
    try {
      await admin.query('begin');
      // A writer of that old day: the compaction's share lock waits for it, then gives up.
      await admin.query(`lock table orderbook.fact_level_${dayKey(at)} in row exclusive mode`);
      const started = Date.now();
      expect(await compactLevels(db, 1)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
      await admin.query('rollback');
    } finally {
      await admin.end();
    }
    expect(await relations(db, `fact_level_%${dayKey(at)}`)).toEqual([`fact_level_${dayKey(at)}`]);
    expect(await levelsOf(db, [id])).toEqual(rows);
    expect((await compactLevels(db, 1)).map((d) => d.partition)).toEqual([`fact_level_${dayKey(at)}`]);
    expect(await levelsOf(db, [id])).toEqual(rows);
  }, 30_000);

  it('retention drops compact days a whole day at a time, like row days', async () => {
    const db = warehouse.db;
    const at = daysAgo(40);
    const id = await load(db, deepBook('coinbase', 'CMP-USD', 10), at);
    expect((await compactLevels(db, 1)).map((d) => d.partition)).toContain(`fact_level_${dayKey(at)}`);
    expect(await relations(db, `fact_level_compact_${dayKey(at)}`)).toHaveLength(1);
    expect(await dropExpiredLevels(db, 30)).toEqual([`fact_level_compact_${dayKey(at)}`]);
    expect(await levelsOf(db, [id])).toEqual([]);
    // The day's derived rows stay, and the younger compact day is kept.
    const { rows } = await sql<{
      n: string;
    }>`select count(*)::text as n from orderbook.fact_top where snapshot_id = ${id}`.execute(db);
    expect(rows[0]?.n).toBe('1');
    expect(await levelsOf(db, ids)).toEqual(before.levels);
  });

  it('stores a full-size Coinbase book in about a tenth of the bytes of its rows', async () => {
    const db = warehouse.db;
    // The simulator's venue-sized BTC-USD book (what part 6 of the bench stores), over real HTTP.
    const markets = benchMarkets({ count: 2, coinbaseLevels: 21_302, binanceLevels: 1000 });
    const sim = await startSimulator({ markets });
    let book: OrderBook;
    try {
      const text = await (await fetch(`${sim.url}/products/BTC-USD/book?level=2`)).text();
      book = { ...parseBook('coinbase', 'BTC-USD', text), symbol: 'CMPBIG-USD' };
    } finally {
      await sim.close();
    }
    const at = daysAgo(9);
    const id = await load(db, book, at);
    const part = `orderbook.fact_level_${dayKey(at)}`;
    const { rows: rowBytes } = await sql<{ bytes: string; n: string }>`
      select pg_total_relation_size(${part}::regclass)::text as bytes,
             (select count(*) from orderbook.fact_level where snapshot_id = ${id})::text as n`.execute(db);
    const levels = Number(rowBytes[0]?.n);
    expect(levels).toBeGreaterThan(40_000);
    await compactLevels(db, 1);
    const { rows: compactBytes } = await sql<{ bytes: string }>`
      select pg_total_relation_size(${`orderbook.fact_level_compact_${dayKey(at)}`}::regclass)::text as bytes`.execute(
      db,
    );
    const asRows = Number(rowBytes[0]?.bytes) / levels;
    const compact = Number(compactBytes[0]?.bytes) / levels;
    // ~85-100 bytes a level as rows (header, line pointer, key index), ~10 compact.
    expect(asRows).toBeGreaterThan(60);
    expect(compact).toBeLessThan(16);
    expect(compact).toBeLessThan(asRows / 5);
  });
});

describe('compact level days on embedded PGlite', () => {
  let dir: string;
  let warehouse: Warehouse;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'obetl-pglite-compact-'));
    warehouse = await openWarehouse({ databaseUrl: undefined, dataDir: dir, connectAttempts: 1 });
    await migrate(warehouse.db, undefined, loadConfig({}));
  }, 120_000);
  afterAll(async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every level and every view row, and derives the same rows', async () => {
    const db = warehouse.db;
    const at = daysAgo(2);
    const ids = [
      await load(db, deepBook('coinbase', 'CMP-USD', 300), at),
      await load(db, deepBook('binance', 'CMPUSDT', 200), at),
    ];
    const levels = await levelsOf(db, ids);
    const views = await viewsOf(db, ids);
    const derived = await derivedOf(db, ids);
    expect(await compactLevels(db, 1)).toEqual([{ partition: `fact_level_${dayKey(at)}`, levels: 1000 }]);
    expect(await relations(db, `fact_level_%${dayKey(at)}`)).toEqual([`fact_level_compact_${dayKey(at)}`]);
    expect(await levelsOf(db, ids)).toEqual(levels);
    expect(await viewsOf(db, ids)).toEqual(views);
    await deriveAgain(db, ids);
    expect(await derivedOf(db, ids)).toEqual(derived);
  }, 120_000);
});
