/**
 * The analytics views on snapshots and trades written by hand with round numbers, so that every
 * expected value is worked out on paper in the comments. Views are migrated with
 * FORECAST_WINDOW = 3 so the trailing windows stay small enough to follow.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/trades/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { deriveTrailing } from '../../src/warehouse/derive.ts';
import { migrate as migrateWarehouse, type ViewSettings } from '../../src/warehouse/migrate.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { loadConfig } from '../../src/config.ts';
import { SMALL_LOAD_SETTINGS } from '../helpers/load-settings.ts';

/** DESIGN §3's defaults, from config.ts, the one place they are defined. */
const DEFAULTS = loadConfig({});

const { warehouse } = useTestWarehouse();
const markets: Record<string, number> = {};
const RUN = '01900000-0000-7000-8000-0000000000a1';

async function market(exchangeId: number, symbol: string, base: string, quote: string): Promise<void> {
  const ids = await sql<{ asset_id: number; code: string }>`
    insert into orderbook.dim_asset (code, is_usd) values (${base}, false), (${quote}, true)
    on conflict (code) do update set code = excluded.code
    returning asset_id, code`.execute(warehouse.db);
  const id = (code: string) => ids.rows.find((r) => r.code === code)?.asset_id ?? -1;
  const row = await warehouse.db
    .insertInto('orderbook.dim_market')
    .values({
      exchange_id: exchangeId,
      symbol,
      base_asset_id: id(base),
      quote_asset_id: id(quote),
      first_seen: '2026-03-01T00:00:00Z',
      last_seen: '2026-03-01T00:00:00Z',
    })
    .returning('market_id')
    .executeTakeFirstOrThrow();
  markets[symbol] = row.market_id;
}

/** FORECAST_WINDOW of the last migrate: the forecasts of the snapshots below are derived with it. */
let forecastWindow = DEFAULTS.forecastWindow;

/**
 * Migrate with these settings, then derive every snapshot's forecast again with their
 * FORECAST_WINDOW: what `npm run backfill -- --derive-only` does after a settings change.
 */
async function migrate(db: Warehouse['db'], log: undefined, settings: ViewSettings): Promise<void> {
  await migrateWarehouse(db, log, settings);
  forecastWindow = settings.forecastWindow;
  const { rows: all } = await sql<{ snapshot_id: string }>`
    select snapshot_id from orderbook.fact_snapshot`.execute(db);
  await deriveTrailing(
    db,
    all.map((r) => r.snapshot_id),
    forecastWindow,
  );
}

let rawKeys = 0;
/** A snapshot whose top of book has this mid and spread: bid = mid − spread/2, ask = mid + spread/2. */
async function snapshot(symbol: string, at: string, mid: string, spread: string): Promise<string> {
  const row = await warehouse.db
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
      raw_key: `analytics-test-${++rawKeys}`,
    })
    .returning('snapshot_id')
    .executeTakeFirstOrThrow();
  await sql`insert into orderbook.fact_top values (
      ${row.snapshot_id}, ${mid}::numeric - ${spread}::numeric / 2, 1, ${mid}::numeric + ${spread}::numeric / 2, 1,
      ${mid}, ${spread}, round(${spread}::numeric(1000, 40) * 10000 / ${mid}::numeric, 18))`.execute(
    warehouse.db,
  );
  // As a load derives it: this snapshot's forecast, and those its arrival moves.
  await deriveTrailing(warehouse.db, [row.snapshot_id], forecastWindow);
  return row.snapshot_id;
}

/** Rows of a view as arrays of strings (numerics without trailing zeros, times in ISO). */
async function rows(query: ReturnType<typeof sql>): Promise<(string | null)[][]> {
  // A session in New York must still see UTC buckets and windows.
  return warehouse.db.transaction().execute(async (tx) => {
    await sql`set local time zone 'America/New_York'`.execute(tx);
    const result = await query.execute(tx);
    return (result.rows as Record<string, unknown>[]).map((r) =>
      Object.values(r).map((v) =>
        v === null ? null : v instanceof Date ? v.toISOString() : canonical(String(v as string | number)),
      ),
    );
  });
}

