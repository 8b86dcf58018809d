import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { OrderBook } from '../../src/book/index.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const { warehouse } = useTestWarehouse();

const SETTINGS: LoadSettings = {
  costCurveUsd: ['100'],
  slippageBpsThresholds: ['10'],
  notionalsUsd: ['100'],
  depthBandsBps: [10, 100],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
};

let keys = 0;
function load(book: OrderBook, base: string, quote: string) {
  return new Loader(warehouse.db, SETTINGS).load({
    book,
    base,
    quote,
    rawKey: `exchange=${book.venue}/market=${book.symbol}/levels-${++keys}.json.gz`,
    url: bookUrl(book.venue, book.symbol),
    runId: '01900000-0000-7000-8000-000000000009',
    requestedAt: '2026-11-21T10:00:00.000Z',
    receivedAt: '2026-11-21T10:00:00.250Z',
  });
}

async function levels(snapshotId: string) {
  const rows = await warehouse.db
    .selectFrom('orderbook.fact_level')
    .select(['side', 'level_no', 'price', 'size', 'order_count'])
    .where('snapshot_id', '=', snapshotId)
    .orderBy('side', 'desc')
    .orderBy('level_no')
    .execute();
  return rows.map((r) => [r.side, r.level_no, canonical(r.price), canonical(r.size), r.order_count]);
}

async function count(table: 'orderbook.fact_level' | 'orderbook.fact_top', snapshotId: string) {
  const row = await warehouse.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('snapshot_id', '=', snapshotId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const coinbase: OrderBook = {
  venue: 'coinbase',
  symbol: 'LVL-USD',
  sequence: 7n,
  exchangeTime: null,
  notExecutable: null,
  bids: [
    { price: '100.50', size: '0.00000001', orderCount: 3 },
    { price: '99', size: '12345678901234567890.123456789', orderCount: 0 },
    { price: '0.000000000000000001', size: '2', orderCount: 20 },
  ],
  asks: [
    { price: '101', size: '1.0', orderCount: 1 },
    { price: '102.25', size: '3', orderCount: 7 },
  ],
};

describe('fact_level as the loader writes it', () => {
  it('stores every level exactly, numbered from the best, with Coinbase order counts', async () => {
    const { snapshotId, storedLevels } = await load(coinbase, 'LVL', 'USD');
    expect(storedLevels).toBe(5);
    expect(await levels(snapshotId)).toEqual([
      ['bid', 1, '100.5', '0.00000001', 3],
      ['bid', 2, '99', '12345678901234567890.123456789', 0],
      ['bid', 3, '0.000000000000000001', '2', 20],
      ['ask', 1, '101', '1', 1],
      ['ask', 2, '102.25', '3', 7],
    ]);
  });

  it('stores no order count where the venue gives none (Binance)', async () => {
    const book: OrderBook = {
      venue: 'binance',
      symbol: 'LVLUSDT',
      sequence: 8n,
      exchangeTime: null,
      notExecutable: null,
      bids: [{ price: '84705.63000000', size: '5.70639000', orderCount: null }],
      asks: [
        { price: '84705.64000000', size: '0.53003000', orderCount: null },
        { price: '84705.65000000', size: '0.00021000', orderCount: null },
      ],
    };
    const { snapshotId } = await load(book, 'LVL', 'USDT');
    expect(await levels(snapshotId)).toEqual([
      ['bid', 1, '84705.63', '5.70639', null],
      ['ask', 1, '84705.64', '0.53003', null],
      ['ask', 2, '84705.65', '0.00021', null],
    ]);
  });

  it.each([
    ['a comma', '1,5'],
    ['a brace', '1}'],
    ['NaN', 'NaN'],
    ['an exponent', '1e5'],
  ])('refuses a price with %s and writes nothing of the snapshot', async (_what, price) => {
    const book: OrderBook = { ...coinbase, symbol: 'BAD-USD', bids: [{ price, size: '1', orderCount: 1 }] };
    await expect(load(book, 'BAD', 'USD')).rejects.toThrow(/not a positive decimal/);
    const snapshots = await warehouse.db
      .selectFrom('orderbook.fact_snapshot as s')
      .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
      .select('s.snapshot_id')
      .where('m.symbol', '=', 'BAD-USD')
      .execute();
    expect(snapshots).toEqual([]);
  });
});

describe('no level without its snapshot (the foreign key, checked per statement)', () => {
  it('refuses levels of a snapshot that does not exist, as a foreign key violation', async () => {
    const insert = sql`insert into orderbook.fact_level (snapshot_id, side, level_no, price, size)
      values (987654321, 'bid', 1, 1, 1)`.execute(warehouse.db);
    await expect(insert).rejects.toMatchObject({ code: '23503' });
  });

  it('refuses moving levels to a snapshot that does not exist', async () => {
    const { snapshotId } = await load(coinbase, 'LVL', 'USD');
    const update = sql`update orderbook.fact_level set snapshot_id = 987654321
      where snapshot_id = ${snapshotId} and level_no = 1`.execute(warehouse.db);
    await expect(update).rejects.toMatchObject({ code: '23503' });
    expect(await count('orderbook.fact_level', snapshotId)).toBe(5);
  });

  it('deleting a snapshot deletes its levels and derived rows, and only those', async () => {
    const kept = await load(coinbase, 'LVL', 'USD');
    const gone = await load(coinbase, 'LVL', 'USD');
    expect(await count('orderbook.fact_top', gone.snapshotId)).toBe(1);
    await warehouse.db
      .deleteFrom('orderbook.fact_snapshot')
      .where('snapshot_id', '=', gone.snapshotId)
      .execute();
    expect(await count('orderbook.fact_level', gone.snapshotId)).toBe(0);
    expect(await count('orderbook.fact_top', gone.snapshotId)).toBe(0);
    expect(await count('orderbook.fact_level', kept.snapshotId)).toBe(5);
  });

  it('truncating snapshots truncates the levels too', async () => {
    await load(coinbase, 'LVL', 'USD');
    await sql`truncate orderbook.fact_snapshot cascade`.execute(warehouse.db);
    const row = await warehouse.db
      .selectFrom('orderbook.fact_level')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(0);
  });
});
