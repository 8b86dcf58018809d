/**
 * `npm run bench [-- --quick] [--out FILE] [--reps N] [--warehouse postgres|pglite] [--concurrency N] [--skip-year] [--only venues]`
 *
 * Measures the real code paths (venue clients, raw store, parser, Loader, deriveSnapshots,
 * runOnce, backfill) against the simulator in its own process and a PostgreSQL database made for
 * the bench (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * and dropped after it; part 5 repeats load and derive on embedded PGlite, in a process of its
 * own so the two memory figures stay apart; part 6 builds a warehouse holding a year of hourly
 * runs in a database of its own and times every SQL example of the docs on it. Prints a table and writes the figures as JSON
 * (bench/results/latest.json unless --out says otherwise). `--only venues` times part 1's books
 * of Kraken, OKX and Bybit alone, in seconds rather than the whole bench's quarter of an hour,
 * and writes bench/results/venues.json (a partial run never overwrites the whole one's figures).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { KRAKEN_DEPTH_COUNT } from '../src/venues/kraken/client.ts';
import { BYBIT_DEPTH } from '../src/venues/bybit/limits.ts';
import { OKX_DEPTH } from '../src/venues/okx/limits.ts';
import { benchMarkets, venueMarkets, type VenueLevels } from './markets.ts';
import { lifetimePeakRssMb, RssSampler } from './memory.ts';
import { benchBackfill } from './parts/backfill.ts';
import { benchLoadVsCopy } from './parts/copy.ts';
import { benchLake, type LakePlan } from './parts/lake.ts';
import { benchRun } from './parts/run.ts';
import { benchSnapshot, type SnapshotResult } from './parts/snapshot.ts';
import { benchYear, type YearPlan } from './parts/year.ts';
import {
  evaluateTargets,
  renderResults,
  renderVenueResults,
  type BenchMeta,
  type BenchResults,
  type VenueBenchResults,
  type VenueSnapshots,
} from './report.ts';
import type { PgliteJob, PgliteResult } from './pglite-process.ts';
import { createBenchEnv, runJsonChild, unthrottledClients, type BenchEnv } from './setup.ts';
import type { Venue } from '../src/markets.ts';
import type { SimMarket } from '../src/simulator/index.ts';
import type { VenueClient } from '../src/venues/index.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

interface Plan {
  quick: boolean;
  markets: number;
  coinbaseLevels: number;
  binanceLevels: number;
  /** Part 1's Kraken, OKX and Bybit books, levels a side. */
  venueLevels: VenueLevels;
  backfillSnapshots: number;
  warmup: number;
  reps: number;
  runReps: number;
  backfillReps: number;
  year: YearPlan;
  lake: LakePlan;
}

const FULL: Plan = {
  quick: false,
  markets: 20,
  coinbaseLevels: 22_000,
  binanceLevels: 5000,
  // As deep as each venue answers: Kraken's count, OKX books-full's sz, Bybit spot's limit.
  venueLevels: { kraken: KRAKEN_DEPTH_COUNT, okx: OKX_DEPTH, bybit: BYBIT_DEPTH },
  backfillSnapshots: 200,
  warmup: 1,
  reps: 7,
  runReps: 3,
  backfillReps: 3,
  year: { days: 365, templateRuns: 4, levelDays: 30, reps: 5 },
  lake: { days: 30, reps: 3 },
};

/** Small enough for a smoke test: every part runs, every figure is produced, in seconds. */
const QUICK: Plan = {
  quick: true,
  markets: 4,
  coinbaseLevels: 500,
  binanceLevels: 200,
  venueLevels: { kraken: 100, okx: 300, bybit: 150 },
  backfillSnapshots: 8,
  warmup: 1,
  reps: 2,
  runReps: 1,
  backfillReps: 1,
  // Three days of level detail: the oldest are past LEVEL_COMPACT_AFTER_DAYS, so compaction runs too.
  year: { days: 3, templateRuns: 2, levelDays: 3, reps: 1 },
  lake: { days: 1, reps: 1 },
};

