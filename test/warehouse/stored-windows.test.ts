/**
 * Trailing windows stored at derive time (migration 0010): v_spread_rolling's averages
 * (fact_spread_rolling) and v_forecast_error's mean absolute errors (fact_forecast_error).
 * Whatever order snapshots arrive in (a backfill loads out of order), with snapshots captured at
 * the same instant, gaps longer than a day or a week, and for snapshots stored before the tables
 * had them, the views must give what they computed with window functions before: the oracles
 * below are those old definitions.
 */
import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { deriveTrailing } from '../../src/warehouse/derive.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import { sqlFile } from '../../src/warehouse/sqlfiles.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateBefore, useTestWarehouse } from '../helpers/db.ts';

const WINDOW = 3;
const SETTINGS = { ...loadConfig({}), forecastWindow: WINDOW };
const RUN = '01900000-0000-7000-8000-00000000e001';

const { warehouse } = useTestWarehouse({ migrate: false });
let keys = 0;

const COLUMNS = `exchange, market, snapshot_id, captured_at, spread, spread_bps,
  snapshots_window, avg_spread_window, avg_spread_bps_window, spread_vs_window,
  snapshots_1h, avg_spread_1h, avg_spread_bps_1h, spread_vs_1h,
  snapshots_24h, avg_spread_24h, avg_spread_bps_24h, spread_vs_24h`;

/** v_spread_rolling as it was computed before the averages were stored. */
async function oracle(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    with s as (
      select v.exchange, v.market, v.snapshot_id, v.captured_at, v.market_id, t.spread, t.spread_bps
      from orderbook.v_snapshot v join orderbook.fact_top t on t.snapshot_id = v.snapshot_id
      where v.market = ${market}
    ),
    r as (
      select s.*,
        count(*) over k as snapshots_window,
        round(avg(spread::numeric(1000, 40)) over k, 18) as avg_spread_window,
        round(avg(spread_bps::numeric(1000, 40)) over k, 18) as avg_spread_bps_window,
        count(*) over h1 as snapshots_1h,
        round(avg(spread::numeric(1000, 40)) over h1, 18) as avg_spread_1h,
        round(avg(spread_bps::numeric(1000, 40)) over h1, 18) as avg_spread_bps_1h,
        count(*) over h24 as snapshots_24h,
        round(avg(spread::numeric(1000, 40)) over h24, 18) as avg_spread_24h,
        round(avg(spread_bps::numeric(1000, 40)) over h24, 18) as avg_spread_bps_24h
      from s
      window
        k as (partition by market_id order by captured_at, snapshot_id
              rows between ${sql.lit(WINDOW - 1)} preceding and current row),
        h1 as (partition by market_id order by captured_at range between interval '1 hour' preceding and current row),
        h24 as (partition by market_id order by captured_at range between interval '24 hours' preceding and current row)
    )
    select ${sql.raw(COLUMNS.replace(/spread_vs_(\w+)/g, (_, w: string) => `case sign(spread_bps - avg_spread_bps_${w}) when -1 then 'below' when 0 then 'at' else 'above' end as spread_vs_${w}`))}
    from r order by snapshot_id`.execute(warehouse.db);
  return rows;
}

/** v_forecast_error's window columns as they were computed before they were stored. */
async function errorOracle(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select f.snapshot_id, e.actual_at, e.error_bps,
      round(avg(abs(e.error)::numeric(1000, 40)) over h1, 18) as mean_abs_error_1h,
      round(avg(abs(e.error_bps)::numeric(1000, 40)) over h1, 18) as mean_abs_error_bps_1h,
      count(*) over h1 as forecasts_1h,
      round(avg(abs(e.error)::numeric(1000, 40)) over h24, 18) as mean_abs_error_24h,
      round(avg(abs(e.error_bps)::numeric(1000, 40)) over h24, 18) as mean_abs_error_bps_24h,
      count(*) over h24 as forecasts_24h,
      round(avg(abs(e.error)::numeric(1000, 40)) over d7, 18) as mean_abs_error_7d,
      round(avg(abs(e.error_bps)::numeric(1000, 40)) over d7, 18) as mean_abs_error_bps_7d,
      count(*) over d7 as forecasts_7d
    from orderbook.v_mid_price_forecast f
    join orderbook.fact_forecast_error e on e.snapshot_id = f.snapshot_id
    where f.market = ${market}
    window
      h1 as (order by e.actual_at range between interval '1 hour' preceding and current row),
      h24 as (order by e.actual_at range between interval '24 hours' preceding and current row),
      d7 as (order by e.actual_at range between interval '7 days' preceding and current row)
    order by f.snapshot_id`.execute(warehouse.db);
  return rows;
}