beforeAll(async () => {
  await migrate(warehouse.db, undefined, { ...DEFAULTS, forecastWindow: 3 });
  await market(1, 'AAA-USD', 'AAA', 'USD');
  await market(1, 'FFF-USD', 'FFF', 'USD');
  await market(2, 'VVVUSDT', 'VVV', 'USDT');
  await market(2, 'WWWUSDT', 'WWW', 'USDT');
});

describe('v_spread_rolling and v_max_spread', () => {
  // AAA-USD, mid 100 throughout, so spread_bps = spread × 100:
  //   s1 10:00 spread 1 · s2 10:20 spread 3 · s3 10:40 spread 2 · s4 11:00 spread 4 · s5 12:30 spread 1
  // and s6 12:45 spread 1 at mid 50 (200 bps), which ties s5 on spread in the 12:00 hour.
  beforeAll(async () => {
    await snapshot('AAA-USD', '2026-03-02T10:00:00Z', '100', '1');
    await snapshot('AAA-USD', '2026-03-02T10:20:00Z', '100', '3');
    await snapshot('AAA-USD', '2026-03-02T10:40:00Z', '100', '2');
    await snapshot('AAA-USD', '2026-03-02T11:00:00Z', '100', '4');
    await snapshot('AAA-USD', '2026-03-02T12:30:00Z', '100', '1');
    await snapshot('AAA-USD', '2026-03-02T12:45:00Z', '50', '1');
    // Another market at the same times must not leak into AAA's windows.
    await snapshot('FFF-USD', '2026-03-02T10:30:00Z', '100', '50');
  });

  it('averages the spread over the last FORECAST_WINDOW (3) snapshots and says where it stands', async () => {
    // s1 [1] → 1, at · s2 [1,3] → 2, above · s3 [1,3,2] → 2, at · s4 [3,2,4] → 3, above
    // s5 [2,4,1] → 7/3 = 2.333…, bps 700/3 = 233.333…, below
    expect(
      await rows(sql`
        select captured_at, spread, spread_bps, snapshots_window, avg_spread_window, avg_spread_bps_window,
               spread_vs_window
        from orderbook.v_spread_rolling
        where market = 'AAA-USD' and captured_at <= '2026-03-02T12:30:00Z' order by captured_at`),
    ).toEqual([
      ['2026-03-02T10:00:00.000Z', '1', '100', '1', '1', '100', 'at'],
      ['2026-03-02T10:20:00.000Z', '3', '300', '2', '2', '200', 'above'],
      ['2026-03-02T10:40:00.000Z', '2', '200', '3', '2', '200', 'at'],
      ['2026-03-02T11:00:00.000Z', '4', '400', '3', '3', '300', 'above'],
      [
        '2026-03-02T12:30:00.000Z',
        '1',
        '100',
        '3',
        '2.333333333333333333',
        '233.333333333333333333',
        'below',
      ],
    ]);
  });

  it('averages over the trailing 1 h (its start included) and 24 h', async () => {
    // 1 h: s4 at 11:00 reaches back to 10:00 inclusive: [1,3,2,4] → 2.5; s5 at 12:30 to 11:30: [1] → 1.
    // 24 h: s4 [1,3,2,4] → 2.5; s5 [1,3,2,4,1] → 11/5 = 2.2, bps 220.
    expect(
      await rows(sql`
        select captured_at, snapshots_1h, avg_spread_1h, avg_spread_bps_1h, spread_vs_1h,
               snapshots_24h, avg_spread_24h, avg_spread_bps_24h, spread_vs_24h
        from orderbook.v_spread_rolling
        where market = 'AAA-USD' and captured_at <= '2026-03-02T12:30:00Z' order by captured_at`),
    ).toEqual([
      ['2026-03-02T10:00:00.000Z', '1', '1', '100', 'at', '1', '1', '100', 'at'],
      ['2026-03-02T10:20:00.000Z', '2', '2', '200', 'above', '2', '2', '200', 'above'],
      ['2026-03-02T10:40:00.000Z', '3', '2', '200', 'at', '3', '2', '200', 'at'],
      ['2026-03-02T11:00:00.000Z', '4', '2.5', '250', 'above', '4', '2.5', '250', 'above'],
      ['2026-03-02T12:30:00.000Z', '1', '1', '100', 'at', '5', '2.2', '220', 'below'],
    ]);
  });

  it('v_max_spread: the widest spread per UTC hour and day, when, and of how many', async () => {
    // 10:00 hour: s1 1, s2 3, s3 2 → 3 at 10:20 · 11:00: s4 → 4 · 12:00: s5 and s6 both 1, s6 has
    // the larger bps (1/50 = 200 vs 100) → s6 at 12:45 · the day: 4 at 11:00 of 6 snapshots.
    expect(
      await rows(sql`
        select period, bucket, captured_at, max_spread, spread_bps, snapshots
        from orderbook.v_max_spread where market = 'AAA-USD' order by period, bucket`),
    ).toEqual([
      ['day', '2026-03-02T00:00:00.000Z', '2026-03-02T11:00:00.000Z', '4', '400', '6'],
      ['hour', '2026-03-02T10:00:00.000Z', '2026-03-02T10:20:00.000Z', '3', '300', '3'],
      ['hour', '2026-03-02T11:00:00.000Z', '2026-03-02T11:00:00.000Z', '4', '400', '1'],
      ['hour', '2026-03-02T12:00:00.000Z', '2026-03-02T12:45:00.000Z', '1', '200', '2'],
    ]);
  });
});

