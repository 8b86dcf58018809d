/**
 * Part 3: a whole run (runOnce, exactly what `npm run etl` does after startup) over every bench
 * market with full-size books: metadata, fetch, raw put, parse, load and derive per market, at
 * CONCURRENCY, with the run's own bookkeeping. Wall time from runOnce's call to its return.
 */
import { runOnce } from '../../src/jobs/run.ts';
import { Loader } from '../../src/warehouse/load.ts';
import type { RssSampler } from '../memory.ts';
import { unthrottledClients, type BenchEnv } from '../setup.ts';
import { round, sampled, timed, type Sampled } from '../stats.ts';

export interface RunResult {
  markets: number;
  concurrency: number;
  /** Levels fetched (and stored: LEVELS_WITHIN_BPS=all) per run. */
  levels: number;
  repetitions: number;
  wallMs: Sampled;
  levelsPerSec: number;
  peakRssMb: Sampled;
}

export async function benchRun(
  env: BenchEnv,
  { warmup, reps, rss }: { warmup: number; reps: number; rss: RssSampler },
): Promise<RunResult> {
  const wall: number[] = [];
  const peaks: number[] = [];
  let levels = 0;
  for (let i = 0; i < warmup + reps; i++) {
    const deps = {
      config: env.config,
      log: env.log,
      store: env.store,
      clients: unthrottledClients(env.config, env.log),
      db: env.warehouse.db,
      loader: new Loader(env.warehouse.db, env.config),
    };
    rss.reset();
    const { ms, value: summary } = await timed(() => runOnce(deps));
    const peak = rss.reset();
    if (summary.marketsOk !== env.config.markets.length) {
      const errors = summary.outcomes.filter((o) => o.error).map((o) => o.error?.message);
      throw new Error(`run: ${summary.marketsFailed} market(s) failed: ${errors.join('; ')}`);
    }
    levels = summary.outcomes.reduce((n, o) => n + o.bidLevels + o.askLevels, 0);
    if (i < warmup) continue;
    wall.push(ms);
    peaks.push(peak);
  }
  const wallMs = sampled(wall);
  return {
    markets: env.config.markets.length,
    concurrency: env.config.concurrency,
    levels,
    repetitions: reps,
    wallMs,
    levelsPerSec: round((levels / wallMs.median) * 1000, 0),
    peakRssMb: sampled(peaks),
  };
}
