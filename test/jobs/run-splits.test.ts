/**
 * A run derives each base's optimal split once, after all its books are in: the stored split
 * compares every venue's book of that base the run loaded, and equals what deriving it again
 * from scratch gives. All bases go in one statement (key order, so the index fills); when that
 * fails, each base is tried alone, and only the base that cannot be split goes without.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { deriveSplits } from '../../src/warehouse/derive.ts';
import { startHarness, type Harness } from '../reliability/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness(defaultSimMarkets(200));
});
afterAll(async () => {
  await h.close();
});

async function splitRows(runId: string) {
  const { rows } = await sql<{
    base: string;
    side: string;
    notional_usd: string;
    snapshot_id: string;
    base_exact: string;
    row: string;
  }>`
    select a.code as base, f.side, f.notional_usd::text, f.snapshot_id::text, f.base_exact::text,
           to_jsonb(f)::text as row
    from orderbook.fact_split f join orderbook.dim_asset a on a.asset_id = f.base_asset_id
    where f.run_id = ${runId}
    order by 1, 2, 3, 4`.execute(h.warehouse.db);
  return rows;
}

describe('a run and the optimal split', () => {
  it('compares every book of a base the run loaded, as a fresh derive would', async () => {
    const summary = await h.run();
    expect(summary.marketsOk).toBe(4);
    const rows = await splitRows(summary.runId);
    const { rows: books } = await sql<{ base: string; snapshot_id: string }>`
      select base, snapshot_id::text from orderbook.v_snapshot where run_id = ${summary.runId} order by 1, 2`.execute(
      h.warehouse.db,
    );
    // BTC and ETH each on Coinbase (USD) and Binance (USDT): both books in every split.
    for (const base of ['BTC', 'ETH']) {
      const inSplit = new Set(rows.filter((r) => r.base === base).map((r) => r.snapshot_id));
      expect([...inSplit].sort()).toEqual(books.filter((b) => b.base === base).map((b) => b.snapshot_id));
    }
    // The run derived both bases in one statement; each alone gives the same rows.
    await deriveSplits(h.warehouse.db, [{ runId: summary.runId, base: 'BTC' }]);
    await deriveSplits(h.warehouse.db, [{ runId: summary.runId, base: 'ETH' }]);
    expect(await splitRows(summary.runId)).toEqual(rows);
  });

  it('derives the other bases when one cannot be split, and records that one', async () => {
    // A split row of BTC fails to insert: the statement of all bases fails with it.
    await sql`create function test_fail_btc_split() returns trigger language plpgsql as $$
      begin raise exception 'no BTC split today'; end $$`.execute(h.warehouse.db);
    const { rows } = await sql<{ id: number }>`
      select asset_id as id from orderbook.dim_asset where code = 'BTC'`.execute(h.warehouse.db);
    const btc = Number(rows[0]?.id);
    expect(Number.isInteger(btc)).toBe(true);
    await sql
      .raw(
        `create trigger fail_btc_split before insert on orderbook.fact_split for each row
         when (new.base_asset_id = ${btc}) execute function test_fail_btc_split()`,
      )
      .execute(h.warehouse.db);
    try {
      const summary = await h.run();
      expect(summary.marketsOk).toBe(4);
      const bases = new Set((await splitRows(summary.runId)).map((r) => r.base));
      expect([...bases]).toEqual(['ETH']);
      const { rows: errors } = await sql<{ market: string; stage: string; kind: string; message: string }>`
        select market, stage, kind, message from orderbook.etl_error where run_id = ${summary.runId}`.execute(
        h.warehouse.db,
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ market: 'BTC', stage: 'derive', kind: 'split' });
      expect(errors[0]?.message).toContain('no BTC split today');
    } finally {
      await sql`drop trigger fail_btc_split on orderbook.fact_split`.execute(h.warehouse.db);
      await sql`drop function test_fail_btc_split()`.execute(h.warehouse.db);
    }
  });
});