describe('v_mid_price_forecast and v_forecast_error', () => {
  // FFF-USD (K = 3) on 2026-03-01:
  //   f1 09:00 mid 100 · f2 09:10 102 · f3 09:20 101 · f4 09:40 104.6 · f5 09:50 103.6 · f6 10:30 106
  // then the snapshot of the block above, 2026-03-02 10:30 (mid 100).
  beforeAll(async () => {
    await snapshot('FFF-USD', '2026-03-01T09:00:00Z', '100', '1');
    await snapshot('FFF-USD', '2026-03-01T09:10:00Z', '102', '1');
    await snapshot('FFF-USD', '2026-03-01T09:20:00Z', '101', '1');
    await snapshot('FFF-USD', '2026-03-01T09:40:00Z', '104.6', '1');
    await snapshot('FFF-USD', '2026-03-01T09:50:00Z', '103.6', '1');
    await snapshot('FFF-USD', '2026-03-01T10:30:00Z', '106', '1');
  });

  it('fits the trailing 3 snapshots and forecasts the next at captured_at + the median interval', async () => {
    // x in seconds from the forecast's own snapshot; slope by least squares, forecast = fitted + slope × median gap.
    // f2: (−600, 100), (0, 102): slope 2/600 per s = 12 /h, fitted 102, one gap of 600 s → 09:20, 102 + 2 = 104.
    // f3: x −1200, −600, 0; y 100, 102, 101: x̄ −600, ȳ 101, Sxx 720000, Sxy 600 → 1/1200 per s = 3 /h,
    //     fitted 101 + 600/1200 = 101.5; gaps 600, 600 → 09:30, 101.5 + 0.5 = 102. r² = 600²/(720000 × 2) = 0.25.
    // f4: x −1800, −1200, 0; y 102, 101, 104.6: x̄ −1000, Sxx 1,680,000, Sxy 2800 → 1/600 per s = 6 /h,
    //     fitted 307.6/3 + 1000/600 = 104.2; gaps 600, 1200 → median 900 s → 09:55, 104.2 + 1.5 = 105.7.
    // f5: x −1800, −600, 0; y 101, 104.6, 103.6: x̄ −800, Sxx 1,680,000, Sxy 2800 → 6 /h,
    //     fitted 309.2/3 + 800/600 = 104.4; gaps 1200, 600 → 900 s → 10:05, 104.4 + 1.5 = 105.9.
    const forecasts = await rows(sql`
      select captured_at, mid_price, window_snapshots, window_start, median_interval::text, forecast_at, forecast_mid
      from orderbook.v_mid_price_forecast
      where market = 'FFF-USD' and captured_at < '2026-03-01T10:00:00Z' order by captured_at`);
    expect(forecasts).toEqual([
      // f1 has no row: a line needs two points.
      [
        '2026-03-01T09:10:00.000Z',
        '102',
        '2',
        '2026-03-01T09:00:00.000Z',
        '00:10:00',
        '2026-03-01T09:20:00.000Z',
        '104',
      ],
      [
        '2026-03-01T09:20:00.000Z',
        '101',
        '3',
        '2026-03-01T09:00:00.000Z',
        '00:10:00',
        '2026-03-01T09:30:00.000Z',
        '102',
      ],
      [
        '2026-03-01T09:40:00.000Z',
        '104.6',
        '3',
        '2026-03-01T09:10:00.000Z',
        '00:15:00',
        '2026-03-01T09:55:00.000Z',
        '105.7',
      ],
      [
        '2026-03-01T09:50:00.000Z',
        '103.6',
        '3',
        '2026-03-01T09:20:00.000Z',
        '00:15:00',
        '2026-03-01T10:05:00.000Z',
        '105.9',
      ],
    ]);
    const { rows: lines } = await sql<{ slope_per_hour: number; fitted_mid: number; r_squared: number }>`
      select slope_per_hour, fitted_mid, r_squared from orderbook.v_mid_price_forecast
      where market = 'FFF-USD' and captured_at < '2026-03-01T10:00:00Z' order by captured_at`.execute(
      warehouse.db,
    );
    const expected = [
      [12, 102, 1],
      [3, 101.5, 0.25],
      [6, 104.2, null],
      [6, 104.4, null],
    ];
    for (const [i, line] of lines.entries()) {
      const [slope, fitted, r2] = expected[i] ?? [];
      expect(line.slope_per_hour).toBeCloseTo(slope ?? NaN, 9);
      expect(line.fitted_mid).toBeCloseTo(fitted ?? NaN, 9);
      if (r2 !== null && r2 !== undefined) expect(line.r_squared).toBeCloseTo(r2, 12);
    }
  });

  it('scores each forecast against the mid that arrived next, with trailing mean absolute errors', async () => {
    // error = actual − forecast; bps = error / actual × 10000:
    //   f2: 101 − 104 = −3, −297.029702970297029703 · f3: 104.6 − 102 = 2.6, 248.565965583173996176
    //   f4: 103.6 − 105.7 = −2.1, −202.702702702702702703 · f5: 106 − 105.9 = 0.1, 9.433962264150943396
    // Means of |error| by actual_at, 1 h back inclusive:
    //   09:20 [3] · 09:40 [3, 2.6] → 2.8 · 09:50 [3, 2.6, 2.1] → 7.7/3 = 2.566666666666666667
    //   10:30 (from 09:30: f3, f4, f5) [2.6, 2.1, 0.1] → 1.6; 24 h: all four → 7.8/4 = 1.95
    expect(
      await rows(sql`
        select captured_at, forecast_mid, actual_at, actual_mid, error, error_bps,
               mean_abs_error_1h, forecasts_1h, mean_abs_error_24h, forecasts_24h
        from orderbook.v_forecast_error
        where market = 'FFF-USD' and captured_at < '2026-03-01T10:00:00Z' order by captured_at`),
    ).toEqual([
      [
        '2026-03-01T09:10:00.000Z',
        '104',
        '2026-03-01T09:20:00.000Z',
        '101',
        '-3',
        '-297.029702970297029703',
        '3',
        '1',
        '3',
        '1',
      ],
      [
        '2026-03-01T09:20:00.000Z',
        '102',
        '2026-03-01T09:40:00.000Z',
        '104.6',
        '2.6',
        '248.565965583173996176',
        '2.8',
        '2',
        '2.8',
        '2',
      ],
      [
        '2026-03-01T09:40:00.000Z',
        '105.7',
        '2026-03-01T09:50:00.000Z',
        '103.6',
        '-2.1',
        '-202.702702702702702703',
        '2.566666666666666667',
        '3',
        '2.566666666666666667',
        '3',
      ],
      [
        '2026-03-01T09:50:00.000Z',
        '105.9',
        '2026-03-01T10:30:00.000Z',
        '106',
        '0.1',
        '9.433962264150943396',
        '1.6',
        '3',
        '1.95',
        '4',
      ],
    ]);
    // The same in bps: (|−297.03…| + 248.57…)/2 = 272.797834276735512940 at 09:40, and at 10:30
    // (248.565965583173996176 + 202.702702702702702703 + 9.433962264150943396)/3 = 153.567543516675880758
    // over 1 h, and the four over 24 h: 189.433083380081167995.
    expect(
      await rows(sql`
        select mean_abs_error_bps_1h, mean_abs_error_bps_24h, mean_abs_error_bps_7d, forecasts_7d
        from orderbook.v_forecast_error
        where market = 'FFF-USD' and captured_at in ('2026-03-01T09:20:00Z', '2026-03-01T09:50:00Z')
        order by captured_at`),
    ).toEqual([
      ['272.79783427673551294', '272.79783427673551294', '272.79783427673551294', '2'],
      ['153.567543516675880758', '189.433083380081167995', '189.433083380081167995', '4'],
    ]);
  });

  it('counts only forecasts within 7 days, and gives the newest snapshot no error row yet', async () => {
    // The forecast made at f6 (10:30) is scored by FFF's next snapshot, on 2026-03-02 10:30: a
    // day later, so its 1 h window holds only itself, its 24 h window reaches back exactly to
    // f5's score (actual_at 2026-03-01 10:30, the boundary is included) and its 7 d window all five.
    // The newest FFF snapshot (2026-03-02 10:30) has no next one: no row.
    expect(
      await rows(sql`
        select captured_at, actual_at, forecasts_1h, forecasts_24h, forecasts_7d,
               mean_abs_error_1h = abs_error as own_error
        from orderbook.v_forecast_error where market = 'FFF-USD' and captured_at >= '2026-03-01T10:00:00Z'`),
    ).toEqual([['2026-03-01T10:30:00.000Z', '2026-03-02T10:30:00.000Z', '1', '2', '5', 'true']]);
    await snapshot('FFF-USD', '2026-03-10T10:30:01Z', '110', '1');
    // 2026-03-10 10:30:01 is more than 7 days after every earlier actual_at.
    expect(
      await rows(sql`
        select captured_at, forecasts_7d from orderbook.v_forecast_error
        where market = 'FFF-USD' and actual_at > '2026-03-05T00:00:00Z'`),
    ).toEqual([['2026-03-02T10:30:00.000Z', '1']]);
  });
});

