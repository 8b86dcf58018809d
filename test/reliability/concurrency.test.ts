/**
 * Runs, the scheduler and backfills at the same time on one warehouse and one raw store: every
 * raw object ends up loaded exactly once and derived once, and nobody fails because someone
 * else was working on the same rows. (Two `etl` processes started together, and ticks that
 * come while a run is going, are in test/jobs/schedule.test.ts.)
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVenueClients } from '../../src/venues/index.ts';
import { backfill, type BackfillSummary } from '../../src/jobs/backfill.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import { runScheduler } from '../../src/jobs/schedule.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { capturingLogger } from '../helpers/log.ts';
import { rawKeys, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(defaultSimMarkets(200));
});
afterAll(async () => {
  await h.close();
});

async function warehouseState() {
  const { rows } = await sql<{
    snapshots: string;
    keys: string;
    whole: string;
    tops: string;
    fills: string;
  }>`
    select
      (select count(*) from orderbook.fact_snapshot) as snapshots,
      (select count(distinct raw_key) from orderbook.fact_snapshot) as keys,
      (select count(*) from orderbook.fact_snapshot s
        where s.stored_levels = (select count(*) from orderbook.fact_level l where l.snapshot_id = s.snapshot_id)
      ) as whole,
      (select count(*) from orderbook.fact_top) as tops,
      (select count(*) from orderbook.fact_fill) as fills`.execute(h.warehouse.db);
  return rows[0];
}

function startBackfill(): Promise<BackfillSummary> {
  const config = h.config({ CONCURRENCY: '2' });
  const { log } = capturingLogger();
  return backfill(
    { config, log, store: h.store, db: h.warehouse.db, loader: new Loader(h.warehouse.db, config) },
    { deriveBatch: 3 },
  );
}

describe('concurrency', () => {
  it('two backfills and the scheduler at once: every raw object loaded and derived exactly once', async () => {
    // A lake of three runs that the warehouse has lost.
    for (let i = 0; i < 3; i++) expect((await h.run()).exitCode).toBe(0);
    await sql`truncate orderbook.fact_snapshot cascade`.execute(h.warehouse.db);

    const stop = new AbortController();
    const config = h.config({ CRON_SCHEDULE: '* * * * * *' });
    const scheduler = capturingLogger();
    const runs: Promise<RunSummary>[] = [];
    const scheduled = runScheduler(
      {
        schedule: config.cronSchedule,
        log: scheduler.log,
        run: (signal) => {
          const run = runOnce({
            config,
            log: scheduler.log,
            store: h.store,
            clients: createVenueClients(config, scheduler.log),
            db: h.warehouse.db,
            loader: new Loader(h.warehouse.db, config),
            signal,
          });
          runs.push(run);
          return run;
        },
      },
      stop.signal,
    );
    // Backfills start while the scheduler is writing new raw objects and loading them.
    const first = await Promise.all([startBackfill(), startBackfill()]);
    while (runs.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await Promise.all([startBackfill(), startBackfill()]);
    stop.abort();
    await scheduled;
    const summaries = await Promise.all(runs);

    for (const summary of [...first, ...second]) {
      expect(summary.failed).toEqual([]);
      expect(summary.invalid).toEqual([]);
    }
    // Between them, the first pair loaded the lost runs once.
    expect(first[0].loaded + first[1].loaded).toBeGreaterThanOrEqual(12);
    expect(scheduler.lines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    // The run in flight when the scheduler is stopped may be 'interrupted'; none failed anything.
    for (const summary of summaries) expect(summary.marketsFailed).toBe(0);
    const errors = await h.warehouse.db.selectFrom('orderbook.etl_error').selectAll().execute();
    expect(errors).toEqual([]);

    // Whatever the scheduler wrote after the last listing, a final backfill picks up.
    await startBackfill();
    const keys = await rawKeys(h.store);
    const stored = summaries.flatMap((r) => r.outcomes).filter((o) => o.rawKey !== null).length;
    expect(keys.length).toBe(4 * 3 + stored);
    expect(await warehouseState()).toEqual({
      snapshots: String(keys.length),
      keys: String(keys.length),
      whole: String(keys.length),
      tops: String(keys.length),
      fills: String(keys.length * 4),
    });
  });
});
