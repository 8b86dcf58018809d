/** The bench's results: the JSON it writes, the targets (issues 6 and 13), and the tables it prints. */
import { renderTable, type Cell, type Column } from '../src/report/table.ts';
import type { BackfillPhase, BackfillResult } from './parts/backfill.ts';
import type { LoadVsCopyResult } from './parts/copy.ts';
import type { LakeResult } from './parts/lake.ts';
import type { RunResult } from './parts/run.ts';
import type { SnapshotResult } from './parts/snapshot.ts';
import type { YearResult } from './parts/year.ts';
import type { PgliteResult } from './pglite-process.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryMb: number;
  node: string;
  postgres: string | null;
  platform: string;
  /** 1-minute load average before and after: above the core count, the figures were taken under load. */
  loadAverage: { start: number; end: number };
}

export interface Target {
  name: string;
  target: string;
  value: number;
  unit: string;
  met: boolean;
}

/** What every results file starts with, the whole bench's and `--only venues`'. */
export interface BenchMeta {
  startedAt: string;
  durationMs: number;
  quick: boolean;
  command: string;
  machine: Machine;
  settings: {
    warehouse: string;
    /** V8 flags of the bench process (and its children): `npm run bench` runs as `npm run etl` does. */
    nodeFlags: string[];
    levelsWithinBps: 'all';
    concurrency: number;
    warmup: number;
    reps: { snapshot: number };
  };
}

/** Part 1's books of the venues added after Coinbase and Binance, each as deep as it answers. */
export interface VenueSnapshots {
  kraken: SnapshotResult;
  okx: SnapshotResult;
  bybit: SnapshotResult;
}

export interface BenchResults extends BenchMeta {
  settings: BenchMeta['settings'] & {
    reps: { snapshot: number; loadVsCopy: number; run: number; backfill: number; pglite: number };
  };
  snapshot: { coinbase: SnapshotResult; binance: SnapshotResult } & VenueSnapshots;
  loadVsCopy: LoadVsCopyResult;
  run: RunResult;
  backfill: BackfillResult;
  /** Part 5, run in a process of its own; its peakRssMb is that process's. */
  pglite: PgliteResult;
  /** Highest RSS the kernel saw for the bench process, which ran parts 1-4 (PostgreSQL). */
  peakRssMb: number;
  /** Part 6, a year of hourly runs (PostgreSQL only: null on --warehouse pglite). */
  year: YearResult | null;
  /** Part 7: a month of one market exported to the Parquet lake and scanned by DuckDB. */
  lake: LakeResult;
  targets: Target[];
}

export function evaluateTargets(r: Omit<BenchResults, 'targets'>): Target[] {
  return [
    {
      name: 'loader time / COPY time (same rows)',
      target: '≤ 1.1',
      value: r.loadVsCopy.ratio,
      unit: '×',
      met: r.loadVsCopy.ratio <= 1.1,
    },
    {
      name: `one ${r.snapshot.coinbase.levels.toLocaleString('en-US')}-level snapshot, fetch to derived rows`,
      target: '≤ 1000 ms',
      value: r.snapshot.coinbase.endToEndMs.median,
      unit: 'ms',
      met: r.snapshot.coinbase.endToEndMs.median <= 1000,
    },
    {
      name: `run of ${r.run.markets} markets, full-size books`,
      target: '≤ 10000 ms',
      value: r.run.wallMs.median,
      unit: 'ms',
      met: r.run.wallMs.median <= 10_000,
    },
    {
      name: `backfill of ${r.backfill.snapshots} snapshots`,
      target: '≥ 450000 levels/s',
      value: r.backfill.levelsPerSec,
      unit: 'levels/s',
      met: r.backfill.levelsPerSec >= 450_000,
    },
    {
      name: `peak RSS, parts 1-4 (${r.settings.warehouse === 'postgres' ? 'PostgreSQL' : 'PGlite'})`,
      target: '≤ 300 MB',
      value: r.peakRssMb,
      unit: 'MB',
      met: r.peakRssMb <= 300,
    },
    {
      name: 'peak RSS, part 5 (embedded PGlite: load and derive, own process)',
      target: '≤ 300 MB',
      value: r.pglite.peakRssMb,
      unit: 'MB',
      met: r.pglite.peakRssMb <= 300,
    },
    ...yearTargets(r.year),
    {
      name: `lake export of ${r.lake.snapshots} ${r.lake.market} books`,
      target: '≥ 300000 levels/s',
      value: r.lake.levelsPerSec,
      unit: 'levels/s',
      met: r.lake.levelsPerSec >= 300_000,
    },
    {
      name: 'lake Parquet bytes / raw gzip bytes, same books',
      target: '≤ 1',
      value: r.lake.bytesRatio,
      unit: '×',
      met: r.lake.bytesRatio <= 1,
    },
  ];
}

