/**
 * `npm run lake -- export`: the raw store's books and trades as Parquet tables in the lake. It
 * lists the raw store as backfill does (same filters, same pruning, streamed), one partition
 * (exchange × market × day) at a time: the partition's manifest says which raw objects are in
 * already, the rest are read, parsed as the warehouse parses them, staged in DuckDB and written
 * as files sorted by time (files.ts), then the manifest is written. A rerun reads manifests and
 * writes nothing; a killed export leaves whole files only and the next run takes up where the
 * files say it stopped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { Venue } from '../markets.ts';
import {
  listSnapshots,
  listTrades,
  parseSnapshotKey,
  parseTradesKey,
  RawStoreError,
  type RawStore,
  type SnapshotKeyParts,
} from '../raw/index.ts';
import { forEachConcurrent } from '../util/pool.ts';
import { LakeEngine } from './engine.ts';
import { BookTableFiles, download, Exclusive, partFiles, publish, type LakeContext } from './files.ts';
import { manifestKey, partitionLabel, samePartition, type ManifestKind, type Partition } from './layout.ts';
import { readManifest, writeManifest, type Skipped } from './manifest.ts';
import type { LakeProgress } from './progress.ts';
import { readBook, readTradeRows } from './rows.ts';
import { LEVELS, partFile, partNumber, TOP, TRADES, type LakeTableName } from './schema.ts';

export interface LakeExportOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  exchange?: Venue | undefined;
  market?: string | undefined;
  /** Raw objects read at once; default CONCURRENCY. */
  concurrency?: number;
  /** Rows that make a file full, per table (the defaults are in schema.ts). */
  fileRows?: Partial<Record<LakeTableName, number>>;
}

export interface LakeExportDeps {
  config: { concurrency: number };
  log: Logger;
  raw: RawStore;
  lake: RawStore;
  progress?: LakeProgress;
  /** DuckDB's threads (default: the cores, at most 4) and memory cap (default 512MB). */
  engine?: { threads?: number; memoryLimit?: string };
}

export interface KeyProblem {
  key: string;
  reason: string;
}

export interface KindCounts {
  listed: number;
  /** Objects whose rows this export wrote. */
  exported: number;
  alreadyExported: number;
  /** Objects that give no rows (recorded in the manifest): error responses, bodies that are no book. */
  skipped: number;
}

export interface LakeExportSummary {
  books: KindCounts;
  trades: KindCounts;
  /** Level rows written by this export (rows rewritten with an open file not counted). */
  levels: number;
  /** Trades this export added (a trade another fetch already gave is not added again). */
  tradesAdded: number;
  files: number;
  bytes: number;
  /** Objects whose values do not fit the lake's DECIMAL columns: never rounded, not exported. */
  refused: KeyProblem[];
  /** What could not be done (a raw object unreadable, a partition or a listing that failed): run again. */
  failed: KeyProblem[];
  durationMs: number;
}

const counts = (): KindCounts => ({ listed: 0, exported: 0, alreadyExported: 0, skipped: 0 });

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Run {
  deps: LakeExportDeps;
  ctx: LakeContext;
  options: LakeExportOptions;
  summary: LakeExportSummary;
  concurrency: number;
  rows: (table: LakeTableName) => number;
}

