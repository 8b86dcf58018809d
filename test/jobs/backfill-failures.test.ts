import { rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, type BackfillOptions } from '../../src/jobs/backfill.ts';
import { RawStoreError, snapshotKey, type RawStore } from '../../src/raw/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { capturingLogger } from '../helpers/log.ts';
import { contents, makeLake, rowCounts, type Lake } from './backfill-lake.ts';

let lake: Lake;

beforeAll(async () => {
  lake = await makeLake(31);
});
afterAll(async () => {
  await lake.close();
});

async function run(warehouse: Warehouse, options: BackfillOptions = {}, store: RawStore = lake.store) {
  const { log, lines } = capturingLogger();
  const summary = await backfill(
    { config: lake.config, log, store, db: warehouse.db, loader: new Loader(warehouse.db, lake.config) },
    options,
  );
  return { summary, lines };
}

const keyOf = (run: number, symbol: string) =>
  lake.runs[run]?.outcomes.find((o) => o.market.symbol === symbol)?.rawKey ?? `missing ${symbol}`;

describe('backfill when things go wrong', () => {
  it('records an object the database refuses as failed, loads the others, and a rerun finishes it', async () => {
    const { warehouse } = await lake.database();
    const victim = keyOf(0, 'BTCUSDT');
    // A real database error for one object: the warehouse refuses its fact_snapshot row.
    await sql
      .raw(
        `create function orderbook.refuse_one() returns trigger language plpgsql as $$
         begin
           if new.raw_key = '${victim}' then raise exception 'refused by the test trigger'; end if;
           return new;
         end $$;
         create trigger refuse_one before insert on orderbook.fact_snapshot
           for each row execute function orderbook.refuse_one();`,
      )
      .execute(warehouse.db);

    const { summary, lines } = await run(warehouse);
    expect(summary).toMatchObject({ listed: 12, loaded: 9, alreadyPresent: 0, derived: 9 });
    expect(summary.invalid.map((i) => i.key).sort()).toEqual(lake.invalidKeys);
    expect(summary.failed.map((f) => f.key)).toEqual([victim]);
    expect(summary.failed[0]?.reason).toMatch(/^load: .*refused by the test trigger/);
    // Logged when it happened, at error level, and in the summary (warn: exit code 2 territory).
    expect(lines().find((l) => l.msg === 'raw object not loaded')).toMatchObject({
      level: 50,
      rawKey: victim,
    });
    expect(lines().find((l) => l.msg === 'backfill finished')).toMatchObject({
      level: 40,
      failed: 1,
      failedKeys: [victim],
      loaded: 9,
      invalid: 2,
    });
    expect(await rowCounts(warehouse)).toMatchObject({ snapshots: 9, top: 9 });

    await sql
      .raw(`drop trigger refuse_one on orderbook.fact_snapshot; drop function orderbook.refuse_one();`)
      .execute(warehouse.db);
    const rerun = await run(warehouse);
    expect(rerun.summary).toMatchObject({
      listed: 12,
      loaded: 1,
      alreadyPresent: 9,
      failed: [],
      derived: 10,
    });
    expect(await contents(warehouse)).toEqual(await contents(lake.original));
  });

  it('when the listing breaks off, loads and derives what it listed and says where it stopped', async () => {
    const { warehouse } = await lake.database();
    // The store answers for Binance, then its listing of Coinbase fails (as S3 does after its
    // retries), for books and trades alike: binance= sorts first, so six objects of each are
    // listed before the failure.
    const flaky: RawStore = {
      location: lake.store.location,
      put: (key, data) => lake.store.put(key, data),
      get: (key) => lake.store.get(key),
      listChildren: (prefix) =>
        prefix === 'exchange=coinbase/' || prefix === '_trades/exchange=coinbase/'
          ? Promise.reject(
              new RawStoreError('list', prefix, lake.store.location, new Error('connection reset')),
            )
          : lake.store.listChildren(prefix),
      probe: () => lake.store.probe(),
      close: () => lake.store.close(),
    };
    const { summary } = await run(warehouse, {}, flaky);
    expect(summary).toMatchObject({ listed: 6, loaded: 5, alreadyPresent: 0, derived: 5 });
    expect(summary.invalid.map((i) => i.key)).toEqual([keyOf(1, 'ETHUSDT')]);
    expect(summary.trades).toEqual({ listed: 6, loaded: 6, alreadyPresent: 0 });
    expect(summary.failed.map((f) => f.key)).toEqual(['exchange=coinbase/', '_trades/exchange=coinbase/']);
    expect(summary.failed[0]?.reason).toMatch(/^listing stopped: .*connection reset/);
    const markets = (await contents(warehouse)).markets.map((m) => (JSON.parse(m) as string[])[1]);
    expect(markets).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(await rowCounts(warehouse)).toMatchObject({ snapshots: 5, top: 5, fills: 20 });
  });

  it('an object that cannot be read is failed with its key; the others load', async () => {
    const { warehouse } = await lake.database();
    const key = snapshotKey({
      exchange: 'coinbase',
      market: 'BTC-USD',
      at: lake.runs[0]?.startedAt ?? new Date(),
      runId: 'not-a-run',
    });
    await lake.store.put(key, Buffer.from('this is not gzip'));
    try {
      const { summary } = await run(warehouse, { exchange: 'coinbase', market: 'BTC-USD' });
      expect(summary).toMatchObject({ listed: 4, loaded: 3, invalid: [], derived: 3 });
      expect(summary.failed.map((f) => f.key)).toEqual([key]);
      expect(summary.failed[0]?.reason).toMatch(/^read: incorrect header check/);
    } finally {
      await rm(path.join(lake.rawDir, key));
    }
  });
});
