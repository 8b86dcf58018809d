/**
 * The bench itself is not a test (its figures come from `npm run bench`, never from a timed
 * unit test). This runs it once in --quick mode, the way a user would, and checks it produces
 * every measure with sane values: that the harness works, not how fast anything is.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../bench/parts/snapshot.ts';
import type { BenchResults, VenueBenchResults, VenueSnapshots } from '../../bench/report.ts';
import type { Sampled } from '../../bench/stats.ts';
import { finish, start } from '../helpers/child.ts';
import { useTestDatabase } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const testDb = useTestDatabase();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runBench(args: string[], env: Record<string, string>) {
  const bench = start(process.execPath, ['bench/index.ts', ...args], { ...process.env, ...env }, ROOT);
  const { code, stdout, stderr } = await finish(bench, 'the bench');
  return { code, out: stdout, err: stderr };
}

/** A median of positive, finite figures, with one figure per repetition. */
function expectSampled(s: Sampled, reps: number): void {
  expect(s.samples).toHaveLength(reps);
  for (const v of [s.median, ...s.samples]) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
  }
  expect(s.median).toBeGreaterThanOrEqual(Math.min(...s.samples));
  expect(s.median).toBeLessThanOrEqual(Math.max(...s.samples));
}

/** Part 1's figures of one book: every stage timed each repetition, gzip smaller than the body. */
function expectSnapshot(s: SnapshotResult, reps: number): void {
  expect(s.levels).toBeGreaterThan(0);
  expect(s.bodyBytes).toBeGreaterThan(s.rawBytes); // gzip made it smaller
  for (const m of [s.fetchMs, s.putMs, s.parseMs, s.loadMs, s.deriveMs, s.endToEndMs, s.peakRssMb]) {
    expectSampled(m, reps);
  }
  // End to end covers the five stages back to back.
  const stages = s.fetchMs.median + s.putMs.median + s.parseMs.median + s.loadMs.median + s.deriveMs.median;
  expect(s.endToEndMs.median).toBeGreaterThanOrEqual(stages * 0.5);
}

/** The --quick books of Kraken, OKX and Bybit: 100, 300 and 150 levels a side, the BTC markets. */
function expectVenueBooks(snapshot: VenueSnapshots): void {
  expect([snapshot.kraken, snapshot.okx, snapshot.bybit].map((s) => [s.venue, s.market, s.levels])).toEqual([
    ['kraken', 'XBTUSD', 200],
    ['okx', 'BTC-USDT', 600],
    ['bybit', 'BTCUSDT', 300],
  ]);
}

