/**
 * fact_level partitioned by capture day (migration 0008): each load finds or makes its day's
 * partition (any date, concurrent loaders included), retention drops whole days and keeps every
 * derived fact, and a warehouse from before partitioning keeps its levels through the upgrade.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { OrderBook } from '../../src/book/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { migrate, MigrationError } from '../../src/warehouse/migrate.ts';
import { dropExpiredLevels } from '../../src/warehouse/partitions.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateBefore, useTestWarehouse } from '../helpers/db.ts';
import { bookUrl } from '../helpers/book-url.ts';

const DEFAULTS = loadConfig({});

const SETTINGS: LoadSettings = {
  costCurveUsd: ['100'],
  slippageBpsThresholds: ['10'],
  notionalsUsd: ['100'],
  depthBandsBps: [10, 100],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
  forecastWindow: 3,
};

const book = (symbol: string, venue: 'coinbase' | 'binance' = 'coinbase'): OrderBook => ({
  venue,
  symbol,
  sequence: 7n,
  exchangeTime: null,
  notExecutable: null,
  bids: [
    { price: '99', size: '2', orderCount: 1 },
    { price: '98', size: '3', orderCount: 2 },
  ],
  asks: [
    { price: '101', size: '1', orderCount: 1 },
    { price: '102', size: '4', orderCount: 3 },
  ],
});

let keys = 0;
function load(
  warehouse: Warehouse,
  at: string,
  symbol = 'PRT-USD',
  runId = '01900000-0000-7000-8000-00000000c001',
) {
  const venue = symbol.includes('-') ? 'coinbase' : 'binance';
  return new Loader(warehouse.db, SETTINGS).load({
    book: book(symbol, venue),
    base: 'PRT',
    quote: symbol.endsWith('USDT') ? 'USDT' : 'USD',
    rawKey: `partitions-test-${++keys}`,
    url: bookUrl(venue, symbol),
    runId,
    requestedAt: at,
    receivedAt: at,
  });
}

/** The partition each of a snapshot's levels is stored in. */
async function partitionsOf(warehouse: Warehouse, snapshotId: string): Promise<string[]> {
  const { rows } = await sql<{ partition: string }>`
    select distinct tableoid::regclass::text as partition from orderbook.fact_level
    where snapshot_id = ${snapshotId}`.execute(warehouse.db);
  return rows.map((r) => r.partition);
}

