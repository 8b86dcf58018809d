/**
 * Part 4: `npm run backfill` over a lake of full-size raw snapshots into an emptied warehouse:
 * list, read, gunzip, parse, load, then derive everything set-based. Snapshots/s and levels/s
 * over the whole job, and RSS along the way (at 25/50/75/100% of the objects loaded and after
 * derive) to show memory stays flat however many objects pass through. The job is timed in two
 * parts, loading (list, read, gunzip, parse, COPY) and deriving (metrics, splits, forecasts,
 * retention), each with the CPU it took: this process's and the machine's, so the report says
 * whether the backfill waits on something or has the cores busy all along.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { backfill } from '../../src/jobs/backfill.ts';
import type { Phase, ProgressSink } from '../../src/jobs/progress.ts';
import { FileRawStore, writeSnapshot, type RawStore } from '../../src/raw/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { cpuMark, cpuSince, type CpuMark, type CpuSpent } from '../cpu.ts';
import type { RssSampler } from '../memory.ts';
import { unthrottledClients, type BenchEnv } from '../setup.ts';
import { round, sampled, timed, type Sampled } from '../stats.ts';

export interface BackfillResult {
  snapshots: number;
  levels: number;
  rawBytes: number;
  concurrency: number;
  repetitions: number;
  durationMs: Sampled;
  snapshotsPerSec: number;
  levelsPerSec: number;
  peakRssMb: Sampled;
  /** RSS (MB) of the median repetition when 25/50/75/100% of objects were loaded, and after derive. */
  rssMbAt: Record<'25%' | '50%' | '75%' | '100%' | 'derived', number>;
  /** The median repetition in its two parts: wall time and CPU of each. */
  phases: Record<'load' | 'derive', BackfillPhase>;
  /**
   * The most levels/s the machine's cores could give at the median repetition's CPU per level
   * (every core busy all the job long): levels × cores ÷ busy CPU seconds. A target above it
   * needs less work per level, not more overlap.
   */
  cpuBoundLevelsPerSec: number;
}

export interface BackfillPhase {
  ms: number;
  cpu: CpuSpent;
}

/** A lake of `count` snapshots: every bench market in turn, one "run" an hour. */
async function buildLake(env: BenchEnv, store: RawStore, count: number): Promise<number> {
  const clients = unthrottledClients(env.config, env.log);
  const start = Date.UTC(2026, 0, 5, 0, 0, 0);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const market = env.config.markets[i % env.config.markets.length];
    if (!market) throw new Error('no markets');
    const hour = Math.floor(i / env.config.markets.length);
    const at = new Date(start + hour * 3_600_000 + (i % env.config.markets.length) * 1000);
    const response = await clients[market.venue].fetchBook(market.symbol);
    const info = env.markets.find((m) => m.venue === market.venue && m.symbol === market.symbol);
    if (!info) throw new Error(`unknown market ${market.symbol}`);
    const key = await writeSnapshot(
      store,
      {
        exchange: market.venue,
        market: market.symbol,
        url: response.url,
        requested_at: at.toISOString(),
        received_at: at.toISOString(),
        status: response.status,
        run_id: uuidv7(at.getTime()),
        base: info.base,
        quote: info.quote,
      },
      response.body,
    );
    bytes += (await store.get(key)).length;
  }
  return bytes;
}

/**
 * The progress sink part 4 hands the backfill: RSS at 25/50/75/100% of the objects and after
 * derive, and the wall time and CPU of the load and derive phases.
 */