function lakeTable(l: LakeResult): string[] {
  return [
    '',
    table(
      `7. The lake: ${n(l.snapshots)} hourly ${l.market} books (${n(l.levels)} levels), lake export, then DuckDB (medians of ${l.scan.parquetMs.samples.length})`,
      [
        left('export s'),
        right('levels/s'),
        right('raw gzip MB'),
        right('Parquet MB'),
        right('Parquet/raw'),
        right('scan Parquet ms'),
        right('scan raw JSON ms'),
        right('JSON/Parquet'),
      ],
      [
        cells(
          n(l.exportMs / 1000, 1),
          n(l.levelsPerSec),
          n(l.rawGzipBytes / 1024 / 1024, 1),
          n(l.parquetBytes / 1024 / 1024, 1),
          n(l.bytesRatio, 2),
          ms(l.scan.parquetMs.median),
          ms(l.scan.rawJsonMs.median),
          `${n(l.scan.ratio, 1)}×`,
        ),
      ],
    ),
    `   scan: ${l.scan.query}`,
  ];
}

function yearTargets(year: YearResult | null): Target[] {
  if (!year) return [];
  const slowest = year.queries.reduce((a, q) => (q.ms.median > a.ms.median ? q : a));
  return [
    {
      name: `slowest docs query on a year of ${year.markets} markets (${slowest.where})`,
      target: '≤ 100 ms',
      value: slowest.ms.median,
      unit: 'ms',
      met: slowest.ms.median <= 100,
    },
    {
      name: 'warehouse per Coinbase-size market-year, at the defaults',
      target: '≤ 2048 MB',
      value: year.perMarketYearMb.total,
      unit: 'MB',
      met: year.perMarketYearMb.total <= 2048,
    },
    {
      name: 'derived tables of it',
      target: '≤ 100 MB',
      value: year.perMarketYearMb.derived,
      unit: 'MB',
      met: year.perMarketYearMb.derived <= 100,
    },
  ];
}

function yearTables(y: YearResult): string[] {
  return [
    '',
    table(
      `6. A year of hourly runs: ${n(y.markets)} markets × ${n(y.days)} days (${n(y.snapshots)} snapshots, ${n(y.levelRows)} levels: ` +
        `the first market's last ${n(y.levelDays)} days, every market's last day), built in ${n(y.buildSeconds, 1)} s, database ${n(y.databaseMb)} MB`,
      [left('docs query (as orderbook_reader)'), left('where'), right('rows'), right('median ms')],
      y.queries.map((q) => cells(q.head, q.where, n(q.rows), ms(q.ms.median))),
    ),
    '',
    table(
      `   Size per Coinbase-size market-year (${n(y.levelsPerCoinbaseSnapshot)} levels a snapshot): measured bytes a row × rows a year`,
      [left('table'), right('bytes/row'), right('rows/market-year'), right('MB/market-year')],
      y.tables.map((t) =>
        cells(t.table, n(t.bytesPerRow, 1), n(t.rowsPerMarketYear), n(t.mbPerMarketYear, 1)),
      ),
    ),
    `   total ${n(y.perMarketYearMb.total, 1)} MB: levels ${n(y.perMarketYearMb.levels, 1)} (${n(y.bytesPerLevel, 1)} bytes a level), derived ${n(y.perMarketYearMb.derived, 1)}, snapshots ${n(y.perMarketYearMb.snapshots, 1)}, trades ${n(y.perMarketYearMb.trades, 1)}`,
  ];
}