export async function exportLake(
  deps: LakeExportDeps,
  options: LakeExportOptions = {},
): Promise<LakeExportSummary> {
  const started = performance.now();
  const summary: LakeExportSummary = {
    books: counts(),
    trades: counts(),
    levels: 0,
    tradesAdded: 0,
    files: 0,
    bytes: 0,
    refused: [],
    failed: [],
    durationMs: 0,
  };
  const log = deps.log.child({ job: 'lake-export' });
  log.info({ ...options, rawStore: deps.raw.location, lake: deps.lake.location }, 'lake export started');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'obetl-lake-'));
  let engine: LakeEngine | undefined;
  try {
    engine = await LakeEngine.open({
      workDir,
      threads: deps.engine?.threads ?? Math.min(4, os.availableParallelism()),
      memoryLimit: deps.engine?.memoryLimit ?? '512MB',
    });
    const ctx: LakeContext = {
      lake: deps.lake,
      engine,
      exclusive: new Exclusive(),
      log,
      published: { files: 0, bytes: 0 },
    };
    const defaults = { levels: LEVELS.fileRows, top: TOP.fileRows, trades: TRADES.fileRows };
    const run: Run = {
      deps,
      ctx,
      options,
      summary,
      concurrency: Math.max(1, options.concurrency ?? deps.config.concurrency),
      rows: (table) => Math.max(1, options.fileRows?.[table] ?? defaults[table]),
    };
    const filter = { from: options.from, to: options.to, exchange: options.exchange, market: options.market };
    deps.progress?.phase('books');
    await eachPartition(run, 'books', listSnapshots(deps.raw, filter), parseSnapshotKey, exportBooks);
    deps.progress?.phase('trades');
    await eachPartition(run, 'trades', listTrades(deps.raw, filter), parseTradesKey, exportTrades);
    summary.files = ctx.published.files;
    summary.bytes = ctx.published.bytes;
  } finally {
    engine?.close();
    await rm(workDir, { recursive: true, force: true });
    deps.progress?.finish();
  }
  summary.durationMs = Math.round(performance.now() - started);
  const fields = {
    books: summary.books,
    trades: summary.trades,
    levels: summary.levels,
    tradesAdded: summary.tradesAdded,
    files: summary.files,
    bytes: summary.bytes,
    refused: summary.refused.length,
    failed: summary.failed.length,
    failedKeys: summary.failed.map((f) => f.key),
    durationMs: summary.durationMs,
    levelsPerSecond: summary.durationMs > 0 ? Math.round((summary.levels / summary.durationMs) * 1000) : 0,
  };
  if (summary.failed.length > 0 || summary.refused.length > 0) log.warn(fields, 'lake export finished');
  else log.info(fields, 'lake export finished');
  return summary;
}

/**
 * Groups the listing (ordered by exchange, market, time) by partition and exports each in turn:
 * staged rows are a partition's alone, so that a file takes a contiguous run of them.
 */
async function eachPartition(
  run: Run,
  kind: ManifestKind,
  listing: AsyncGenerator<string>,
  parse: (key: string) => SnapshotKeyParts | null,
  work: (run: Run, p: Partition, keys: string[]) => Promise<void>,
): Promise<void> {
  let current: { p: Partition; keys: string[] } | null = null;
  const finish = async (group: { p: Partition; keys: string[] }) => {
    try {
      await work(run, group.p, group.keys);
    } catch (error) {
      // The partition stays as its files and manifest say: the next run takes it up again.
      const key = manifestKey(kind, group.p);
      run.summary.failed.push({ key, reason: message(error) });
      run.ctx.log.error(
        { partition: partitionLabel(group.p), kind, err: error },
        'lake partition not exported',
      );
    }
  };
  let listed = 0;
  let at = '';
  try {
    for await (const key of listing) {
      at = key;
      const parts = parse(key);
      if (!parts) continue;
      listed++;
      run.deps.progress?.listed(listed);
      const p = { exchange: parts.exchange, market: parts.market, date: parts.at.toISOString().slice(0, 10) };
      if (current && !samePartition(current.p, p)) {
        await finish(current);
        current = null;
      }
      current ??= { p, keys: [] };
      current.keys.push(key);
    }
  } catch (error) {
    const where = error instanceof RawStoreError ? error.key : at ? `after ${at}` : '(listing)';
    run.summary.failed.push({ key: where, reason: `listing stopped: ${message(error)}` });
    run.ctx.log.error({ rawKey: where, err: error }, 'raw store listing failed');
  }
  if (current) await finish(current);
}

/** Records an object that gives no rows; refused ones (a value that does not fit) are reported loudly. */
function skip(
  run: Run,
  kind: ManifestKind,
  skipped: Skipped[],
  key: string,
  reason: string,
  refused: boolean,
): void {
  skipped.push({ key, reason });
  run.summary[kind].skipped++;
  if (refused) {
    run.summary.refused.push({ key, reason });
    run.ctx.log.error(
      { rawKey: key, reason },
      'raw object refused by the lake: a value does not fit its column',
    );
  } else {
    run.ctx.log.warn(
      { rawKey: key, reason },
      'raw object gives no lake rows: kept in the raw store, not exported',
    );
  }
}

