/**
 * Forecasts stored at derive time (fact_forecast, fact_forecast_error): r² exact for flat and
 * near-flat mids, and a snapshot loaded out of order (backfill) moves the forecasts and scores
 * after it to what loading in order gives.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { deriveTrailing } from '../../src/warehouse/derive.ts';
import { useTestWarehouse } from '../helpers/db.ts';

const WINDOW = 3;
const { warehouse } = useTestWarehouse();
const RUN = '01900000-0000-7000-8000-0000000000f1';
const markets: Record<string, number> = {};

async function market(symbol: string): Promise<void> {
  const base = symbol.split('-')[0] ?? symbol;
  const ids = await sql<{ asset_id: number; code: string }>`
    insert into orderbook.dim_asset (code, is_usd) values (${base}, false), ('USD', true)
    on conflict (code) do update set code = excluded.code
    returning asset_id, code`.execute(warehouse.db);
  const id = (code: string) => ids.rows.find((r) => r.code === code)?.asset_id ?? -1;
  const row = await warehouse.db
    .insertInto('orderbook.dim_market')
    .values({
      exchange_id: 1,
      symbol,
      base_asset_id: id(base),
      quote_asset_id: id('USD'),
      first_seen: '2026-06-01T00:00:00Z',
      last_seen: '2026-06-01T00:00:00Z',
    })
    .returning('market_id')
    .executeTakeFirstOrThrow();
  markets[symbol] = row.market_id;
}

let rawKeys = 0;
/** A snapshot with this mid (spread 1), derived as a load derives it, in one transaction. */
async function snapshot(symbol: string, at: string, mid: string, window = WINDOW): Promise<string> {
  return warehouse.db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('orderbook.fact_snapshot')
      .values({
        market_id: markets[symbol] ?? -1,
        run_id: RUN,
        requested_at: at,
        received_at: at,
        exchange_time: null,
        exchange_sequence: '1',
        bid_levels: 1,
        ask_levels: 1,
        stored_levels: 2,
        raw_key: `forecast-test-${++rawKeys}`,
      })
      .returning('snapshot_id')
      .executeTakeFirstOrThrow();
    await sql`insert into orderbook.fact_top values (
        ${row.snapshot_id}, ${mid}::numeric - 0.5, 1, ${mid}::numeric + 0.5, 1, ${mid}, 1,
        round(10000 / ${mid}::numeric, 18))`.execute(tx);
    await deriveTrailing(tx, [row.snapshot_id], window);
    return row.snapshot_id;
  });
}

async function lines(symbol: string) {
  const { rows } = await sql<{
    r_squared: number | null;
    slope_per_hour: number;
    fitted_mid: number;
    forecast_mid: string;
  }>`
    select r_squared, slope_per_hour, fitted_mid, forecast_mid from orderbook.v_mid_price_forecast
    where market = ${symbol} order by captured_at`.execute(warehouse.db);
  return rows;
}

describe('r² of the forecast', () => {
  it('is exactly 1 for a flat mid, with no slope and the mid itself forecast', async () => {
    // Twelve hourly snapshots (the default window): float8 regr_r2 gives 0.85 for this series.
    await market('FLAT-USD');
    for (let hour = 0; hour < 12; hour++)
      await snapshot('FLAT-USD', `2026-06-01T${String(hour).padStart(2, '0')}:00:00Z`, '97123.45', 12);
    const rows = await lines('FLAT-USD');
    expect(rows).toHaveLength(11);
    for (const row of rows) {
      expect(row.r_squared).toBe(1);
      expect(row.slope_per_hour).toBe(0);
      expect(row.fitted_mid).toBe(97123.45);
      expect(row.forecast_mid).toBe('97123.45');
    }
  });

  it('is exact for a near-flat mid: the shape of the series, whatever its scale', async () => {
    // Steps of 1e-12 on 100 every 10 minutes. On a line: r² = 1 (float8 regr_r2: 0.99998), slope
    // 6e-12 an hour. Up then
    // half back (0, 2, 1 steps) is the series 100, 102, 101 scaled: r² = 600² / (720000 × 2) = 0.25.
    await market('LINE-USD');
    await market('BENT-USD');
    for (const [i, at] of ['09:00', '09:10', '09:20'].entries()) {
      await snapshot('LINE-USD', `2026-06-02T${at}:00Z`, `100.00000000000${i}`);
      await snapshot('BENT-USD', `2026-06-02T${at}:00Z`, `100.00000000000${[0, 2, 1][i] ?? 0}`);
    }
    const line = await lines('LINE-USD');
    const bent = await lines('BENT-USD');
    expect(line.map((r) => r.r_squared)).toEqual([1, 1]);
    expect(Math.abs((line[1]?.slope_per_hour ?? 0) / 6e-12 - 1)).toBeLessThan(1e-9);
    expect(bent[1]?.r_squared).toBeCloseTo(0.25, 12);
    // Two points (the first line of each) always fit exactly.
    expect(bent[0]?.r_squared).toBe(1);
  });
});

describe('a snapshot loaded out of order', () => {
  const times = ['08:00', '08:10', '08:25', '08:30', '08:50', '09:00', '09:20'];
  const mids = ['100', '101.5', '100.75', '102', '103.25', '102.5', '104'];

  /** Every stored forecast and score of a market, by position, without ids. */
  async function stored(symbol: string) {
    const { rows } = await sql<Record<string, unknown>>`
      select row_number() over (order by f.captured_at) as n, f.window_snapshots, f.window_start,
             f.slope_per_hour, f.fitted_mid, f.r_squared, f.median_interval::text, f.forecast_at,
             f.forecast_mid::text, e.actual_at, e.actual_mid::text, e.error::text, e.error_bps::text,
             e.mean_abs_error_1h::text, e.forecasts_1h, e.mean_abs_error_24h::text, e.forecasts_7d
      from orderbook.v_mid_price_forecast f
      left join orderbook.v_forecast_error e on e.snapshot_id = f.snapshot_id
      where f.market = ${symbol} order by f.captured_at`.execute(warehouse.db);
    return rows;
  }

  it('moves the forecasts and scores after it to what loading in order gives', async () => {
    await market('INORDER-USD');
    await market('LATE-USD');
    for (const [i, at] of times.entries())
      await snapshot('INORDER-USD', `2026-06-03T${at}:00Z`, mids[i] ?? '');
    // The third snapshot arrives last, as a backfill of a missed hour would load it.
    for (const [i, at] of times.entries())
      if (i !== 2) await snapshot('LATE-USD', `2026-06-03T${at}:00Z`, mids[i] ?? '');
    const withoutIt = await stored('LATE-USD');
    await snapshot('LATE-USD', `2026-06-03T${times[2] ?? ''}:00Z`, mids[2] ?? '');
    const inOrder = await stored('INORDER-USD');
    expect(inOrder).toHaveLength(times.length - 1);
    expect(await stored('LATE-USD')).toEqual(inOrder);
    // It did change what was there: the forecasts whose windows now hold it, and the score of
    // the snapshot before it (now scored against it).
    expect(withoutIt).not.toEqual(inOrder.filter((_, i) => i !== 1));
  });
});