async function storedErrors(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select snapshot_id, actual_at, error_bps, mean_abs_error_1h, mean_abs_error_bps_1h, forecasts_1h,
           mean_abs_error_24h, mean_abs_error_bps_24h, forecasts_24h,
           mean_abs_error_7d, mean_abs_error_bps_7d, forecasts_7d
    from orderbook.v_forecast_error where market = ${market} order by snapshot_id`.execute(warehouse.db);
  return rows;
}

async function stored(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select ${sql.raw(COLUMNS)} from orderbook.v_spread_rolling where market = ${market} order by snapshot_id`.execute(
    warehouse.db,
  );
  return rows;
}

async function marketId(symbol: string): Promise<number> {
  const { rows } = await sql<{ market_id: number }>`
    insert into orderbook.dim_market (exchange_id, symbol, base_asset_id, quote_asset_id, first_seen, last_seen)
    select e.exchange_id, ${symbol}, b.asset_id, q.asset_id, now(), now()
    from orderbook.dim_exchange e, orderbook.dim_asset b, orderbook.dim_asset q
    where e.code = 'coinbase' and b.code = 'BTC' and q.code = 'USD'
    on conflict (exchange_id, symbol) do update set last_seen = excluded.last_seen
    returning market_id`.execute(warehouse.db);
  return rows[0]?.market_id ?? -1;
}

/** A snapshot and its top of book, as a load writes them (without levels: none are read here). */
async function snapshot(market: number, at: string, mid: string, spread: string): Promise<string> {
  const { rows } = await sql<{ snapshot_id: string }>`
    insert into orderbook.fact_snapshot (market_id, run_id, requested_at, received_at, exchange_time,
      exchange_sequence, bid_levels, ask_levels, stored_levels, raw_key)
    values (${market}, ${RUN}, ${at}, ${at}, null, 1, 1, 1, 2, ${`rolling-${String(++keys)}`})
    returning snapshot_id::text`.execute(warehouse.db);
  const id = rows[0]?.snapshot_id ?? '';
  await sql`insert into orderbook.fact_top values (
      ${id}, ${mid}::numeric - ${spread}::numeric / 2, 1, ${mid}::numeric + ${spread}::numeric / 2, 1,
      ${mid}, ${spread}, round(${spread}::numeric(1000, 40) * 10000 / ${mid}::numeric, 18))`.execute(
    warehouse.db,
  );
  return id;
}

/** Capture times over three days: 20-minute steps, two snapshots at one instant, a 30 h gap. */
const TIMES = [
  '2026-03-02T10:00:00Z',
  '2026-03-02T10:20:00Z',
  '2026-03-02T10:40:00Z',
  '2026-03-02T10:40:00Z',
  '2026-03-02T11:00:00Z',
  '2026-03-02T11:40:00Z',
  '2026-03-02T12:30:00Z',
  '2026-03-02T23:10:00Z',
  '2026-03-03T10:00:00Z',
  '2026-03-03T10:20:00Z',
  '2026-03-04T16:20:00Z',
  '2026-03-04T16:40:00Z',
  '2026-03-11T16:30:00Z',
  '2026-03-11T17:00:00Z',
];
const spreadOf = (i: number) => `${String((i * 7) % 5)}.${String((i * 3) % 10)}1`;
const midOf = (i: number) => `${String(100 + ((i * 13) % 9))}.5`;

/** A fixed shuffle, so the order differs from time order and repeats run to run. */
const SHUFFLED = [7, 13, 2, 11, 0, 9, 4, 12, 3, 10, 1, 6, 8, 5];