class BackfillMarks implements ProgressSink {
  private done = 0;
  readonly at: Partial<BackfillResult['rssMbAt']> = {};
  private readonly started = { ms: performance.now(), cpu: cpuMark() };
  /** When the derive began (the load and trades phases done). */
  private deriving: { ms: number; cpu: CpuMark } | null = null;
  phases: BackfillResult['phases'] | null = null;
  private readonly total: number;
  private readonly rss: RssSampler;
  constructor(total: number, rss: RssSampler) {
    this.total = total;
    this.rss = rss;
  }
  phase(name: Phase): void {
    if (name === 'derive') this.deriving = { ms: performance.now(), cpu: cpuMark() };
  }
  listed(): void {
    return;
  }
  listingDone(): void {
    return;
  }
  object(): void {
    this.done++;
    for (const pct of [25, 50, 75, 100] as const) {
      if (this.done === Math.ceil((this.total * pct) / 100)) this.at[`${pct}%`] = this.rss.mark();
    }
  }
  derived(): void {
    return;
  }
  finish(): void {
    this.at.derived = this.rss.mark();
    const end = { ms: performance.now(), cpu: cpuMark() };
    const split = this.deriving ?? end;
    this.phases = {
      load: { ms: round(split.ms - this.started.ms), cpu: cpuSince(this.started.cpu, split.cpu) },
      derive: { ms: round(end.ms - split.ms), cpu: cpuSince(split.cpu, end.cpu) },
    };
  }
}

export async function benchBackfill(
  env: BenchEnv,
  { snapshots, warmup, reps, rss }: { snapshots: number; warmup: number; reps: number; rss: RssSampler },
): Promise<BackfillResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-lake-'));
  try {
    const store = new FileRawStore(dir);
    const rawBytes = await buildLake(env, store, snapshots);
    const runs: {
      ms: number;
      peak: number;
      at: Partial<BackfillResult['rssMbAt']>;
      phases: BackfillResult['phases'] | null;
    }[] = [];
    let levels = 0;
    for (let i = 0; i < warmup + reps; i++) {
      await env.warehouse.truncateFacts();
      const progress = new BackfillMarks(snapshots, rss);
      rss.reset();
      const { ms, value: summary } = await timed(() =>
        backfill({
          config: env.config,
          log: env.log,
          store,
          db: env.warehouse.db,
          loader: new Loader(env.warehouse.db, env.config),
          progress,
        }),
      );
      const peak = rss.reset();
      if (summary.loaded !== snapshots || summary.derived !== snapshots || summary.failed.length > 0) {
        throw new Error(
          `backfill loaded ${summary.loaded}, derived ${summary.derived} of ${snapshots}; failed: ${JSON.stringify(summary.failed)}`,
        );
      }
      const row = await sql<{
        levels: string;
      }>`select sum(stored_levels)::text as levels from orderbook.fact_snapshot`.execute(env.warehouse.db);
      levels = Number(row.rows[0]?.levels ?? 0);
      if (i >= warmup) runs.push({ ms, peak, at: progress.at, phases: progress.phases });
    }
    const durationMs = sampled(runs.map((r) => r.ms));
    const middle = [...runs].sort((a, b) => a.ms - b.ms)[runs.length >> 1];
    const at = middle?.at ?? {};
    const phases = middle?.phases;
    if (!phases) throw new Error('backfill did not report its phases');
    const busyS = phases.load.cpu.busyS + phases.derive.cpu.busyS;
    return {
      snapshots,
      levels,
      rawBytes,
      concurrency: env.config.concurrency,
      repetitions: reps,
      durationMs,
      snapshotsPerSec: round((snapshots / durationMs.median) * 1000, 1),
      levelsPerSec: round((levels / durationMs.median) * 1000, 0),
      peakRssMb: sampled(runs.map((r) => r.peak)),
      rssMbAt: {
        '25%': at['25%'] ?? Number.NaN,
        '50%': at['50%'] ?? Number.NaN,
        '75%': at['75%'] ?? Number.NaN,
        '100%': at['100%'] ?? Number.NaN,
        derived: at.derived ?? Number.NaN,
      },
      phases,
      cpuBoundLevelsPerSec: busyS > 0 ? round((levels * phases.load.cpu.cores) / busyS, 0) : Number.NaN,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
