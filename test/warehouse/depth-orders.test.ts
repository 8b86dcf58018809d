/**
 * Orders per depth band (issue 16, migration 0021): fact_depth.bid_orders / ask_orders and
 * v_depth's columns of the same names are Σ order_count of the levels within the band, worked
 * out by hand on books loaded through the Loader: a Coinbase-style book that counts orders, the
 * same prices on Binance (no counts → null, never 0), a recorded OKX answer, a counting book with
 * no level near mid (0), one level without a count (that side null). Compacted levels give the
 * same counts, and `backfill --derive-only` gives back counts missing from rows derived before
 * the migration.
 */
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Level, OrderBook } from '../../src/book/index.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import type { RawStore } from '../../src/raw/index.ts';
import { parseBook } from '../../src/venues/index.ts';
import { compactLevels } from '../../src/warehouse/compact.ts';
import { deriveSnapshots } from '../../src/warehouse/derive.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import type { Database } from '../../src/warehouse/schema.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const SETTINGS: LoadSettings = {
  notionalsUsd: ['100'],
  depthBandsBps: [1, 5, 10, 100, 1000],
  costCurveUsd: ['100'],
  slippageBpsThresholds: ['10'],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
  forecastWindow: 3,
};

const RUN = '01900000-0000-7000-8000-0000000e0001';
const { warehouse } = useTestWarehouse();

type Row = [price: string, size: string, orders: number | null];
const levels = (rows: Row[]): Level[] =>
  rows.map(([price, size, orderCount]) => ({ price, size, orderCount }));

// Mid 1000 (999.5 / 1000.5). Band limits: 1 bps 999.9 / 1000.1, 5 bps 999.5 / 1000.5, 10 bps
// 999 / 1001, 100 bps 990 / 1010, 1000 bps 900 / 1100.
const BIDS: Row[] = [
  ['999.5', '1', 3],
  ['999', '2', 5],
  ['995', '1', 7],
  ['950', '1', 11],
  ['800', '1', 13], // outside every band
];
const ASKS: Row[] = [
  ['1000.5', '1', 2],
  ['1001', '1', 4],
  ['1005', '1', 6],
  ['1090', '1', 8],
  ['1200', '1', 100], // outside every band
];
const withoutCounts = (rows: Row[]): Row[] => rows.map(([p, s]) => [p, s, null]);

function book(venue: OrderBook['venue'], symbol: string, bids: Row[], asks: Row[]): OrderBook {
  return {
    venue,
    symbol,
    sequence: 1n,
    exchangeTime: null,
    notExecutable: null,
    bids: levels(bids),
    asks: levels(asks),
  };
}

const daysAgo = (days: number) => {
  const at = new Date(Date.now() - days * 86_400_000);
  at.setUTCHours(12, 0, 0, 0);
  return at.toISOString();
};
// A past day, so that its levels can be compacted.
const AT = daysAgo(3);

let keys = 0;
async function load(db: Kysely<Database>, b: OrderBook, quote: string, base = 'ORD'): Promise<string> {
  const { snapshotId } = await new Loader(db, SETTINGS).load({
    book: b,
    base,
    quote,
    rawKey: `depth-orders-test-${++keys}`,
    url: bookUrl(b.venue, b.symbol),
    runId: RUN,
    requestedAt: AT,
    receivedAt: AT,
  });
  return snapshotId;
}

/** band_bps, bid_orders, ask_orders of a snapshot from v_depth, band by band. */
async function orders(id: string): Promise<[number, string | null, string | null][]> {
  const { rows } = await sql<{ band_bps: number; bid_orders: string | null; ask_orders: string | null }>`
    select band_bps, bid_orders, ask_orders from orderbook.v_depth where snapshot_id = ${id}
    order by band_bps`.execute(warehouse.db);
  return rows.map((r) => [r.band_bps, r.bid_orders, r.ask_orders]);
}

/** Every fact_depth row of these snapshots as text. */
async function depthRows(ids: string[]): Promise<string[]> {
  const { rows } = await sql<{ r: string }>`
    select d::text as r from orderbook.fact_depth d where snapshot_id = any(${ids}::bigint[])
    order by snapshot_id, band_bps`.execute(warehouse.db);
  return rows.map((r) => r.r);
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  const db = warehouse.db;
  ids.coinbase = await load(db, book('coinbase', 'ORD-USD', BIDS, ASKS), 'USD');
  ids.binance = await load(db, book('binance', 'ORDUSDT', withoutCounts(BIDS), withoutCounts(ASKS)), 'USDT');
  ids.okx = await load(
    db,
    parseBook('okx', 'BTC-USDT', fixtureText('okx-books-BTC-USDT-5-senken.json')),
    'USDT',
    'BTC',
  );
  // Mid 1000, the best levels 50% away: no level in any band.
  const far: [Row[], Row[]] = [[['500', '1', 9]], [['1500', '1', 9]]];
  ids.farCoinbase = await load(db, book('coinbase', 'FAR-USD', ...far), 'USD', 'FAR');
  ids.farBinance = await load(
    db,
    book('binance', 'FARUSDT', withoutCounts(far[0]), withoutCounts(far[1])),
    'USDT',
    'FAR',
  );
  // One bid inside the 100 bps band without a count.
  const gap = BIDS.map((row): Row => (row[0] === '995' ? ['995', '1', null] : row));
  ids.gap = await load(db, book('coinbase', 'GAP-USD', gap, ASKS), 'USD', 'GAP');
}, 60_000);

