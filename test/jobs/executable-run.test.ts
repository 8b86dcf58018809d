/**
 * "Executable or not" end to end: a run against the simulator over HTTP, where Coinbase serves
 * BTC-USD in auction_mode and Binance lists ETHUSDT with status BREAK, ends with both books
 * flagged in the warehouse, left out of v_best_venue and of the splits; a backfill of the raw
 * store into an empty warehouse gives every book the same flag and reason, read from the books
 * and the run's market lists kept under _meta/. Without those lists (a lake copied without
 * _meta/) the backfill still flags the auction book, from the book itself, and counts the books
 * whose market status it could not know; their market's status is then taken as trading.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, type BackfillSummary } from '../../src/jobs/backfill.ts';
import type { RunSummary } from '../../src/jobs/run.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startHarness, type Harness } from '../reliability/harness.ts';

let h: Harness;
let run: RunSummary;
const rebuilt: { db: TestDatabase; warehouse: Warehouse }[] = [];

const markets = defaultSimMarkets(200).map((m) =>
  m.venue === 'coinbase' && m.symbol === 'BTC-USD'
    ? { ...m, auctionMode: true }
    : m.venue === 'binance' && m.symbol === 'ETHUSDT'
      ? { ...m, status: 'BREAK' }
      : m,
);

async function flags(warehouse: Warehouse) {
  const { rows } = await sql<{ raw_key: string; market: string; executable: boolean; reason: string | null }>`
    select raw_key, exchange || ':' || market as market, executable, not_executable_reason as reason
    from orderbook.v_snapshot order by raw_key`.execute(warehouse.db);
  return rows;
}

async function backfillInto(): Promise<{ warehouse: Warehouse; summary: BackfillSummary }> {
  const db = await createTestDatabase();
  const warehouse = await db.open();
  rebuilt.push({ db, warehouse });
  const config = h.config();
  const summary = await backfill({
    config,
    log: capturingLogger().log,
    store: h.store,
    db: warehouse.db,
    loader: new Loader(warehouse.db, config),
  });
  return { warehouse, summary };
}

beforeAll(async () => {
  h = await startHarness(markets);
  run = await h.run();
}, 120_000);

afterAll(async () => {
  for (const r of rebuilt) {
    await r.warehouse.close();
    await r.db.cleanup();
  }
  await h.close();
});

describe('a run with an auction book and a halted market', () => {
  it("loads every book, flagged with the venue's reason", async () => {
    expect(run.exitCode).toBe(0);
    expect((await flags(h.warehouse)).map((r) => [r.market, r.executable, r.reason]).sort()).toEqual([
      ['binance:BTCUSDT', true, null],
      ['binance:ETHUSDT', false, 'status: BREAK'],
      ['coinbase:BTC-USD', false, 'auction_mode'],
      ['coinbase:ETH-USD', true, null],
    ]);
  });

  it('v_best_venue names only executable books, and the excluded one on every row of its base', async () => {
    const { rows } = await sql<{
      base: string;
      winner: string;
      runner: string | null;
      n: number;
      excluded: string;
    }>`
      select base, exchange || ':' || market as winner, runner_up_exchange as runner, books_compared as n,
             excluded
      from orderbook.v_best_venue where run_id = ${run.runId}`.execute(h.warehouse.db);
    // Two sides × NOTIONALS_USD sizes per base, each won by the one executable book of the base.
    expect(rows.length).toBeGreaterThan(0);
    const byBase = Object.groupBy(rows, (r) => r.base);
    expect(new Set(byBase.BTC?.map((r) => JSON.stringify([r.winner, r.runner, r.n, r.excluded])))).toEqual(
      new Set([JSON.stringify(['binance:BTCUSDT', null, 1, 'coinbase:BTC-USD (auction_mode)'])]),
    );
    expect(new Set(byBase.ETH?.map((r) => JSON.stringify([r.winner, r.runner, r.n, r.excluded])))).toEqual(
      new Set([JSON.stringify(['coinbase:ETH-USD', null, 1, 'binance:ETHUSDT (status: BREAK)'])]),
    );
  });

  it('the splits use only the executable book of each base', async () => {
    const { rows } = await sql<{ base: string; market: string; excluded: string }>`
      select distinct base, market, excluded from orderbook.v_optimal_split where run_id = ${run.runId}
      order by base`.execute(h.warehouse.db);
    expect(rows).toEqual([
      { base: 'BTC', market: 'BTCUSDT', excluded: 'coinbase:BTC-USD (auction_mode)' },
      { base: 'ETH', market: 'ETH-USD', excluded: 'binance:ETHUSDT (status: BREAK)' },
    ]);
  });
});

describe('backfill', () => {
  it("reproduces every flag and reason from the raw books and the run's market lists", async () => {
    const { warehouse, summary } = await backfillInto();
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toBe(4);
    expect(summary.marketStatusUnknown).toBe(0);
    expect(await flags(warehouse)).toEqual(await flags(h.warehouse));
    const best = await sql<{ n: number }>`
      select count(*)::int as n from orderbook.v_best_venue where excluded is null`.execute(warehouse.db);
    expect(best.rows).toEqual([{ n: 0 }]);
  });

  it('without the market lists: the auction book is still flagged, the halted market is not known to be', async () => {
    await rm(path.join(h.rawDir, '_meta'), { recursive: true, force: true });
    const { warehouse, summary } = await backfillInto();
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toBe(4);
    expect(summary.marketStatusUnknown).toBe(4);
    expect((await flags(warehouse)).map((r) => [r.market, r.executable, r.reason]).sort()).toEqual([
      ['binance:BTCUSDT', true, null],
      ['binance:ETHUSDT', true, null],
      ['coinbase:BTC-USD', false, 'auction_mode'],
      ['coinbase:ETH-USD', true, null],
    ]);
  });
});
