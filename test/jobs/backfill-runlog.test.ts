/**
 * A backfill is a run: it records itself in etl_run (kind 'backfill') and its failures in
 * etl_error, and the failures the runs met that left a raw object (an error response, a broken
 * book) are found again, so that v_run and v_etl_health tell the truth after a rebuild into an
 * empty database — and a second backfill adds nothing twice.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../src/jobs/backfill.ts';
import { RawStoreError, type RawStore } from '../../src/raw/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { capturingLogger } from '../helpers/log.ts';
import { makeLake, type Lake } from './backfill-lake.ts';

let lake: Lake;

beforeAll(async () => {
  lake = await makeLake(41);
});
afterAll(async () => {
  await lake.close();
});

function rebuild(warehouse: Warehouse, store: RawStore = lake.store) {
  return backfill({
    config: lake.config,
    log: capturingLogger().log,
    store,
    db: warehouse.db,
    loader: new Loader(warehouse.db, lake.config),
  });
}

async function runs(warehouse: Warehouse) {
  const { rows } = await sql<Record<string, unknown>>`
    select kind, status, finished_at is not null as finished, duration is not null as timed,
           markets_ok, markets_failed, errors::int as errors
    from orderbook.v_run order by started_at`.execute(warehouse.db);
  return rows;
}

async function health(warehouse: Warehouse) {
  const { rows } = await sql<Record<string, unknown>>`
    -- last_error_at is left out: a run records when it gave up, a backfill when the response arrived.
    select day, exchange, market, runs::int, loaded::int, failed::int, last_error_stage
    from orderbook.v_etl_health order by day, exchange, market`.execute(warehouse.db);
  return rows;
}

describe('a backfill into an empty database', () => {
  it('is one run in v_run, and v_etl_health says what the runs met; a second backfill adds nothing twice', async () => {
    const { warehouse } = await lake.database();
    const summary = await rebuild(warehouse);
    expect(summary.failed).toEqual([]);
    expect(summary.invalid.map((i) => i.key).sort()).toEqual(lake.invalidKeys);
    expect(await runs(warehouse)).toEqual([
      {
        kind: 'backfill',
        status: 'ok',
        finished: true,
        timed: true,
        markets_ok: 4,
        markets_failed: 0,
        errors: 0,
      },
    ]);
    // The same health the runs' own warehouse shows: every market, its loads and its failures
    // (the crossed book at parse, the 503 at fetch), under the runs that met them.
    const original = await health(lake.original);
    expect(original.some((r) => r.failed === 1)).toBe(true);
    expect(await health(warehouse)).toEqual(original);

    const errors = async () =>
      Number(
        (await sql<{ n: string }>`select count(*) as n from orderbook.etl_error`.execute(warehouse.db))
          .rows[0]?.n,
      );
    const before = await errors();
    expect(before).toBe(2);
    await rebuild(warehouse);
    expect(await errors()).toBe(before);
    expect((await runs(warehouse)).map((r) => [r.kind, r.status])).toEqual([
      ['backfill', 'ok'],
      ['backfill', 'ok'],
    ]);
  });

  it('over the runs’ own warehouse, records none of the failures the runs already recorded', async () => {
    const count = () =>
      sql<{ n: string }>`select count(*) as n from orderbook.etl_error`.execute(lake.original.db);
    const before = (await count()).rows[0]?.n;
    await rebuild(lake.original);
    expect((await count()).rows[0]?.n).toBe(before);
  });

  it('records its own failures in etl_error under its run, and ends partial', async () => {
    const { warehouse } = await lake.database();
    const broken = lake.invalidKeys[0] ?? '';
    const victim =
      (lake.runs[0]?.outcomes.find((o) => o.market.symbol === 'BTC-USD')?.rawKey ?? '') || broken;
    const flaky: RawStore = {
      location: lake.store.location,
      put: (key, data) => lake.store.put(key, data),
      get: (key) =>
        key === victim
          ? Promise.reject(new RawStoreError('get', key, lake.store.location, new Error('connection reset')))
          : lake.store.get(key),
      listChildren: (prefix) => lake.store.listChildren(prefix),
      probe: () => lake.store.probe(),
      close: () => lake.store.close(),
    };
    const summary = await rebuild(warehouse, flaky);
    expect(summary.failed.map((f) => f.key)).toEqual([victim]);
    expect(await runs(warehouse)).toEqual([
      {
        kind: 'backfill',
        status: 'partial',
        finished: true,
        timed: true,
        markets_ok: 3,
        markets_failed: 1,
        errors: 1,
      },
    ]);
    const { rows } = await sql<Record<string, unknown>>`
      select e.exchange, e.market, e.stage, e.raw_key, r.kind
      from orderbook.etl_error e join orderbook.etl_run r using (run_id)
      where r.kind = 'backfill'`.execute(warehouse.db);
    expect(rows).toEqual([
      { exchange: 'coinbase', market: 'BTC-USD', stage: 'store', raw_key: victim, kind: 'backfill' },
    ]);
  });
});