describe('v_mid_price_forecast with a longer window', () => {
  // FORECAST_WINDOW = 5 (views recreated for this block, then put back to 3), so the window
  // holds four gaps and their median is not their mean. MMM-USD on 2026-03-04, mid on a line
  // rising 6 an hour: 09:00 100 · 09:10 101 · 09:30 103 · 10:00 106 · 11:00 112.
  beforeAll(async () => {
    await migrate(warehouse.db, undefined, { ...DEFAULTS, forecastWindow: 5 });
    await market(1, 'MMM-USD', 'MMM', 'USD');
    await snapshot('MMM-USD', '2026-03-04T09:00:00Z', '100', '1');
    await snapshot('MMM-USD', '2026-03-04T09:10:00Z', '101', '1');
    await snapshot('MMM-USD', '2026-03-04T09:30:00Z', '103', '1');
    await snapshot('MMM-USD', '2026-03-04T10:00:00Z', '106', '1');
    await snapshot('MMM-USD', '2026-03-04T11:00:00Z', '112', '1');
  });
  afterAll(async () => {
    await migrate(warehouse.db, undefined, { ...DEFAULTS, forecastWindow: 3 });
  });

  it('forecasts at the median gap of the window, not the mean', async () => {
    // 10:00: four snapshots (fewer than K while the history is short), gaps 10, 20, 30 min →
    //   median 20 min → 10:20; the line gives 106 + 6 × 20/60 = 108.
    // 11:00: all five, gaps 10, 20, 30, 60 min → median (20 + 30)/2 = 25 min → 11:25, and
    //   112 + 6 × 25/60 = 114.5. (The mean gap, 30 min, would say 11:30 and 115; the lower
    //   middle gap, 20 min, 11:20 and 114.)
    const forecasts = await rows(sql`
      select captured_at, window_snapshots, window_start, median_interval::text, forecast_at
      from orderbook.v_mid_price_forecast
      where market = 'MMM-USD' and captured_at >= '2026-03-04T10:00:00Z' order by captured_at`);
    expect(forecasts).toEqual([
      ['2026-03-04T10:00:00.000Z', '4', '2026-03-04T09:00:00.000Z', '00:20:00', '2026-03-04T10:20:00.000Z'],
      ['2026-03-04T11:00:00.000Z', '5', '2026-03-04T09:00:00.000Z', '00:25:00', '2026-03-04T11:25:00.000Z'],
    ]);
    // The line itself is fitted in float8 (exact points, so r² = 1).
    const { rows: lines } = await sql<{ forecast_mid: string; slope_per_hour: number; r_squared: number }>`
      select forecast_mid, slope_per_hour, r_squared from orderbook.v_mid_price_forecast
      where market = 'MMM-USD' and captured_at >= '2026-03-04T10:00:00Z' order by captured_at`.execute(
      warehouse.db,
    );
    expect(lines.map((l) => Number(l.forecast_mid))).toEqual([
      expect.closeTo(108, 9),
      expect.closeTo(114.5, 9),
    ]);
    for (const line of lines) {
      expect(line.slope_per_hour).toBeCloseTo(6, 9);
      expect(line.r_squared).toBeCloseTo(1, 12);
    }
  });
});

