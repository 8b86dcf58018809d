/**
 * Migration 0019 on a warehouse an older release filled: books stored without a request URL get
 * the depth limits their clients always asked (Binance at BINANCE_DEPTH_LIMIT's default), the
 * reach of every book whose levels are still kept is derived, and a book past retention keeps
 * its rows in the views with a null reach until a derive-only backfill reads it from raw.
 */
import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import { sqlFile } from '../../src/warehouse/sqlfiles.ts';
import { migrateBefore, useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';

const { warehouse } = useTestWarehouse({ migrate: false });
const RUN = '01900000-0000-7000-8000-000000001619';
const AT = '2026-11-30T12:00:00Z';

let keys = 0;
async function snapshot(exchange: string, symbol: string, bids: number, asks: number): Promise<string> {
  const { rows } = await sql<{ snapshot_id: string }>`
    with m as (
      insert into orderbook.dim_market (exchange_id, symbol, base_asset_id, quote_asset_id, first_seen, last_seen)
      select e.exchange_id, ${symbol}, b.asset_id, q.asset_id, ${AT}, ${AT}
      from orderbook.dim_exchange e, orderbook.dim_asset b, orderbook.dim_asset q
      where e.code = ${exchange} and b.code = 'UPG' and q.code = 'USD'
      returning market_id
    )
    insert into orderbook.fact_snapshot (market_id, run_id, requested_at, received_at, exchange_time,
      exchange_sequence, bid_levels, ask_levels, stored_levels, raw_key)
    select m.market_id, ${RUN}, ${AT}, ${AT}, null, 1, ${bids}, ${asks}, ${bids + asks}, ${`upgrade-${String(++keys)}`}
    from m
    returning snapshot_id::text`.execute(warehouse.db);
  return rows[0]?.snapshot_id ?? '';
}

/** `count` bids from 100 down by 0.01, and asks 101, 102, …: what the older release stored. */
async function levels(snapshotId: string, bids: number, asks: number): Promise<void> {
  await sql`
    insert into orderbook.fact_level (snapshot_id, side, level_no, price, size, order_count)
    select ${snapshotId}::bigint, 'bid', i, 100 - (i - 1) * 0.01, 1, null::integer from generate_series(1, ${bids}::integer) i
    union all
    select ${snapshotId}::bigint, 'ask', i, 100 + i, 1, null::integer from generate_series(1, ${asks}::integer) i`.execute(
    warehouse.db,
  );
}

describe('migration 0019 on stored books', () => {
  it('fills depth_limit by venue, derives reach from the levels kept, keeps the rest in the views', async () => {
    await migrateBefore(warehouse.db, '0019');
    await sql`insert into orderbook.dim_asset (code, is_usd) values ('UPG', false), ('USD', true)`.execute(
      warehouse.db,
    );
    await sql`insert into orderbook.dim_exchange (exchange_id, code, name) values (3, 'kraken', 'Kraken')`.execute(
      warehouse.db,
    );
    await sql`select orderbook.ensure_level_partition(${AT}::date)`.execute(warehouse.db);
    const binance = await snapshot('binance', 'UPGUSD', 2, 1);
    const kraken = await snapshot('kraken', 'UPGUSD', 500, 1);
    const coinbase = await snapshot('coinbase', 'UPG-USD', 2, 1);
    // Its levels already dropped by retention: a top and a fill, no levels.
    const expired = await snapshot('coinbase', 'OLD-USD', 2, 1);
    await levels(binance, 2, 1);
    await levels(kraken, 500, 1);
    await levels(coinbase, 2, 1);
    await warehouse.db.executeQuery(
      CompiledQuery.raw(sqlFile('sql/derive/top.sql'), [[binance, kraken, coinbase]]),
    );
    await sql`insert into orderbook.fact_top values (${expired}, 100, 1, 101, 1, 100.5, 1, 99.5)`.execute(
      warehouse.db,
    );
    await sql`insert into orderbook.fact_fill values
      (${expired}, 'buy', 1000, 1, 101, 101, 1, 49.75, 60, 0.606, 101.606, false)`.execute(warehouse.db);

    await migrate(warehouse.db, undefined, loadConfig({}));

    const { rows: limits } = await sql<{ snapshot_id: string; depth_limit: number | null }>`
      select snapshot_id::text, depth_limit from orderbook.fact_snapshot order by snapshot_id`.execute(
      warehouse.db,
    );
    expect(Object.fromEntries(limits.map((r) => [r.snapshot_id, r.depth_limit]))).toEqual({
      [binance]: 5000,
      [kraken]: 500,
      [coinbase]: null,
      [expired]: null,
    });

    const { rows } = await sql<{ snapshot_id: string; side: string; reach_bps: string; cut: string | null }>`
      select snapshot_id::text, side, reach_bps::text, cut from orderbook.v_reach order by snapshot_id, side`.execute(
      warehouse.db,
    );
    // mid 100.5 everywhere. Bids reach 99.99 (two levels: 0.51 / 100.5 × 10000) or 95.01 (Kraken's
    // 500th, its limit: 5.49 / 100.5 × 10000); asks 101 (0.5 / 100.5 × 10000).
    expect(rows.map((r) => [r.snapshot_id, r.side, canonical(r.reach_bps), r.cut])).toEqual([
      [binance, 'ask', '49.751243781094527363', null],
      [binance, 'bid', '50.74626865671641791', null],
      [kraken, 'ask', '49.751243781094527363', null],
      [kraken, 'bid', '546.268656716417910448', 'venue_depth_limit'],
      [coinbase, 'ask', '49.751243781094527363', null],
      [coinbase, 'bid', '50.74626865671641791', null],
    ]);

    const { rows: fills } = await sql<{
      fully_filled: boolean;
      reach_bps: string | null;
      ran_out: string | null;
    }>`
      select fully_filled, reach_bps, ran_out from orderbook.v_execution_cost where snapshot_id = ${expired}`.execute(
      warehouse.db,
    );
    expect(fills).toEqual([{ fully_filled: false, reach_bps: null, ran_out: null }]);
  });
});