const n = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const ms = (value: number): string => n(value, value < 100 ? 1 : 0);
const right = (header: string): Column => ({ header, align: 'right' });
const left = (header: string): Column => ({ header, align: 'left' });
const cells = (...texts: string[]): Cell[] => texts.map((text) => ({ text }));

function table(title: string, columns: Column[], rows: Cell[][]): string {
  return [title, ...renderTable(columns, rows, { color: false, indent: 2 })].join('\n');
}

/** `npm run bench -- --only venues`: part 1 for Kraken, OKX and Bybit alone. */
export interface VenueBenchResults extends BenchMeta {
  only: 'venues';
  snapshot: VenueSnapshots;
  /** Highest RSS the kernel saw for the bench process (part 1's books only). */
  peakRssMb: number;
}

function snapshotTable(reps: number, snapshots: SnapshotResult[]): string {
  return table(
    `1. One full-size snapshot (ms; medians of ${reps})`,
    [
      left('market'),
      right('levels'),
      right('MB'),
      right('fetch'),
      right('raw put'),
      right('parse'),
      right('load'),
      right('derive'),
      right('end to end'),
      right('peak RSS MB'),
    ],
    snapshots.map((s) =>
      cells(
        `${s.venue}:${s.market}`,
        n(s.levels),
        n(s.bodyBytes / 1024 / 1024, 2),
        ms(s.fetchMs.median),
        ms(s.putMs.median),
        ms(s.parseMs.median),
        ms(s.loadMs.median),
        ms(s.deriveMs.median),
        ms(s.endToEndMs.median),
        n(s.peakRssMb.median),
      ),
    ),
  );
}

function header(r: BenchMeta, what: string): string[] {
  const m = r.machine;
  return [
    `orderbook-etl bench${what}${r.quick ? ' (--quick: smoke sizes, not comparable to the targets)' : ''}`,
    `  ${m.cpus} × ${m.cpuModel}, ${n(m.memoryMb)} MB, Node ${m.node}, ${m.postgres ?? 'no PostgreSQL'}; ` +
      `load average ${m.loadAverage.start} → ${m.loadAverage.end}`,
    `  warehouse ${r.settings.warehouse}; medians after ${r.settings.warmup} warm-up; LEVELS_WITHIN_BPS=all, CONCURRENCY=${r.settings.concurrency}; node ${r.settings.nodeFlags.join(' ') || '(no flags)'}`,
  ];
}

export function renderVenueResults(r: VenueBenchResults): string {
  const { kraken, okx, bybit } = r.snapshot;
  return [
    ...header(r, ' --only venues'),
    '',
    snapshotTable(r.settings.reps.snapshot, [kraken, okx, bybit]),
    '',
    `  peak RSS (kernel maxrss): ${n(r.peakRssMb)} MB; ${n(r.durationMs / 1000, 1)} s in all`,
  ].join('\n');
}

/** Part 4's two phases with their CPU, and the ceiling the cores put on levels/s. */
function backfillCpuLines(b: BackfillResult): string[] {
  const phase = (name: string, p: BackfillPhase) =>
    `  ${name} ${n(p.ms / 1000, 2)} s: cores ${n(p.cpu.busyShare * 100)}% busy, ${n(p.cpu.busyS, 1)} CPU s (this process ${n(p.cpu.processS, 1)}, the rest the database's)`;
  return [
    phase('load (list, read, gunzip, parse, COPY)', b.phases.load),
    phase('derive (metrics, splits, forecasts, retention)', b.phases.derive),
    `  at this CPU per level, ${b.phases.load.cpu.cores} cores busy all along would give at most ${n(b.cpuBoundLevelsPerSec)} levels/s`,
  ];
}