describe('v_trade and v_vwap', () => {
  // VVVUSDT: trade i (1..205) at 10:00:00 + 30 s × (i − 1) on 2026-03-05; odd ids 101 × 2, taker
  // buy; even ids 100 × 1, taker sell. Id 150 never fetched. Two overlapping fetches: 1-120 and 100-205.
  const trade = (i: number): Trade => ({
    tradeId: String(i),
    tradedAt: new Date(Date.UTC(2026, 2, 5, 10, 0, 0) + (i - 1) * 30_000).toISOString(),
    price: i % 2 === 1 ? '101' : '100',
    size: i % 2 === 1 ? '2' : '1',
    takerSide: i % 2 === 1 ? 'buy' : 'sell',
  });
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, k) => from + k).filter((i) => i !== 150);

  beforeAll(async () => {
    const loader = new Loader(warehouse.db, SMALL_LOAD_SETTINGS);
    const load = (symbol: string, key: string, ids: number[], trades?: Trade[]) =>
      loader.loadTrades({
        batch: { venue: 'binance', symbol, trades: trades ?? ids.map(trade) },
        base: symbol.slice(0, 3),
        quote: 'USDT',
        rawKey: key,
        runId: RUN,
        requestedAt: '2026-03-05T12:00:00Z',
        receivedAt: '2026-03-05T12:00:00Z',
      });
    await load('VVVUSDT', '_trades/a', range(1, 120));
    await load('VVVUSDT', '_trades/b', range(100, 205));
    await load(
      'WWWUSDT',
      '_trades/c',
      [],
      [
        { tradeId: '7', tradedAt: '2026-03-05T23:59:59.999Z', price: '10.5', size: '0.5', takerSide: 'buy' },
        { tradeId: '8', tradedAt: '2026-03-06T00:00:00Z', price: '11', size: '1.5', takerSide: 'sell' },
      ],
    );
  });

  it('v_trade: each trade once however many fetches carried it, with its notional', async () => {
    // Ids 1-205 without 150, the 21 in both fetches (100-120) once.
    expect(
      await rows(sql`
        select count(*) as n, count(distinct trade_id) as ids from orderbook.v_trade where market = 'VVVUSDT'`),
    ).toEqual([['204', '204']]);
    expect(
      await rows(sql`
        select exchange, market, base, quote, trade_id, traded_at, price, size, notional, taker_side
        from orderbook.v_trade where market = 'WWWUSDT' order by trade_id`),
    ).toEqual([
      ['binance', 'WWWUSDT', 'WWW', 'USDT', '7', '2026-03-05T23:59:59.999Z', '10.5', '0.5', '5.25', 'buy'],
      ['binance', 'WWWUSDT', 'WWW', 'USDT', '8', '2026-03-06T00:00:00.000Z', '11', '1.5', '16.5', 'sell'],
    ]);
  });

  it('v_vwap: VWAP and volume over the last 200 trades and per UTC hour', async () => {
    // Hour 10 (ids 1-120): 60 × 101 × 2 + 60 × 100 × 1 = 18120 over 180 → 100.666666666666666667;
    //   taker buys 120, sells 60.
    // Hour 11 (ids 121-205 without 150): 43 odd, 41 even → 8686 + 4100 = 12786 over 127 →
    //   100.677165354330708661; one id missing.
    // Last 200 (ids 5-205 without 150): 101 odd, 99 even → 20402 + 9900 = 30302 over 301 →
    //   100.671096345514950166; from id 5 (10:02:00) to id 205 (11:42:00), one missing.
    expect(
      await rows(sql`
        select period, bucket, trades, first_trade_at, last_trade_at, vwap, volume, notional,
               taker_buy_volume, taker_sell_volume, trades_missing
        from orderbook.v_vwap where market = 'VVVUSDT' order by period, bucket`),
    ).toEqual([
      [
        'hour',
        '2026-03-05T10:00:00.000Z',
        '120',
        '2026-03-05T10:00:00.000Z',
        '2026-03-05T10:59:30.000Z',
        '100.666666666666666667',
        '180',
        '18120',
        '120',
        '60',
        '0',
      ],
      [
        'hour',
        '2026-03-05T11:00:00.000Z',
        '84',
        '2026-03-05T11:00:00.000Z',
        '2026-03-05T11:42:00.000Z',
        '100.677165354330708661',
        '127',
        '12786',
        '86',
        '41',
        '1',
      ],
      [
        'last_200',
        null,
        '200',
        '2026-03-05T10:02:00.000Z',
        '2026-03-05T11:42:00.000Z',
        '100.671096345514950166',
        '301',
        '30302',
        '202',
        '99',
        '1',
      ],
    ]);
  });

  it('v_vwap: a market with fewer than 200 trades, split at UTC midnight', async () => {
    // 10.5 × 0.5 = 5.25 at 23:59:59.999 and 11 × 1.5 = 16.5 at 00:00 → last 200: 21.75 / 2 = 10.875.
    expect(
      await rows(sql`
        select period, bucket, trades, vwap, volume, taker_buy_volume, taker_sell_volume
        from orderbook.v_vwap where market = 'WWWUSDT' order by period, bucket`),
    ).toEqual([
      ['hour', '2026-03-05T23:00:00.000Z', '1', '10.5', '0.5', '0.5', '0'],
      ['hour', '2026-03-06T00:00:00.000Z', '1', '11', '1.5', '0', '1.5'],
      ['last_200', null, '2', '10.875', '2', '0.5', '1.5'],
    ]);
  });
});