async function count(warehouse: Warehouse, table: string, snapshotId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(table)} where snapshot_id = ${snapshotId}`.execute(warehouse.db);
  return Number(rows[0]?.n);
}

const daysAgo = (days: number, hour = 12) => {
  const at = new Date(Date.now() - days * 86_400_000);
  at.setUTCHours(hour, 0, 0, 0);
  return at.toISOString();
};

describe('fact_level partitions', () => {
  const { warehouse } = useTestWarehouse();

  it('is partitioned by range, with no extension', async () => {
    const { rows } = await sql<{ strategy: string; extensions: string }>`
      select p.partstrat as strategy,
             (select count(*) from pg_extension where extname <> 'plpgsql')::text as extensions
      from pg_partitioned_table p where p.partrelid = 'orderbook.fact_level'::regclass`.execute(warehouse.db);
    expect(rows).toEqual([{ strategy: 'r', extensions: '0' }]);
  });

  it('stores a snapshot of any date in the partition of its UTC capture day, made on demand', async () => {
    const old = await load(warehouse, '2019-03-04T23:59:59.999Z');
    const next = await load(warehouse, '2019-03-05T00:00:00.000Z');
    expect(old.snapshotId).toMatch(/^20190304\d{10}$/);
    expect(next.snapshotId).toMatch(/^20190305\d{10}$/);
    expect(await partitionsOf(warehouse, old.snapshotId)).toEqual(['orderbook.fact_level_20190304']);
    expect(await partitionsOf(warehouse, next.snapshotId)).toEqual(['orderbook.fact_level_20190305']);
    expect(await count(warehouse, 'orderbook.fact_level', old.snapshotId)).toBe(4);
    // The load derived everything as before.
    expect(await count(warehouse, 'orderbook.fact_top', old.snapshotId)).toBe(1);
  });

  it('concurrent loads of a day that has no partition yet all succeed, into one partition', async () => {
    const at = '2018-07-01T10:00:00.000Z';
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        load(warehouse, at, `P${i}-USD`, `01900000-0000-7000-8000-00000000c1${String(i).padStart(2, '0')}`),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from pg_inherits
      where inhparent = 'orderbook.fact_level'::regclass
        and inhrelid = 'orderbook.fact_level_20180701'::regclass`.execute(warehouse.db);
    expect(rows[0]?.n).toBe('1');
    const { rows: levels } = await sql<{ n: string }>`
      select count(*) as n from orderbook.fact_level_20180701`.execute(warehouse.db);
    expect(levels[0]?.n).toBe(String(8 * 4));
  });

  it('a load whose day partition is dropped under it (retention elsewhere) makes it again and loads', async () => {
    // The drop happens inside the load's first attempt, after its partition check: a trigger on
    // fact_snapshot drops the day once (a sequence, which no rollback resets, says when).
    await sql`
      create sequence orderbook.test_drop_once;
      create function orderbook.test_drop_day() returns trigger language plpgsql as $f$
      begin
        if nextval('orderbook.test_drop_once') = 1 then
          drop table orderbook.fact_level_20170505;
        end if;
        return new;
      end $f$;
      create trigger test_drop_day before insert on orderbook.fact_snapshot
        for each row execute function orderbook.test_drop_day();`.execute(warehouse.db);
    try {
      await sql`select orderbook.ensure_level_partition('2017-05-05')`.execute(warehouse.db);
      const result = await load(warehouse, '2017-05-05T08:00:00.000Z', 'DROP-USD');
      expect(result.inserted).toBe(true);
      expect(await partitionsOf(warehouse, result.snapshotId)).toEqual(['orderbook.fact_level_20170505']);
      const { rows } = await sql<{
        n: string;
      }>`select nextval('orderbook.test_drop_once')::text as n`.execute(warehouse.db);
      expect(rows[0]?.n).toBe('3');
    } finally {
      await sql`
        drop trigger test_drop_day on orderbook.fact_snapshot;
        drop function orderbook.test_drop_day();
        drop sequence orderbook.test_drop_once;`.execute(warehouse.db);
    }
  });

  it('retention drops whole days older than LEVEL_RETENTION_DAYS and keeps every derived fact', async () => {
    const run = '01900000-0000-7000-8000-00000000c201';
    const expired = await load(warehouse, daysAgo(31), 'RET-USD', run);
    await load(warehouse, daysAgo(31), 'RETUSDT', run);
    const kept = await load(warehouse, daysAgo(29), 'RET-USD');
    const expiredDay = `fact_level_${expired.snapshotId.slice(0, 8)}`;
    const before = await sql<Record<string, unknown>>`
      select * from orderbook.v_optimal_split where snapshot_id = ${expired.snapshotId}
      order by side, notional_usd`.execute(warehouse.db);
    expect(before.rows.length).toBeGreaterThan(0);

    const dropped = await dropExpiredLevels(warehouse.db, 30);
    expect(dropped).toContain(expiredDay);
    // 2018 and 2019 went too; the day 29 days back (and the legacy partition, empty) stayed.
    expect(dropped).toEqual(expect.arrayContaining(['fact_level_20180701', 'fact_level_20190304']));
    expect(dropped).not.toContain(`fact_level_${kept.snapshotId.slice(0, 8)}`);
    expect(dropped).not.toContain('fact_level_legacy');
    expect(await count(warehouse, 'orderbook.fact_level', expired.snapshotId)).toBe(0);
    expect(await count(warehouse, 'orderbook.fact_level', kept.snapshotId)).toBe(4);

    for (const table of [
      'fact_snapshot',
      'fact_top',
      'fact_depth',
      'fact_fill',
      'fact_cost_curve',
      'fact_size_limit',
      'fact_reach',
    ]) {
      expect(await count(warehouse, `orderbook.${table}`, expired.snapshotId), table).toBeGreaterThan(0);
    }
    // The split of the expired run is still answered, the same, with no level left to walk.
    const after = await sql<Record<string, unknown>>`
      select * from orderbook.v_optimal_split where snapshot_id = ${expired.snapshotId}
      order by side, notional_usd`.execute(warehouse.db);
    expect(after.rows).toEqual(before.rows);
    const { rows: levels } = await sql<{ n: string }>`
      select count(*) as n from orderbook.v_book_levels where snapshot_id = ${expired.snapshotId}`.execute(
      warehouse.db,
    );
    expect(levels[0]?.n).toBe('0');

    // A load of an expired day after its partition was dropped makes it again (backfill).
    const again = await load(warehouse, daysAgo(31, 13), 'RET-USD');
    expect(await count(warehouse, 'orderbook.fact_level', again.snapshotId)).toBe(4);
    expect(await dropExpiredLevels(warehouse.db, 30)).toEqual([expiredDay]);
    // `all` (null) keeps everything.
    await load(warehouse, daysAgo(400));
    expect(await dropExpiredLevels(warehouse.db, null)).toEqual([]);
  });
});