describe('fact_spread_rolling', () => {
  it('are derived for the snapshots an older release stored when migration 0010 runs', async () => {
    await migrateBefore(warehouse.db, '0010');
    await sql`insert into orderbook.dim_asset (code, is_usd) values ('BTC', false), ('USD', true)`.execute(
      warehouse.db,
    );
    const old = await marketId('OLD-USD');
    for (const [i, at] of TIMES.entries()) await snapshot(old, at, midOf(i), spreadOf(i));
    // The older release derived forecasts and their scores (the same SQL), not the windows.
    const { rows: all } = await sql<{ snapshot_id: string }>`
      select snapshot_id::text from orderbook.fact_snapshot`.execute(warehouse.db);
    const ids = all.map((r) => r.snapshot_id);
    await warehouse.db.executeQuery(CompiledQuery.raw(sqlFile('sql/derive/forecast.sql'), [ids, WINDOW]));
    await warehouse.db.executeQuery(CompiledQuery.raw(sqlFile('sql/derive/forecast_error.sql'), [ids]));
    await migrate(warehouse.db, undefined, SETTINGS);
    const rows = await stored('OLD-USD');
    expect(rows).toHaveLength(TIMES.length);
    expect(rows).toEqual(await oracle('OLD-USD'));
    const scores = await storedErrors('OLD-USD');
    // The first snapshot has no forecast (a line needs two points), the newest no score yet.
    expect(scores).toHaveLength(TIMES.length - 2);
    expect(scores).toEqual(await errorOracle('OLD-USD'));
  });

  it('equals the window functions when snapshots arrive out of order, one load at a time', async () => {
    const m = await marketId('OOO-USD');
    for (const i of SHUFFLED) {
      const id = await snapshot(m, TIMES[i] ?? '', midOf(i), spreadOf(i));
      // As a load derives it: in its transaction, this snapshot and those its arrival moves.
      await warehouse.db.transaction().execute((tx) => deriveTrailing(tx, [id], WINDOW));
      expect(await stored('OOO-USD')).toEqual(await oracle('OOO-USD'));
      expect(await storedErrors('OOO-USD')).toEqual(await errorOracle('OOO-USD'));
    }
  });

  it('equals the window functions when a backfill derives its snapshots in batches, out of order', async () => {
    const m = await marketId('BBB-USD');
    const ids: string[] = [];
    for (const i of SHUFFLED) ids.push(await snapshot(m, TIMES[i] ?? '', midOf(i), spreadOf(i)));
    await warehouse.db.transaction().execute((tx) => deriveTrailing(tx, ids.slice(6), WINDOW));
    await warehouse.db.transaction().execute((tx) => deriveTrailing(tx, ids.slice(0, 6), WINDOW));
    const rows = await stored('BBB-USD');
    expect(rows).toHaveLength(TIMES.length);
    expect(rows).toEqual(await oracle('BBB-USD'));
    expect(await storedErrors('BBB-USD')).toEqual(await errorOracle('BBB-USD'));
    // OOO-USD holds the same books at the same times: had a window reached across markets,
    // its counts and averages would differ from BBB's.
    const strip = (r: Record<string, unknown>) => ({ ...r, market: null, snapshot_id: null });
    expect(rows.map(strip)).toEqual((await stored('OOO-USD')).map(strip));
  });
});

describe('v_forecast_error without v_mid_price_forecast', () => {
  it('gives exactly the rows of its former definition (v_mid_price_forecast ⋈ fact_forecast_error)', async () => {
    // The data of the tests above: several markets, shuffled loads, gaps past a week.
    const { rows } = await sql<{ now: string; before: string; total: string }>`
      with now as (select * from orderbook.v_forecast_error),
      before as (
        select
          f.exchange, f.market, f.base, f.quote, f.snapshot_id, f.captured_at, f.forecast_at, f.forecast_mid,
          e.actual_snapshot_id, e.actual_at, e.actual_mid, e.error, e.error_bps,
          abs(e.error) as abs_error, abs(e.error_bps) as abs_error_bps,
          e.mean_abs_error_1h, e.mean_abs_error_bps_1h, e.forecasts_1h::bigint as forecasts_1h,
          e.mean_abs_error_24h, e.mean_abs_error_bps_24h, e.forecasts_24h::bigint as forecasts_24h,
          e.mean_abs_error_7d, e.mean_abs_error_bps_7d, e.forecasts_7d::bigint as forecasts_7d
        from orderbook.v_mid_price_forecast f
        join orderbook.fact_forecast_error e on e.snapshot_id = f.snapshot_id)
      select (select count(*) from (select * from now except all select * from before) x)::text as now,
             (select count(*) from (select * from before except all select * from now) x)::text as before,
             (select count(*) from now)::text as total`.execute(warehouse.db);
    expect(rows[0]).toMatchObject({ now: '0', before: '0' });
    expect(Number(rows[0]?.total)).toBeGreaterThan(20);
  });
});