describe('a filter on a market’s names reaches inside the windows', () => {
  /** The rows each window of the query's plan computes over, per loop. */
  async function windowRows(query: ReturnType<typeof sql>): Promise<number[]> {
    const { rows: plan } = await sql<{
      'QUERY PLAN': unknown;
    }>`explain (analyze, format json) ${query}`.execute(warehouse.db);
    const counts: number[] = [];
    const visit = (node: Record<string, unknown>) => {
      if (node['Node Type'] === 'WindowAgg') counts.push(Number(node['Actual Rows']));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
    };
    const [root] = plan[0]?.['QUERY PLAN'] as [{ Plan: Record<string, unknown> }];
    visit(root.Plan);
    return counts;
  }
  /** Rows each scan of `table` in the query's plan returned, in all its loops. */
  async function scannedRows(query: ReturnType<typeof sql>, table: string): Promise<number[]> {
    const { rows: plan } = await sql<{
      'QUERY PLAN': unknown;
    }>`explain (analyze, format json) ${query}`.execute(warehouse.db);
    const counts: number[] = [];
    const visit = (node: Record<string, unknown>) => {
      if (node['Relation Name'] === table)
        counts.push(Number(node['Actual Rows']) * Number(node['Actual Loops']));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
    };
    const [root] = plan[0]?.['QUERY PLAN'] as [{ Plan: Record<string, unknown> }];
    visit(root.Plan);
    return counts;
  }
  async function snapshotsOf(market: string): Promise<number> {
    const { rows: n } = await sql<{ n: string }>`
      select count(*) as n from orderbook.v_snapshot where market = ${market}`.execute(warehouse.db);
    return Number(n[0]?.n);
  }

  it('v_spread_rolling, v_max_spread and v_forecast_error read only the market asked for', async () => {
    // Several markets hold snapshots; a window that saw them all would count more than one's.
    const { rows: all } = await sql<{ n: string }>`select count(*) as n from orderbook.v_snapshot`.execute(
      warehouse.db,
    );
    const aaa = await snapshotsOf('AAA-USD');
    const fff = await snapshotsOf('FFF-USD');
    expect(Number(all[0]?.n)).toBeGreaterThan(Math.max(aaa, fff));
    // v_spread_rolling reads stored averages: no window at all, and only AAA's rows of them.
    const rollingQuery = sql`select * from orderbook.v_spread_rolling where market = 'AAA-USD'`;
    expect(await windowRows(rollingQuery)).toEqual([]);
    const stored = await scannedRows(rollingQuery, 'fact_spread_rolling');
    expect(stored.length).toBeGreaterThan(0);
    for (const n of stored) expect(n).toBeLessThanOrEqual(aaa);
    // Each snapshot is ranked twice, in its hour and in its day.
    const widest = await windowRows(
      sql`select * from orderbook.v_max_spread where exchange = 'coinbase' and market = 'AAA-USD'`,
    );
    expect(widest.length).toBeGreaterThan(0);
    for (const n of widest) expect(n).toBeLessThanOrEqual(2 * aaa);
    // v_forecast_error too reads stored averages: no window, and only FFF's scores.
    const errorsQuery = sql`select * from orderbook.v_forecast_error where market = 'FFF-USD'`;
    expect(await windowRows(errorsQuery)).toEqual([]);
    const scores = await scannedRows(errorsQuery, 'fact_forecast_error');
    expect(scores.length).toBeGreaterThan(0);
    for (const n of scores) expect(n).toBeLessThanOrEqual(fff);
  });
});