function fail(run: Run, key: string, reason: string): void {
  run.summary.failed.push({ key, reason });
  run.ctx.log.error({ rawKey: key, reason }, 'raw object not exported');
}

interface Pending {
  snap: number;
  key: string;
  rows: number;
}

/** Writes pending books into `files` while they fill its open file (all of them when `final`). */
async function drain(
  files: BookTableFiles,
  pending: Pending[],
  final: boolean,
  write: (out: string, merge: string | null, from: number, to: number) => Promise<void>,
  ctx: LakeContext,
): Promise<number | null> {
  let lastWritten: number | null = null;
  for (;;) {
    const room = files.room();
    const waiting = pending.reduce((n, p) => n + p.rows, 0);
    if (pending.length === 0 || (!final && waiting < room)) return lastWritten;
    let n = 0;
    let rows = 0;
    // Whole books only; a single book larger than a file gets a file of its own.
    while (n < pending.length && (n === 0 || rows + (pending[n] as Pending).rows <= room)) {
      rows += (pending[n] as Pending).rows;
      n++;
    }
    const take = pending.splice(0, n);
    const from = (take[0] as Pending).snap;
    const to = (take.at(-1) as Pending).snap;
    await files.add(
      ctx,
      take.map((t) => t.key),
      rows,
      (out, merge) => write(out, merge, from, to),
    );
    lastWritten = to;
  }
}

async function exportBooks(run: Run, p: Partition, keys: string[]): Promise<void> {
  const { ctx, summary, deps } = run;
  const counted = summary.books;
  counted.listed += keys.length;
  const manifest = await readManifest(ctx.lake, 'books', p);
  const skippedBefore = new Set(manifest.skipped.map((s) => s.key));
  const inBoth = (levels: Set<string>, top: Set<string>) => (k: string) =>
    skippedBefore.has(k) || (levels.has(k) && top.has(k));
  const known = inBoth(
    new Set(manifest.levels.flatMap((e) => e.keys)),
    new Set(manifest.top.flatMap((e) => e.keys)),
  );
  if (keys.every(known)) {
    counted.alreadyExported += keys.length;
    deps.progress?.objects(keys.length, 0);
    return;
  }
  let lastStaged = 0;
  const levels = await BookTableFiles.reconcile(ctx, 'levels', p, manifest.levels, run.rows('levels'));
  try {
    const top = await BookTableFiles.reconcile(ctx, 'top', p, manifest.top, run.rows('top'));
    try {
      const inLevels = levels.keys();
      const inTop = top.keys();
      const done = inBoth(inLevels, inTop);
      const todo = keys.filter((k) => !done(k));
      counted.alreadyExported += keys.length - todo.length;
      deps.progress?.objects(keys.length - todo.length, 0);
      const pendingLevels: Pending[] = [];
      const pendingTop: Pending[] = [];
      const writeLevels = (out: string, merge: string | null, from: number, to: number) =>
        ctx.engine.writeLevels(out, from, to, merge);
      const writeTop = (out: string, merge: string | null, from: number, to: number) =>
        ctx.engine.writeTop(out, from, to, merge);
      const flush = async (final: boolean) => {
        const written = await drain(levels, pendingLevels, final, writeLevels, ctx);
        if (written !== null) await ctx.engine.dropSides(written);
        await drain(top, pendingTop, final, writeTop, ctx);
      };
      const skippedNow = manifest.skipped;
      const before = skippedNow.length;
      await forEachConcurrent(todo, run.concurrency, async (key) => {
        const outcome = await readBook(deps.raw, key);
        await ctx.exclusive.run(async () => {
          if (outcome.kind === 'failed') {
            fail(run, key, outcome.reason);
          } else if (outcome.kind === 'skipped') {
            skip(run, 'books', skippedNow, key, outcome.reason, outcome.refused);
          } else {
            const needLevels = !inLevels.has(key);
            const needTop = !inTop.has(key);
            const snap = ctx.engine.stageBook(
              { values: outcome.rows.snapshot, levels: needLevels, top: needTop },
              outcome.rows.sides,
            );
            lastStaged = snap;
            if (needLevels) {
              pendingLevels.push({ snap, key, rows: outcome.rows.levels });
              summary.levels += outcome.rows.levels;
            }
            if (needTop) pendingTop.push({ snap, key, rows: 1 });
            counted.exported++;
            await flush(false);
          }
          deps.progress?.objects(1, outcome.kind === 'rows' ? outcome.rows.levels : 0);
        });
      });
      await ctx.exclusive.run(() => flush(true));
      if (levels.changed || top.changed || skippedNow.length !== before) {
        manifest.levels = levels.entries;
        manifest.top = top.entries;
        await writeManifest(ctx.lake, manifest);
      }
      ctx.log.debug({ partition: partitionLabel(p), books: todo.length }, 'lake partition exported');
    } finally {
      await top.close();
    }
  } finally {
    await levels.close();
    if (lastStaged > 0) await ctx.exclusive.run(() => ctx.engine.dropBooks(lastStaged));
  }
}