function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: npm run bench -- [--quick] [--out FILE] [--reps N] [--warehouse postgres|pglite] [--concurrency N] [--skip-year] [--only venues]\n`,
  );
  process.exit(2);
}

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) usage(`--${flag} must be a whole number ≥ 1, got ${value}`);
  return Number(value);
}

function step(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = (() => {
    try {
      return parseArgs({
        options: {
          quick: { type: 'boolean', default: false },
          out: { type: 'string' },
          reps: { type: 'string' },
          warehouse: { type: 'string', default: 'postgres' },
          concurrency: { type: 'string' },
          'skip-year': { type: 'boolean', default: false },
          only: { type: 'string' },
        },
        strict: true,
      });
    } catch (error) {
      return usage((error as Error).message);
    }
  })();
  const base = values.quick ? QUICK : FULL;
  const plan: Plan = { ...base, reps: wholeNumber('reps', values.reps, base.reps) };
  const concurrency = wholeNumber('concurrency', values.concurrency, 4);
  if (values.warehouse !== 'postgres' && values.warehouse !== 'pglite')
    usage(`--warehouse must be postgres or pglite, got ${values.warehouse}`);
  const adminUrl =
    values.warehouse === 'pglite'
      ? null
      : (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_URL);
  if (values.only !== undefined && values.only !== 'venues')
    usage(`--only must be venues (part 1's Kraken, OKX and Bybit books), got ${values.only}`);
  const only = values.only === 'venues';
  const out = path.resolve(
    values.out ?? path.join(ROOT, 'bench', 'results', only ? 'venues.json' : 'latest.json'),
  );
  const command = [
    'npm run bench',
    ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
  ].join(' ');
  if (only) {
    await benchVenuesOnly(plan, adminUrl, concurrency, out, command);
    return;
  }

  const startedAt = new Date();
  const loadStart = os.loadavg()[0] ?? 0;
  const rss = new RssSampler();
  const markets = benchMarkets({
    count: plan.markets,
    coinbaseLevels: plan.coinbaseLevels,
    binanceLevels: plan.binanceLevels,
  });
  const coinbaseMarket = markets[0];
  const binanceMarket = markets[1];
  if (!coinbaseMarket || !binanceMarket) throw new Error('bench needs a Coinbase and a Binance market');
  // Served by the simulator for part 1 only: MARKETS, and so the run and backfill parts, keep to
  // the 20 Coinbase and Binance markets their figures have always been taken on.
  const others = venueMarkets(plan.venueLevels);

  step(
    `starting: simulator with ${markets.length + others.length} markets, warehouse ${adminUrl ? 'PostgreSQL' : 'PGlite'}`,
  );
  const env = await createBenchEnv({ markets, extraMarkets: others, adminUrl, concurrency });
  let results: BenchResults;
  try {
    const postgres = await postgresVersion(env);
    const clients = unthrottledClients(env.config, env.log);
    const { warmup, reps } = plan;

    step(
      `1/6 one snapshot: ${[coinbaseMarket, binanceMarket, ...others].map((m) => `${m.venue}:${m.symbol}`).join(', ')}, ${warmup} warm-up + ${reps}`,
    );
    const coinbase = await benchSnapshot(env, clients.coinbase, coinbaseMarket, { warmup, reps, rss });
    const binance = await benchSnapshot(env, clients.binance, binanceMarket, { warmup, reps, rss });
    const venues = await snapshotVenues(env, clients, others, { warmup, reps, rss });

    step(`2/6 loader vs COPY: ${coinbase.result.levels} rows, ${warmup} warm-up + ${reps}`);
    const loadVsCopy = await benchLoadVsCopy(env, coinbase.last, { warmup, reps });

    step(`3/6 run of ${markets.length} markets: ${warmup} warm-up + ${plan.runReps}`);
    const run = await benchRun(env, { warmup, reps: plan.runReps, rss });

    step(`4/6 backfill of ${plan.backfillSnapshots} snapshots: ${warmup} warm-up + ${plan.backfillReps}`);
    const backfill = await benchBackfill(env, {
      snapshots: plan.backfillSnapshots,
      warmup,
      reps: plan.backfillReps,
      rss,
    });
    // Parts 1-4 run in this process; part 5 in its own, so the two figures do not mix.
    const peakRssMbPostgres = lifetimePeakRssMb();

    step(`5/6 PGlite load and derive (own process): ${warmup} warm-up + ${reps}`);
    const pglite = await runJsonChild<PgliteResult>('./pglite-process.ts', [
      JSON.stringify({
        simUrl: env.sim.url,
        markets: [coinbaseMarket, binanceMarket],
        concurrency,
        warmup,
        reps,
      } satisfies PgliteJob),
    ]);

    let year = null;
    if (adminUrl && !values['skip-year']) {
      step(
        `6/6 a year of hourly runs: ${markets.length} markets × ${plan.year.days} days, then the docs queries × ${plan.year.reps}`,
      );
      year = await benchYear(env, adminUrl, plan.year);
    } else {
      step(`6/6 a year of hourly runs: skipped (${adminUrl ? '--skip-year' : 'PostgreSQL only'})`);
    }

    step(
      `7 the lake: ${plan.lake.days} days of hourly ${coinbaseMarket.symbol} books exported to Parquet, then scanned`,
    );
    const lake = await benchLake(coinbaseMarket, plan.lake, env.log, concurrency);

    const partial: Omit<BenchResults, 'targets'> = {
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      quick: plan.quick,
      command,
      machine: machine(postgres, loadStart),
      settings: {
        warehouse: env.warehouse.kind,
        nodeFlags: process.execArgv,
        levelsWithinBps: 'all',
        concurrency,
        warmup,
        reps: {
          snapshot: reps,
          loadVsCopy: reps,
          run: plan.runReps,
          backfill: plan.backfillReps,
          pglite: reps,
        },
      },
      snapshot: { coinbase: coinbase.result, binance: binance.result, ...venues },
      loadVsCopy,
      run,
      backfill,
      pglite,
      peakRssMb: peakRssMbPostgres,
      year,
      lake,
    };
    results = { ...partial, targets: evaluateTargets(partial) };
  } finally {
    rss.stop();
    await env.close();
  }
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `${renderResults(results)}\n  figures written to ${path.relative(process.cwd(), out) || out}\n`,
  );
}