describe('npm run bench -- --quick', () => {
  it('measures every part and writes every figure to the JSON file', async () => {
    const out = path.join(dir, 'quick.json');
    // The bench makes (and drops) its own database on the test server; with no server, PGlite.
    const args = ['--quick', '--out', out];
    const env: Record<string, string> = {};
    if (testDb.databaseUrl) env.BENCH_DATABASE_URL = testDb.databaseUrl;
    else args.push('--warehouse', 'pglite');
    const { code, out: stdout, err } = await runBench(args, env);
    expect(code, err).toBe(0);

    const r = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
    expect(r.quick).toBe(true);
    expect(r.settings.warehouse).toBe(testDb.kind);
    const reps = r.settings.reps;

    expect(Object.keys(r.snapshot)).toEqual(['coinbase', 'binance', 'kraken', 'okx', 'bybit']);
    const { coinbase, binance, kraken, okx, bybit } = r.snapshot;
    for (const s of [coinbase, binance, kraken, okx, bybit]) expectSnapshot(s, reps.snapshot);
    expect(r.snapshot.coinbase.levels).toBeGreaterThan(r.snapshot.binance.levels);
    expectVenueBooks(r.snapshot);

    const c = r.loadVsCopy;
    expect(c.rows).toBe(r.snapshot.coinbase.levels);
    expectSampled(c.loaderMs, reps.loadVsCopy);
    expectSampled(c.copyMs, reps.loadVsCopy);
    expect(c.ratio).toBeCloseTo(c.loaderMs.median / c.copyMs.median, 2);
    expect(c.loaderRowsPerSec).toBeGreaterThan(0);
    expect(c.copyRowsPerSec).toBeGreaterThan(0);

    expect(r.run.markets).toBe(4);
    expect(r.run.levels).toBeGreaterThan(0);
    expectSampled(r.run.wallMs, reps.run);
    expectSampled(r.run.peakRssMb, reps.run);

    const b = r.backfill;
    expect(b.snapshots).toBe(8);
    expect(b.levels).toBeGreaterThan(0);
    expectSampled(b.durationMs, reps.backfill);
    expect(b.snapshotsPerSec).toBeCloseTo((b.snapshots / b.durationMs.median) * 1000, 0);
    expect(b.levelsPerSec).toBeGreaterThan(0);
    for (const v of Object.values(b.rssMbAt)) expect(v).toBeGreaterThan(0);
    // The median repetition's two phases fit in its time, each with the CPU it took.
    expect(b.phases.load.ms + b.phases.derive.ms).toBeLessThanOrEqual(Math.max(...b.durationMs.samples) + 1);
    for (const { ms, cpu } of [b.phases.load, b.phases.derive]) {
      expect(ms).toBeGreaterThan(0);
      expect(cpu.cores).toBeGreaterThanOrEqual(1);
      expect(cpu.busyShare).toBeGreaterThan(0);
      expect(cpu.busyShare).toBeLessThanOrEqual(1);
      expect(cpu.processS).toBeGreaterThan(0);
      // The cores' busy time includes this process's own, and no core is busier than the wall
      // clock; the cores count in clock ticks (10 ms each, per core, at either mark).
      expect(cpu.processS).toBeLessThanOrEqual(cpu.busyS + 0.03 * cpu.cores);
      expect(cpu.busyS).toBeLessThanOrEqual((cpu.cores * ms) / 1000 + 0.03 * cpu.cores);
    }
    // The ceiling is the job's levels on every core at its measured busy time.
    const busyS = b.phases.load.cpu.busyS + b.phases.derive.cpu.busyS;
    expect(b.cpuBoundLevelsPerSec).toBeCloseTo((b.levels * b.phases.load.cpu.cores) / busyS, -1);

    for (const p of [r.pglite.coinbase, r.pglite.binance]) {
      expect(p.levels).toBeGreaterThan(0);
      expectSampled(p.loadMs, reps.pglite);
      expectSampled(p.deriveMs, reps.pglite);
    }

    expect(r.peakRssMb).toBeGreaterThan(0);
    expect(r.pglite.peakRssMb).toBeGreaterThan(0);
    expect(r.pglite.firstStartPeakRssMb).toBeGreaterThan(0);
    // Part 6, a year of hourly runs, needs a PostgreSQL server.
    const y = r.year;
    if (testDb.kind === 'postgres') {
      expect(y).not.toBeNull();
      if (!y) return;
      expect(y.markets).toBe(4);
      // The template runs and one run an hour before them, every market each time.
      expect(y.snapshots).toBe(4 * (y.templateRuns + y.days * 24));
      expect(y.levelRows).toBeGreaterThan(0);
      expect(y.levelsPerCoinbaseSnapshot).toBeGreaterThan(0);
      // The window as the defaults leave it: the newest days as rows, the older ones compact.
      expect(y.tables.map((t) => t.table)).toEqual(
        expect.arrayContaining(['fact_level', 'fact_level_compact']),
      );
      expect(y.bytesPerLevel).toBeGreaterThan(0);
      for (const t of y.tables) {
        expect(t.rows, t.table).toBeGreaterThan(0);
        expect(t.bytesPerRow, t.table).toBeGreaterThan(0);
        expect(t.mbPerMarketYear, t.table).toBeGreaterThan(0);
      }
      expect(y.perMarketYearMb.total).toBeCloseTo(
        y.perMarketYearMb.levels +
          y.perMarketYearMb.derived +
          y.perMarketYearMb.snapshots +
          y.perMarketYearMb.trades,
        0,
      );
      // Every docs example ran on the year, as orderbook_reader, and found rows.
      expect(y.queries.length).toBeGreaterThan(10);
      for (const q of y.queries) {
        expect(q.rows, q.where).toBeGreaterThan(0);
        expectSampled(q.ms, 1);
      }
      expect(stdout).toContain('6. A year of hourly runs');
    } else {
      expect(y).toBeNull();
    }
    expect(r.targets.map((t) => t.unit)).toEqual([
      '×',
      'ms',
      'ms',
      'levels/s',
      'MB',
      'MB',
      ...(y ? ['ms', 'MB', 'MB'] : []),
      'levels/s',
      '×',
    ]);
    // Part 7: the lake export of a day of one market, its bytes, and DuckDB over both lakes.
    expect(r.lake.levels).toBeGreaterThan(0);
    expect(r.lake.parquetBytes).toBeGreaterThan(0);
    expect(r.lake.rawGzipBytes).toBeGreaterThan(0);
    expectSampled(r.lake.scan.parquetMs, 1);
    expectSampled(r.lake.scan.rawJsonMs, 1);
    expect(stdout).toContain('7. The lake');
    for (const t of r.targets) {
      expect(Number.isFinite(t.value)).toBe(true);
      expect(typeof t.met).toBe('boolean');
    }
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);

    // The table a user reads: part 1 has a row for each venue.
    for (const row of [
      'coinbase:BTC-USD',
      'binance:BTCUSDT',
      'kraken:XBTUSD',
      'okx:BTC-USDT',
      'bybit:BTCUSDT',
    ])
      expect(stdout).toContain(row);
    for (const heading of [
      '1. One full-size snapshot',
      '2. Level load vs COPY',
      '3. Full run',
      '4. Backfill',
      '5. ',
      'Targets',
    ]) {
      expect(stdout).toContain(heading);
    }
  }, 90_000);
});