describe('orders per depth band', () => {
  it('sums the order counts of the levels within each band, side by side', async () => {
    // 1 bps: no level (the best are 5 bps away) → 0 orders, not null: the venue counts them.
    // 5 bps: 999.5 (3) | 1000.5 (2). 10 bps: + 999 (5) | + 1001 (4) → 8 | 6.
    // 100 bps: + 995 (7) | + 1005 (6) → 15 | 12. 1000 bps: + 950 (11) | + 1090 (8) → 26 | 20.
    expect(await orders(ids.coinbase ?? '')).toEqual([
      [1, '0', '0'],
      [5, '3', '2'],
      [10, '8', '6'],
      [100, '15', '12'],
      [1000, '26', '20'],
    ]);
  });

  it('is null on a venue that gives no counts (Binance), in every band, with the sizes still summed', async () => {
    expect(await orders(ids.binance ?? '')).toEqual([
      [1, null, null],
      [5, null, null],
      [10, null, null],
      [100, null, null],
      [1000, null, null],
    ]);
    const { rows } = await sql<{ bid_base: string; ask_base: string }>`
      select bid_base, ask_base from orderbook.v_depth where snapshot_id = ${ids.binance} and band_bps = 1000`.execute(
      warehouse.db,
    );
    expect(rows.map((r) => [canonical(r.bid_base), canonical(r.ask_base)])).toEqual([['5', '4']]);
  });

  it('counts the orders of a recorded OKX answer (its fourth field, numOrders)', async () => {
    // Mid (77927.4 + 77927.5) / 2 = 77927.45. 1 bps: bids ≥ 77919.657255 are 77927.4 (5),
    // 77923.6 (1), 77921.2 (2) → 8, not 77919.6; asks ≤ 77935.242745 are all five: 12+1+1+1+1 = 16.
    // 5 bps and wider: all five bids, 5+1+2+2+1 = 11.
    expect(await orders(ids.okx ?? '')).toEqual([
      [1, '8', '16'],
      [5, '11', '16'],
      [10, '11', '16'],
      [100, '11', '16'],
      [1000, '11', '16'],
    ]);
  });

  it('is 0 on a counting venue whose book has no level within any band, null on one that does not count', async () => {
    const zeros = SETTINGS.depthBandsBps.map((b) => [b, '0', '0']);
    const nulls = SETTINGS.depthBandsBps.map((b) => [b, null, null]);
    expect(await orders(ids.farCoinbase ?? '')).toEqual(zeros);
    expect(await orders(ids.farBinance ?? '')).toEqual(nulls);
  });

  it('is null for a side where a level within the widest band has no count, rather than a sum too low', async () => {
    expect(await orders(ids.gap ?? '')).toEqual([
      [1, null, '0'],
      [5, null, '2'],
      [10, null, '6'],
      [100, null, '12'],
      [1000, null, '20'],
    ]);
  });

  it('gives the same counts from compacted levels, and backfill --derive-only restores counts missing from old rows', async () => {
    const db = warehouse.db;
    const all = Object.values(ids);
    const before = await depthRows(all);
    expect(before).toHaveLength(all.length * SETTINGS.depthBandsBps.length);
    const compacted = await compactLevels(db, 1);
    expect(compacted.map((d) => d.partition)).toEqual([`fact_level_${AT.slice(0, 10).replaceAll('-', '')}`]);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from orderbook.fact_level where snapshot_id = any(${all}::bigint[])`.execute(
      db,
    );
    expect(rows[0]?.n).toBe('0');
    await db.transaction().execute((tx) => deriveSnapshots(tx, all, SETTINGS));
    expect(await depthRows(all)).toEqual(before);

    // Rows derived before migration 0021 have no counts; a derive-only backfill (levels in the
    // warehouse: the raw store is never touched) fills them in.
    await sql`update orderbook.fact_depth set bid_orders = null, ask_orders = null`.execute(db);
    const refuse = () =>
      Promise.reject(new Error('derive-only with levels in the warehouse must not use raw'));
    const store: RawStore = {
      location: 'file:///unused',
      put: refuse,
      get: refuse,
      listChildren: refuse,
      probe: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const config = { ...SETTINGS, concurrency: 1 };
    const summary = await backfill(
      { config, log: capturingLogger().log, store, db, loader: new Loader(db, config) },
      { deriveOnly: true },
    );
    expect(summary).toMatchObject({ derived: all.length, failed: [], levelsReread: 0 });
    expect(await depthRows(all)).toEqual(before);
    expect(await orders(ids.coinbase ?? '')).toContainEqual([1000, '26', '20']);
  }, 60_000);
});
