/**
 * A run never hangs behind an analyst: a reader idle in a transaction holds locks on the views it
 * read, for as long as it likes. A settings change that must recreate one of them waits only a
 * short lock_timeout, warns, and the run loads its data with the view as it was; the next
 * migrate, once the reader is gone, brings the view up to date.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startCli } from '../helpers/child.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { etlEnv } from '../helpers/etl-env.ts';

let sim: Simulator;
const testDb = useTestDatabase();
let rawDir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 4, markets: defaultSimMarkets(50) });
  rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-viewlocks-'));
});
afterAll(async () => {
  await sim.close();
  await rm(rawDir, { recursive: true, force: true });
});

async function etl(extra: Record<string, string> = {}) {
  const child = startCli(
    ['etl'],
    etlEnv({ simUrl: sim.url, rawDir, dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, extra }),
  );
  const { code } = await child.exited;
  return { code, lines: child.lines() };
}

describe('a reader idle in transaction', () => {
  it('does not make a run hang: the view it holds is left as it is, with a warning, and the data loads', async () => {
    // Other sessions holding locks are a server's; embedded PGlite has one session.
    if (!testDb.databaseUrl) return;
    expect((await etl()).code).toBe(0);
    const reader = new pg.Client({ connectionString: testDb.databaseUrl });
    const other = new pg.Client({ connectionString: testDb.databaseUrl });
    await reader.connect();
    await other.connect();
    const rollingComment = async () =>
      (
        await other.query<{ c: string }>(
          `select obj_description('orderbook.v_spread_rolling'::regclass, 'pg_class') as c`,
        )
      ).rows[0]?.c ?? '';
    try {
      await reader.query('begin');
      await reader.query('select count(*) from orderbook.v_latest');
      await reader.query('select count(*) from orderbook.v_spread_rolling');
      const forecastComment = async () =>
        (
          await other.query<{ c: string }>(
            `select obj_description('orderbook.v_mid_price_forecast'::regclass, 'pg_class') as c`,
          )
        ).rows[0]?.c ?? '';
      expect(await forecastComment()).toMatch(/last 12 snapshots/);
      expect(await rollingComment()).toMatch(/last 12 snapshots/);

      // FORECAST_WINDOW is written into the documentation of v_spread_rolling (held by the
      // reader) and of v_mid_price_forecast (not held): both are to be replaced.
      const run = await etl({ FORECAST_WINDOW: '5' });
      expect(run.code).toBe(0);
      const warnings = run.lines.filter((l) => l.level === 40 && l.view === 'v_spread_rolling');
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]?.msg)).toMatch(/a reader holds a lock/);
      expect(run.lines.some((l) => l.msg === 'run finished' && l.marketsOk === 4)).toBe(true);
      const { rows } = await other.query<{ status: string; snapshots: string }>(
        `select r.status, (select count(*) from orderbook.fact_snapshot s where s.run_id = r.run_id)::text as snapshots
         from orderbook.etl_run r order by started_at`,
      );
      expect(rows).toEqual([
        { status: 'ok', snapshots: '4' },
        { status: 'ok', snapshots: '4' },
      ]);
      // The view nobody held was brought up to date; the held one is as it was.
      expect(await forecastComment()).toMatch(/last 5 snapshots/);
      expect(await rollingComment()).toMatch(/last 12 snapshots/);
    } finally {
      await reader.query('rollback');
      await reader.end();
    }
    try {
      // The reader has gone: the next run brings the view up to date, without a warning.
      const next = await etl({ FORECAST_WINDOW: '5' });
      expect(next.code).toBe(0);
      expect(next.lines.filter((l) => l.level === 40)).toEqual([]);
      expect(await rollingComment()).toMatch(/last 5 snapshots/);
    } finally {
      await other.end();
    }
  });
});