describe('npm run bench -- --only venues', () => {
  it('times part 1 for Kraken, OKX and Bybit alone and writes them to their own JSON file', async () => {
    const out = path.join(dir, 'venues.json');
    const args = ['--quick', '--only', 'venues', '--out', out];
    const env: Record<string, string> = {};
    if (testDb.databaseUrl) env.BENCH_DATABASE_URL = testDb.databaseUrl;
    else args.push('--warehouse', 'pglite');
    const { code, out: stdout, err } = await runBench(args, env);
    expect(code, err).toBe(0);

    const r = JSON.parse(await readFile(out, 'utf8')) as VenueBenchResults;
    expect(r.only).toBe('venues');
    expect(r.quick).toBe(true);
    expect(r.settings.warehouse).toBe(testDb.kind);
    expect(r.settings.reps).toEqual({ snapshot: 2 });
    // Part 1's three books and nothing of the other parts.
    expect(Object.keys(r).sort()).toEqual(
      [
        'command',
        'durationMs',
        'machine',
        'only',
        'peakRssMb',
        'quick',
        'settings',
        'snapshot',
        'startedAt',
      ].sort(),
    );
    expect(Object.keys(r.snapshot)).toEqual(['kraken', 'okx', 'bybit']);
    const { kraken, okx, bybit } = r.snapshot;
    for (const s of [kraken, okx, bybit]) expectSnapshot(s, r.settings.reps.snapshot);
    expectVenueBooks(r.snapshot);
    expect(r.peakRssMb).toBeGreaterThan(0);
    expect(r.command).toBe(
      'npm run bench -- --quick --only venues --out ' +
        out +
        (args.includes('pglite') ? ' --warehouse pglite' : ''),
    );

    for (const row of ['1. One full-size snapshot', 'kraken:XBTUSD', 'okx:BTC-USDT', 'bybit:BTCUSDT'])
      expect(stdout).toContain(row);
    expect(stdout).not.toContain('coinbase:');
    expect(stdout).not.toContain('2. Level load vs COPY');
  }, 60_000);

  it('refuses a part it does not know, naming the one it takes', async () => {
    const { code, err } = await runBench(['--only', 'run'], {});
    expect(code).toBe(2);
    expect(err).toContain('--only must be venues');
    expect(err).toContain('[--only venues]');
  }, 30_000);
});