function machine(postgres: string | null, loadStart: number): BenchMeta['machine'] {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    postgres,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: {
      start: Math.round(loadStart * 100) / 100,
      end: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    },
  };
}

async function postgresVersion(env: BenchEnv): Promise<string | null> {
  if (env.warehouse.kind !== 'postgres') return null;
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(env.warehouse.db);
  return rows[0]?.v.replace(/ on .*/, '') ?? null;
}

/** Part 1 for Kraken, OKX and Bybit: the same stages as Coinbase's and Binance's books. */
async function snapshotVenues(
  env: BenchEnv,
  clients: Record<Venue, VenueClient>,
  markets: SimMarket[],
  options: { warmup: number; reps: number; rss: RssSampler },
): Promise<VenueSnapshots> {
  const results: Partial<Record<Venue, SnapshotResult>> = {};
  for (const market of markets)
    results[market.venue] = (await benchSnapshot(env, clients[market.venue], market, options)).result;
  const { kraken, okx, bybit } = results;
  if (!kraken || !okx || !bybit) throw new Error('bench: part 1 needs a Kraken, an OKX and a Bybit market');
  return { kraken, okx, bybit };
}

/** `--only venues`: part 1's Kraken, OKX and Bybit books, nothing else. */
async function benchVenuesOnly(
  plan: Plan,
  adminUrl: string | null,
  concurrency: number,
  out: string,
  command: string,
): Promise<void> {
  const startedAt = new Date();
  const loadStart = os.loadavg()[0] ?? 0;
  const rss = new RssSampler();
  const markets = venueMarkets(plan.venueLevels);
  step(`starting: simulator with ${markets.length} markets, warehouse ${adminUrl ? 'PostgreSQL' : 'PGlite'}`);
  const env = await createBenchEnv({ markets, adminUrl, concurrency });
  let results: VenueBenchResults;
  try {
    const postgres = await postgresVersion(env);
    const { warmup, reps } = plan;
    step(
      `1 one snapshot: ${markets.map((m) => `${m.venue}:${m.symbol}`).join(', ')}, ${warmup} warm-up + ${reps}`,
    );
    const snapshot = await snapshotVenues(env, unthrottledClients(env.config, env.log), markets, {
      warmup,
      reps,
      rss,
    });
    results = {
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      quick: plan.quick,
      command,
      machine: machine(postgres, loadStart),
      settings: {
        warehouse: env.warehouse.kind,
        nodeFlags: process.execArgv,
        levelsWithinBps: 'all',
        concurrency,
        warmup,
        reps: { snapshot: reps },
      },
      only: 'venues',
      snapshot,
      peakRssMb: lifetimePeakRssMb(),
    };
  } finally {
    rss.stop();
    await env.close();
  }
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `${renderVenueResults(results)}\n  figures written to ${path.relative(process.cwd(), out) || out}\n`,
  );
}

try {
  await main();
} catch (error) {
  process.stderr.write(
    `bench: ${error instanceof Error ? error.message : String(error)}\n` +
      'It needs a PostgreSQL server it may create a database on: set BENCH_DATABASE_URL ' +
      '(or TEST_DATABASE_URL), or run everything on embedded PGlite with --warehouse pglite.\n',
  );
  process.exitCode = 1;
}