describe('upgrading a warehouse from before partitioning', () => {
  const { warehouse } = useTestWarehouse({ migrate: false });

  const migrateToBeforePartitions = () => migrateBefore(warehouse.db, '0008');

  it('keeps every level and snapshot id, refuses to drop an analyst view, and loads new days beside them', async () => {
    await migrateToBeforePartitions();
    await sql`
      insert into orderbook.dim_asset (code, is_usd) values ('OLD', false), ('USD', true);
      insert into orderbook.dim_market (exchange_id, symbol, base_asset_id, quote_asset_id, first_seen, last_seen)
        select 1, 'OLD-USD', b.asset_id, q.asset_id, now(), now()
        from orderbook.dim_asset b, orderbook.dim_asset q where b.code = 'OLD' and q.code = 'USD';
      insert into orderbook.fact_snapshot (market_id, run_id, requested_at, received_at, exchange_sequence,
                                           bid_levels, ask_levels, stored_levels, raw_key)
        select market_id, '01900000-0000-7000-8000-00000000c301', now(), now(), g, 2, 2, 4, 'old-' || g
        from orderbook.dim_market, generate_series(1, 3) g;
      insert into orderbook.fact_level (snapshot_id, side, level_no, price, size, order_count)
        select s.snapshot_id, l.side, l.level_no, l.price, l.size, null
        from orderbook.fact_snapshot s
        cross join (values ('bid', 1, 99.5, 1), ('bid', 2, 99.25, 2), ('ask', 1, 100.5, 1), ('ask', 2, 100.75, 3)) l (side, level_no, price, size);
      -- A project view over fact_level, as the views of the old release were, and an analyst's on it.
      create view orderbook.v_book_levels as select * from orderbook.fact_level;
      create schema analyst;
      create view analyst.my_levels as select * from orderbook.v_book_levels;`.execute(warehouse.db);
    const { rows: before } = await sql<Record<string, unknown>>`
      select * from orderbook.fact_level order by snapshot_id, side, level_no`.execute(warehouse.db);
    expect(before).toHaveLength(12);

    const refused = migrate(warehouse.db, undefined, DEFAULTS);
    await expect(refused).rejects.toBeInstanceOf(MigrationError);
    await expect(refused).rejects.toThrow(/analyst\.my_levels/);
    // Nothing was changed: the analyst's view and the levels are as they were.
    const { rows: still } = await sql<{ n: string }>`select count(*) as n from analyst.my_levels`.execute(
      warehouse.db,
    );
    expect(still[0]?.n).toBe('12');

    await sql`drop view analyst.my_levels`.execute(warehouse.db);
    await migrate(warehouse.db, undefined, DEFAULTS);
    const { rows: after } = await sql<Record<string, unknown>>`
      select * from orderbook.fact_level order by snapshot_id, side, level_no`.execute(warehouse.db);
    expect(after).toEqual(before);
    const { rows: where } = await sql<{ partition: string; ids: string }>`
      select tableoid::regclass::text as partition, string_agg(distinct snapshot_id::text, ',' order by snapshot_id::text) as ids
      from orderbook.fact_level group by 1`.execute(warehouse.db);
    expect(where).toEqual([{ partition: 'orderbook.fact_level_legacy', ids: '1,2,3' }]);

    // New snapshots get day ids and day partitions beside the old ones, and the old levels are
    // dropped by retention only once the newest old snapshot is past it.
    const fresh = await new Loader(warehouse.db, SETTINGS).load({
      book: book('OLD-USD'),
      base: 'OLD',
      quote: 'USD',
      rawKey: 'new-1',
      url: bookUrl('coinbase', 'OLD-USD'),
      runId: '01900000-0000-7000-8000-00000000c302',
      requestedAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
    });
    expect(Number(fresh.snapshotId.slice(0, 8))).toBeGreaterThan(20200101);
    expect(await dropExpiredLevels(warehouse.db, 30)).toEqual([]);
    await sql`update orderbook.fact_snapshot set received_at = now() - interval '31 days'
              where snapshot_id < 100`.execute(warehouse.db);
    expect(await dropExpiredLevels(warehouse.db, 30)).toEqual(['fact_level_legacy']);
    expect(await count(warehouse, 'orderbook.fact_level', fresh.snapshotId)).toBe(4);
  });
});