async function exportTrades(run: Run, p: Partition, keys: string[]): Promise<void> {
  const { ctx, summary, deps } = run;
  const counted = summary.trades;
  counted.listed += keys.length;
  const manifest = await readManifest(ctx.lake, 'trades', p);
  const done = new Set([...manifest.keys, ...manifest.skipped.map((s) => s.key)]);
  const todo = keys.filter((k) => !done.has(k));
  counted.alreadyExported += keys.length - todo.length;
  deps.progress?.objects(keys.length - todo.length, 0);
  if (todo.length === 0) return;
  const taken: string[] = [];
  const before = manifest.skipped.length;
  try {
    await forEachConcurrent(todo, run.concurrency, async (key) => {
      const outcome = await readTradeRows(deps.raw, key);
      await ctx.exclusive.run(() => {
        if (outcome.kind === 'failed') fail(run, key, outcome.reason);
        else if (outcome.kind === 'skipped')
          skip(run, 'trades', manifest.skipped, key, outcome.reason, outcome.refused);
        else {
          for (const t of outcome.rows.trades) ctx.engine.stageTrade(t.date, t.values);
          taken.push(key);
          counted.exported++;
        }
        deps.progress?.objects(1, 0);
      });
    });
    for (const date of await ctx.engine.tradeDates()) {
      summary.tradesAdded += await mergeTradeDay(run, { ...p, date });
    }
    if (taken.length > 0 || manifest.skipped.length !== before) {
      manifest.keys = [...manifest.keys, ...taken].sort();
      await writeManifest(ctx.lake, manifest);
    }
  } finally {
    await ctx.engine.dropTrades();
  }
}

/**
 * Adds the staged trades of one day to its files: each trade once (a trade already in a file is
 * not added again), the open file rewritten with its rows and as many new ones as it has room
 * for, the rest in new files. Returns the trades added.
 */
async function mergeTradeDay(run: Run, day: Partition): Promise<number> {
  const { ctx } = run;
  const target = run.rows('trades');
  const names = await partFiles(ctx.lake, 'trades', day);
  const locals: { name: string; local: string }[] = [];
  try {
    for (const name of names) locals.push({ name, local: (await download(ctx, 'trades', day, name)).local });
    const last = locals.at(-1);
    const lastRows = last ? (await ctx.engine.summarize(last.local)).rows : 0;
    const open = last && lastRows < target ? last : null;
    const closed = locals.filter((l) => l !== open).map((l) => l.local);
    const { kept, added } = await ctx.engine.mergeTrades(day.date, open?.local ?? null, closed);
    if (added === 0) return 0;
    let next = (partNumber(names.at(-1) ?? '') ?? -1) + 1;
    let from = 1;
    let first = true;
    while (from <= added) {
      const intoOpen = first && open !== null;
      const room = intoOpen ? target - kept : target;
      const to = Math.min(added, from + Math.max(1, room) - 1);
      const file = intoOpen ? open.name : partFile(next++);
      const out = path.join(
        ctx.engine.workDir,
        `out-trades-${day.exchange}-${day.market}-${day.date}-${file}`,
      );
      await ctx.engine.writeMergedTrades(out, intoOpen, from, to);
      await publish(ctx, 'trades', day, file, out);
      from = to + 1;
      first = false;
    }
    return added;
  } finally {
    for (const l of locals) await rm(l.local, { force: true });
  }
}