export function renderResults(r: BenchResults): string {
  const { coinbase, binance, kraken, okx, bybit } = r.snapshot;
  const c = r.loadVsCopy;
  const b = r.backfill;
  const pgliteRows = [r.pglite.coinbase, r.pglite.binance].map((p) =>
    cells(p.market, n(p.levels), ms(p.loadMs.median), ms(p.deriveMs.median), n(p.levelsPerSec.median)),
  );
  const reps = r.settings.reps;
  return [
    ...header(r, ''),
    '',
    snapshotTable(reps.snapshot, [coinbase, binance, kraken, okx, bybit]),
    '',
    table(
      `2. Level load vs COPY, same rows, same table (medians of ${reps.loadVsCopy})`,
      [
        left('market'),
        right('rows'),
        right('loader ms'),
        right('COPY ms'),
        right('loader rows/s'),
        right('COPY rows/s'),
        right('loader/COPY'),
      ],
      [
        cells(
          c.market,
          n(c.rows),
          ms(c.loaderMs.median),
          ms(c.copyMs.median),
          n(c.loaderRowsPerSec),
          n(c.copyRowsPerSec),
          n(c.ratio, 2),
        ),
      ],
    ),
    '',
    table(
      `3. Full run (runOnce), full-size books (medians of ${reps.run})`,
      [left('markets'), right('levels'), right('wall ms'), right('levels/s'), right('peak RSS MB')],
      [
        cells(
          `${r.run.markets} at CONCURRENCY ${r.run.concurrency}`,
          n(r.run.levels),
          ms(r.run.wallMs.median),
          n(r.run.levelsPerSec),
          n(r.run.peakRssMb.median),
        ),
      ],
    ),
    '',
    table(
      `4. Backfill from raw (medians of ${reps.backfill})`,
      [
        left('snapshots'),
        right('levels'),
        right('seconds'),
        right('snapshots/s'),
        right('levels/s'),
        right('peak RSS MB'),
        right('RSS MB at 25/50/75/100% · derived'),
      ],
      [
        cells(
          n(b.snapshots),
          n(b.levels),
          n(b.durationMs.median / 1000, 2),
          n(b.snapshotsPerSec, 1),
          n(b.levelsPerSec),
          n(b.peakRssMb.median),
          `${n(b.rssMbAt['25%'])} / ${n(b.rssMbAt['50%'])} / ${n(b.rssMbAt['75%'])} / ${n(b.rssMbAt['100%'])} · ${n(b.rssMbAt.derived)}`,
        ),
      ],
    ),
    ...backfillCpuLines(b),
    '',
    table(
      `5. The same load and derive on embedded PGlite, in its own process (ms; medians of ${reps.pglite})`,
      [left('market'), right('levels'), right('load'), right('derive'), right('levels/s loaded')],
      pgliteRows,
    ),
    ...(r.year ? yearTables(r.year) : []),
    ...lakeTable(r.lake),
    '',
    table(
      `Targets${r.quick ? ' (quick sizes: informational only)' : ''}`,
      [left('measure'), right('target'), right('value'), left('')],
      r.targets.map((t) =>
        cells(t.name, t.target, `${n(t.value, t.unit === '×' ? 2 : 0)} ${t.unit}`, t.met ? 'met' : 'MISSED'),
      ),
    ),
    '',
    `  peak RSS (kernel maxrss): ${n(r.peakRssMb)} MB parts 1-4, ${n(r.pglite.peakRssMb)} MB part 5 (its own process); ${n(r.durationMs / 1000, 1)} s in all`,
    `  first start of an empty embedded PGlite (initdb, once per DATA_DIR, own process): ${n(r.pglite.firstStartPeakRssMb)} MB peak RSS`,
  ].join('\n');
}
