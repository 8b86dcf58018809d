/**
 * Same moment (issue 16): a run snapshots its markets one after another, so the books that
 * v_best_venue and v_optimal_split compare were captured at different instants. Both views
 * show capture_span, the largest minus the smallest captured_at of the books compared, worked
 * out here by hand from rows inserted directly.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

const RUN = '01900000-0000-7000-8000-0000000005a1';
const ALONE = '01900000-0000-7000-8000-0000000005a2';
const markets: Record<string, number> = {};
let btc = 0;
let keys = 0;

async function asset(code: string, isUsd: boolean): Promise<number> {
  const row = await warehouse.db
    .insertInto('orderbook.dim_asset')
    .values({ code, is_usd: isUsd })
    .returning('asset_id')
    .executeTakeFirstOrThrow();
  return row.asset_id;
}

async function exchangeId(code: string): Promise<number> {
  const row = await warehouse.db
    .selectFrom('orderbook.dim_exchange')
    .select('exchange_id')
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return row.exchange_id;
}

async function snapshot(symbol: string, runId: string, at: string): Promise<string> {
  const row = await warehouse.db
    .insertInto('orderbook.fact_snapshot')
    .values({
      market_id: markets[symbol] ?? -1,
      run_id: runId,
      requested_at: at,
      received_at: at,
      exchange_time: null,
      exchange_sequence: '1',
      bid_levels: 1,
      ask_levels: 1,
      stored_levels: 2,
      raw_key: `same-moment-${++keys}`,
    })
    .returning('snapshot_id')
    .executeTakeFirstOrThrow();
  await sql`insert into orderbook.fact_top values (${row.snapshot_id}, 99, 1, 101, 1, 100, 2, 200)`.execute(
    warehouse.db,
  );
  return row.snapshot_id;
}

async function fill(snapshotId: string, allIn: string, fully = true): Promise<void> {
  await warehouse.db
    .insertInto('orderbook.fact_fill')
    .values({
      snapshot_id: snapshotId,
      side: 'buy',
      notional_usd: '50000',
      filled_base: '500',
      avg_price: allIn,
      worst_price: allIn,
      levels_used: 1,
      slippage_bps: '0',
      fee_bps: '0',
      fee_usd: '0',
      all_in_price: allIn,
      fully_filled: fully,
    })
    .execute();
}

async function split(runId: string, snapshotId: string, at: string, usd: string): Promise<void> {
  await sql`insert into orderbook.fact_split (run_id, base_asset_id, side, notional_usd, snapshot_id, captured_at,
      fee_bps, usd_amount, base_exact, levels_used, worst_price, single_snapshot_id, single_exact)
    values (${runId}, ${btc}, 'buy', 50000, ${snapshotId}, ${at}, 0, ${usd}, ${usd}::numeric / 100, 1, 101, null, null)`.execute(
    warehouse.db,
  );
}

const snapshots: Record<string, string> = {};

beforeAll(async () => {
  btc = await asset('BTC', false);
  const usd = await asset('USD', true);
  const usdt = await asset('USDT', true);
  for (const [code, symbol, quote] of [
    ['coinbase', 'BTC-USD', usd],
    ['binance', 'BTCUSDT', usdt],
    ['coinbase', 'BTC-USDT', usdt],
  ] as const) {
    const row = await warehouse.db
      .insertInto('orderbook.dim_market')
      .values({
        exchange_id: await exchangeId(code),
        symbol,
        base_asset_id: btc,
        quote_asset_id: quote,
        first_seen: '2026-01-01T00:00:00Z',
        last_seen: '2026-01-01T00:00:00Z',
      })
      .returning('market_id')
      .executeTakeFirstOrThrow();
    markets[symbol] = row.market_id;
  }
  // Coinbase first, Binance 7.25 s later, and a third book 40 s after that which cannot fill
  // (so it does not compete in v_best_venue) but does take part in the split.
  const times = {
    'BTC-USD': '2026-03-01T10:00:00.000Z',
    BTCUSDT: '2026-03-01T10:00:07.250Z',
    'BTC-USDT': '2026-03-01T10:00:47.250Z',
  };
  for (const [symbol, at] of Object.entries(times)) snapshots[symbol] = await snapshot(symbol, RUN, at);
  await fill(snapshots['BTC-USD'] ?? '', '100.6');
  await fill(snapshots.BTCUSDT ?? '', '100.2');
  await fill(snapshots['BTC-USDT'] ?? '', '100.1', false);
  // fact_split.captured_at is the newest book's, on every row of the order (split.sql): the span
  // must come from the books' own snapshots.
  const newest = times['BTC-USDT'];
  await split(RUN, snapshots['BTC-USD'] ?? '', newest, '10000');
  await split(RUN, snapshots.BTCUSDT ?? '', newest, '30000');
  await split(RUN, snapshots['BTC-USDT'] ?? '', newest, '10000');
  const alone = await snapshot('BTC-USD', ALONE, '2026-03-01T11:00:00Z');
  await fill(alone, '100.5');
  await split(ALONE, alone, '2026-03-01T11:00:00Z', '50000');
});

describe('capture_span', () => {
  it('v_best_venue: the books that competed were captured 7.25 s apart', async () => {
    const { rows } = await sql<{ exchange: string; books_compared: number; capture_span: string }>`
      select exchange, books_compared, capture_span::text as capture_span
      from orderbook.v_best_venue where run_id = ${RUN}`.execute(warehouse.db);
    // The 40 s later book could not fill $50k, so it is not among the books compared.
    expect(rows).toEqual([{ exchange: 'binance', books_compared: 2, capture_span: '00:00:07.25' }]);
  });

  it('v_optimal_split: every book the split merges, 47.25 s from first to last, on each row', async () => {
    const { rows } = await sql<{ market: string; capture_span: string }>`
      select market, capture_span::text as capture_span
      from orderbook.v_optimal_split where run_id = ${RUN} order by market`.execute(warehouse.db);
    expect(rows).toEqual([
      { market: 'BTC-USD', capture_span: '00:00:47.25' },
      { market: 'BTC-USDT', capture_span: '00:00:47.25' },
      { market: 'BTCUSDT', capture_span: '00:00:47.25' },
    ]);
  });

  it('is zero with one book', async () => {
    const best = await sql<{ books_compared: number; capture_span: string }>`
      select books_compared, capture_span::text as capture_span from orderbook.v_best_venue where run_id = ${ALONE}`.execute(
      warehouse.db,
    );
    expect(best.rows).toEqual([{ books_compared: 1, capture_span: '00:00:00' }]);
    const split = await sql<{ capture_span: string }>`
      select capture_span::text as capture_span from orderbook.v_optimal_split where run_id = ${ALONE}`.execute(
      warehouse.db,
    );
    expect(split.rows).toEqual([{ capture_span: '00:00:00' }]);
  });
});
