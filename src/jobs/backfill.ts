/**
 * `npm run backfill`: rebuild the warehouse from the raw store. Loads the raw books of the range
 * that are not in the warehouse yet, then the raw trades responses likewise, then recomputes
 * the derived rows of every snapshot in the range, set-based, in batches; then the facts that
 * span snapshots (each run's splits, each market's forecasts), and drops level detail past
 * LEVEL_RETENTION_DAYS. A snapshot whose levels are past retention is derived from its raw book,
 * read again for the derive and not kept. Streams the listing (memory stays flat however large the
 * lake), is idempotent (each object loads in its own transaction, keyed on its raw key) and so
 * resumable: a killed backfill is finished by running it again.
 */
import type { Kysely } from 'kysely';
import { parseBook } from '../venues/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { isVenue, SYMBOL_EXAMPLE, SYMBOL_PATTERN, VENUES, type Venue } from '../markets.ts';
import {
  RawStoreError,
  readSnapshot,
  type RawStore,
  type SnapshotMeta,
  type SnapshotRecord,
} from '../raw/index.ts';
import { DEFAULT_FORECAST_WINDOW } from '../config.ts';
import {
  type Database,
  deleteLevels,
  type DeriveSettings,
  deriveSnapshots,
  deriveSplits,
  deriveTrailing,
  compactLevels,
  dropExpiredLevels,
  finishBackfill,
  type Loader,
  marketsInRange,
  marketSnapshotPage,
  presentKeys,
  recordError,
  recordFoundError,
  snapshotIdPage,
  snapshotsWithoutLevels,
  type SplitGroup,
  splitGroupBooks,
  splitGroups,
  startRun,
  type TimeCursor,
} from '../warehouse/index.ts';
import { uuidv7 } from '../util/ids.ts';
import { forEachConcurrent } from '../util/pool.ts';
import { BoundedQueue } from '../util/queue.ts';
import type { ProgressSink } from './progress.ts';
import { BOOK, TRADES, type MarketKind } from './raw-kinds.ts';
import { RunMetadata } from './run-metadata.ts';

export interface BackfillOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  exchange?: Venue | undefined;
  market?: string | undefined;
  deriveOnly?: boolean;
  /** Objects read and loaded at once; default CONCURRENCY. */
  concurrency?: number;
  /** Snapshots derived per transaction (default 100); up to `concurrency` transactions at once. */
  deriveBatch?: number;
  /** Keys checked against the warehouse per query (and so the most the listing runs ahead). */
  chunk?: number;
}

export interface KeyProblem {
  key: string;
  reason: string;
}

/** What the load of one kind of raw object did. */
export interface LoadCounts {
  listed: number;
  loaded: number;
  alreadyPresent: number;
}

export interface BackfillSummary {
  /** Book objects (under exchange=…/). */
  listed: number;
  loaded: number;
  alreadyPresent: number;
  /** Trades objects (under _trades/), counted the same way. */
  trades: LoadCounts;
  /**
   * Raw objects, books or trades, that are not loadable (error responses, broken bodies): kept,
   * skipped. A trades object's key starts with `_trades/`.
   */
  invalid: KeyProblem[];
  /**
   * What could not be done: raw objects that could not be read or loaded (key = raw key), a
   * listing that broke off (key = the prefix being listed), a derive batch that failed (key =
   * `derive:<first id>..<last id>`) or a derive that could not go on (key = `derive:after <id>`).
   * Run the backfill again once the cause is fixed.
   */
  failed: KeyProblem[];
  derived: number;
  /** Run × base groups whose optimal split was derived; snapshots whose forecast was. */
  splits: number;
  forecasts: number;
  /** Snapshots whose levels, past retention, were read again from the raw store to derive them. */
  levelsReread: number;
  /**
   * Books loaded without their run's market list (no `_meta/` object of that run and venue in
   * the raw store, one that does not read, or one that does not name the market): judged
   * executable or not by their own flags (auction_mode) alone, as their market's status is not
   * known (run-metadata.ts). Books already in the warehouse are not judged again.
   */
  marketStatusUnknown: number;
  /** fact_level partitions dropped at the end, past LEVEL_RETENTION_DAYS. */
  partitionsDropped: string[];
  durationMs: number;
}

export interface BackfillDeps {
  /** Without levelRetentionDays no level partition is dropped (the CLI passes the setting). */
  config: Pick<Config, 'concurrency'> &
    DeriveSettings &
    Partial<Pick<Config, 'levelRetentionDays' | 'levelCompactAfterDays'>>;
  log: Logger;
  store: RawStore;
  db: Kysely<Database>;
  loader: Loader;
  progress?: ProgressSink;
}

export class BackfillArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackfillArgsError';
  }
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A date (UTC midnight) or a date-time with its zone. A date-time without one is refused rather
 * than read in the server's local time: the lake is partitioned in UTC, and a range that shifts
 * with TZ would silently skip or repeat hours.
 */
function isoDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const allowed =
    'expected an ISO 8601 UTC date or date-time with zone, e.g. 2026-11-21 or 2026-11-21T13:00:00Z';
  const m = ISO_TIME.exec(value);
  if (!m) {
    const noZone = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value);
    throw new BackfillArgsError(
      noZone
        ? `--${flag} "${value}" has no time zone: add Z for UTC (e.g. ${value.replace(' ', 'T')}Z) or an offset like +01:00`
        : `--${flag} "${value}" is not an ISO 8601 time: ${allowed}`,
    );
  }
  const [, y, mo, d, h = '00', mi = '00', sec = '00'] = m as unknown as string[];
  const date = new Date(value);
  // Date rolls 2026-02-30 over to March and accepts 24:00: the fields must be a real instant.
  const fieldsValid =
    Number(mo) >= 1 &&
    Number(mo) <= 12 &&
    Number(d) >= 1 &&
    Number(d) <= new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate() &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(sec) <= 59;
  if (!fieldsValid || Number.isNaN(date.getTime())) {
    throw new BackfillArgsError(`--${flag} "${value}" is not a valid date or time: ${allowed}`);
  }
  return date;
}

/** Checks flag values already split by the CLI's one argument parser (cli/args.ts). */
export function backfillOptions(values: {
  from?: string | undefined;
  to?: string | undefined;
  exchange?: string | undefined;
  market?: string | undefined;
  'derive-only'?: boolean | undefined;
}): BackfillOptions {
  const from = isoDate('from', values.from);
  const to = isoDate('to', values.to);
  if (from && to && from >= to)
    throw new BackfillArgsError(`--from ${values.from} is not before --to ${values.to}`);
  const exchange = values.exchange;
  if (exchange !== undefined && !isVenue(exchange)) {
    throw new BackfillArgsError(`--exchange "${exchange}" is not a venue: use one of ${VENUES.join(', ')}`);
  }
  const market = values.market;
  if (market !== undefined) {
    const patterns = exchange ? [SYMBOL_PATTERN[exchange]] : Object.values(SYMBOL_PATTERN);
    if (!patterns.some((p) => p.test(market))) {
      const allowed = exchange
        ? `a ${exchange} symbol matches ${SYMBOL_PATTERN[exchange].source} (e.g. ${SYMBOL_EXAMPLE[exchange]})`
        : VENUES.map(
            (v, i) =>
              `a ${v} ${i === 0 ? 'symbol matches' : 'one'} ${SYMBOL_PATTERN[v].source} (e.g. ${SYMBOL_EXAMPLE[v]})`,
          ).join(', ');
      throw new BackfillArgsError(`--market "${market}" is not a ${exchange ?? 'venue'} symbol: ${allowed}`);
    }
  }
  return { from, to, exchange, market, deriveOnly: values['derive-only'] ?? false };
}

export async function backfill(deps: BackfillDeps, options: BackfillOptions = {}): Promise<BackfillSummary> {
  const started = performance.now();
  const summary: BackfillSummary = {
    listed: 0,
    loaded: 0,
    alreadyPresent: 0,
    trades: { listed: 0, loaded: 0, alreadyPresent: 0 },
    invalid: [],
    failed: [],
    derived: 0,
    splits: 0,
    forecasts: 0,
    levelsReread: 0,
    marketStatusUnknown: 0,
    partitionsDropped: [],
    durationMs: 0,
  };
  // The backfill is a run of its own in etl_run (kind 'backfill'), its failures in etl_error.
  const startedAt = new Date();
  const runId = uuidv7(startedAt.getTime());
  const log = deps.log.child({ job: 'backfill', runId });
  log.info({ ...options, rawStore: deps.store.location }, 'backfill started');
  const record = new BackfillRecord(deps.db, runId, log);
  await record.start(startedAt);
  const outcome: Outcomes = {
    invalid: (key, reason, meta) => {
      summary.invalid.push({ key, reason });
      log.warn({ rawKey: key, reason }, 'raw object invalid: kept, not loaded');
      if (meta) record.found(key, reason, meta);
    },
    failed: (key, reason, what = 'raw object not loaded') => {
      summary.failed.push({ key, reason });
      log.error({ rawKey: key, reason }, what);
      record.failed(key, reason, options);
    },
    listed: (key) => {
      record.listed(key);
    },
  };
  if (!options.deriveOnly) {
    deps.progress?.phase('load');
    const status: MarketStatusSource = { metadata: new RunMetadata(deps.store, log), unknown: 0 };
    await loadPhase(deps, options, BOOK, summary, outcome, log, status);
    summary.marketStatusUnknown = status.unknown;
    deps.progress?.phase('trades');
    await loadPhase(deps, options, TRADES, summary.trades, outcome, log, null);
  }
  deps.progress?.phase('derive');
  const reread = { count: 0 };
  summary.derived = await derivePhase(deps, options, outcome, (n) => deps.progress?.derived(n), reread);
  summary.splits = await splitPhase(deps, options, outcome, reread);
  summary.forecasts = await forecastPhase(deps, options, outcome);
  summary.levelsReread = reread.count;
  if (deps.config.levelRetentionDays !== undefined) {
    try {
      summary.partitionsDropped = await dropExpiredLevels(deps.db, deps.config.levelRetentionDays, log);
      await compactLevels(deps.db, deps.config.levelCompactAfterDays ?? null, log);
    } catch (error) {
      log.warn({ err: error }, 'level retention not applied: the next run or backfill tries again');
    }
  }
  summary.durationMs = Math.round(performance.now() - started);
  deps.progress?.finish();
  const fields = {
    listed: summary.listed,
    loaded: summary.loaded,
    alreadyPresent: summary.alreadyPresent,
    tradesListed: summary.trades.listed,
    tradesLoaded: summary.trades.loaded,
    tradesAlreadyPresent: summary.trades.alreadyPresent,
    invalid: summary.invalid.length,
    invalidKeys: summary.invalid.map((i) => i.key),
    failed: summary.failed.length,
    failedKeys: summary.failed.map((f) => f.key),
    derived: summary.derived,
    splits: summary.splits,
    forecasts: summary.forecasts,
    levelsReread: summary.levelsReread,
    marketStatusUnknown: summary.marketStatusUnknown,
    partitionsDropped: summary.partitionsDropped,
    durationMs: summary.durationMs,
  };
  await record.finish(summary.loaded + summary.trades.loaded + summary.derived, summary.failed.length);
  if (summary.failed.length > 0) log.warn(fields, 'backfill finished');
  else log.info(fields, 'backfill finished');
  return summary;
}

interface Outcomes {
  /** `meta` when the envelope was read: the failure is recorded under the run that fetched it. */
  invalid(key: string, reason: string, meta?: SnapshotMeta): void;
  failed(key: string, reason: string, what?: string): void;
  listed(key: string): void;
}

/** `exchange=X/market=Y/` of a raw key, for failures whose object could not be read. */
function marketOfKey(key: string): { exchange: string; market: string } | null {
  const m = /exchange=([^/]+)\/market=([^/]+)\//.exec(key);
  return m?.[1] && m[2] ? { exchange: m[1], market: m[2] } : null;
}

/**
 * What etl_run and etl_error say about a backfill. Recording never stops the backfill: the
 * database may be what failed, and the log says everything anyway.
 */
class BackfillRecord {
  private readonly pending: Promise<void>[] = [];
  private readonly seen = new Set<string>();
  private readonly failedMarkets = new Set<string>();
  private started = false;
  private readonly db: Kysely<Database>;
  private readonly runId: string;
  private readonly log: Logger;

  constructor(db: Kysely<Database>, runId: string, log: Logger) {
    this.db = db;
    this.runId = runId;
    this.log = log;
  }

  async start(at: Date): Promise<void> {
    try {
      await startRun(this.db, this.runId, at, 'backfill');
      this.started = true;
    } catch (error) {
      this.log.error({ err: error }, 'etl_run not recorded');
    }
  }

  listed(key: string): void {
    const m = marketOfKey(key);
    if (m) this.seen.add(`${m.exchange}:${m.market}`);
  }

  failed(key: string, reason: string, options: BackfillOptions): void {
    const m = marketOfKey(key);
    if (m) this.failedMarkets.add(`${m.exchange}:${m.market}`);
    const stage = key.startsWith('derive:') ? 'derive' : /^(read|listing)/.test(reason) ? 'store' : 'load';
    this.keep(
      recordError(this.db, {
        runId: this.runId,
        // A derive batch or a listing concerns no one market: the filter it ran with, or '*'.
        exchange: m?.exchange ?? options.exchange ?? '*',
        market: m?.market ?? options.market ?? '*',
        stage,
        object: null,
        kind: `backfill_${stage}`,
        message: `backfill: ${key}: ${reason}`,
        rawKey: m ? key : null,
      }),
    );
  }

  /** A response the run that fetched it could not load: recorded under that run, once. */
  found(key: string, reason: string, meta: SnapshotMeta): void {
    const trades = key.includes('_trades/');
    const fetchFailed = meta.status < 200 || meta.status >= 300;
    this.keep(
      recordFoundError(this.db, {
        runId: meta.run_id,
        exchange: meta.exchange,
        market: meta.market,
        stage: fetchFailed ? 'fetch' : 'parse',
        object: trades ? 'trades' : 'book',
        kind: fetchFailed ? `http_${meta.status}` : 'invalid',
        message: `${meta.exchange}:${meta.market}: ${trades ? 'trades: ' : ''}${reason} (found by backfill)`,
        rawKey: key,
        at: meta.received_at,
      }),
    );
  }

  async finish(done: number, failures: number): Promise<void> {
    await Promise.all(this.pending);
    if (!this.started) return;
    const marketsFailed = this.failedMarkets.size;
    const marketsOk = [...this.seen].filter((m) => !this.failedMarkets.has(m)).length;
    await finishBackfill(this.db, {
      runId: this.runId,
      finishedAt: new Date(),
      done,
      failures,
      marketsOk,
      marketsFailed,
    }).catch((error: unknown) => {
      this.log.error({ err: error }, 'etl_run not updated');
    });
  }

  private keep(write: Promise<void>): void {
    this.pending.push(
      write.catch((error: unknown) => {
        this.log.error({ err: error }, 'etl_error not recorded');
      }),
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lists the range and loads what the warehouse lacks. One producer walks the listing, checks a
 * chunk of keys against the warehouse in one query and queues the missing ones; `concurrency`
 * workers read, parse and load them meanwhile, so listing (one LIST per hour folder on S3) and
 * loading overlap. In memory at once: a chunk being listed, a chunk queued, the loads in flight.
 */
async function loadPhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  kind: MarketKind<unknown, { inserted: boolean }>,
  summary: LoadCounts,
  outcome: Outcomes,
  log: Logger,
  status: MarketStatusSource | null,
): Promise<void> {
  const chunkSize = Math.max(1, options.chunk ?? 500);
  const concurrency = Math.max(1, options.concurrency ?? deps.config.concurrency);
  const queue = new BoundedQueue<string>(chunkSize);

  const enqueue = async (keys: string[]) => {
    let present: Set<string>;
    try {
      present = await presentKeys(deps.db, kind.table, keys);
    } catch (error) {
      // Not fatal: each load is keyed on its raw key and skips what is already there.
      log.warn({ keys: keys.length, err: error }, 'presence check failed: loading the chunk anyway');
      present = new Set();
    }
    summary.alreadyPresent += present.size;
    for (let i = 0; i < present.size; i++) deps.progress?.object();
    for (const key of keys) if (!present.has(key)) await queue.push(key);
  };

  const produce = async () => {
    let chunk: string[] = [];
    let at = '';
    try {
      const listing = kind.list(deps.store, {
        from: options.from,
        to: options.to,
        exchange: options.exchange,
        market: options.market,
      });
      for await (const key of listing) {
        at = key;
        outcome.listed(key);
        summary.listed++;
        deps.progress?.listed(summary.listed);
        chunk.push(key);
        if (chunk.length >= chunkSize) {
          const keys = chunk;
          chunk = [];
          await enqueue(keys);
        }
      }
      deps.progress?.listingDone(summary.listed);
    } catch (error) {
      // The listing broke off (store unreachable after retries): load what was listed, derive,
      // and say where it stopped; a rerun picks up the rest.
      const where = error instanceof RawStoreError ? error.key : at ? `after ${at}` : '(listing)';
      outcome.failed(where, `listing stopped: ${message(error)}`, 'raw store listing failed');
    }
    if (chunk.length > 0) await enqueue(chunk);
    queue.close();
  };

  const work = async () => {
    for (let key = await queue.pull(); key !== undefined; key = await queue.pull()) {
      await loadOne(deps, kind, key, summary, outcome, log, status);
      deps.progress?.object();
    }
  };

  await Promise.all([produce(), ...Array.from({ length: concurrency }, work)]);
}

/**
 * A raw response that can be loaded at all: a 2xx whose envelope names its assets and whose body
 * is text. Anything else is recorded invalid (it will never load) and gives null.
 */
function usableResponse(
  record: SnapshotRecord,
  key: string,
  what: string,
  outcome: Outcomes,
): { meta: SnapshotRecord['meta']; text: string; base: string; quote: string } | null {
  const { meta } = record;
  if (meta.status < 200 || meta.status >= 300) {
    outcome.invalid(key, `HTTP ${meta.status} response, not ${what}`, meta);
    return null;
  }
  if (meta.base === null || meta.quote === null) {
    outcome.invalid(key, 'envelope names no base/quote asset');
    return null;
  }
  if (record.payloadText === null) {
    outcome.invalid(key, `body is not UTF-8 text (kept as payload_base64), not ${what}`, meta);
    return null;
  }
  return { meta, text: record.payloadText, base: meta.base, quote: meta.quote };
}

/** Where books get their run's market status from, and how many loaded without it. */
interface MarketStatusSource {
  metadata: RunMetadata;
  unknown: number;
}

/**
 * Reads, parses and loads one raw object of a kind. Never throws: every object ends loaded,
 * present, invalid or failed. With `status` (books), the market's status in the run's market
 * list goes with the book, as it did in the run.
 */
async function loadOne<Parsed, Loaded extends { inserted: boolean }>(
  deps: BackfillDeps,
  kind: MarketKind<Parsed, Loaded>,
  key: string,
  summary: LoadCounts,
  outcome: Outcomes,
  log: Logger,
  status: MarketStatusSource | null,
): Promise<void> {
  let record;
  try {
    record = await kind.read(deps.store, key);
  } catch (error) {
    outcome.failed(key, `read: ${message(error)}`);
    return;
  }
  const usable = usableResponse(record, key, kind.noun, outcome);
  if (!usable) return;
  const { meta, text, base, quote } = usable;
  let parsed;
  try {
    parsed = kind.parse(meta.exchange, meta.market, text);
  } catch (error) {
    // Parsing is deterministic: whatever it throws, this object will never load.
    const reason = kind.parseFailure(error) === null ? `unparseable: ${message(error)}` : message(error);
    outcome.invalid(key, reason, meta);
    return;
  }
  try {
    const marketNotExecutable = await status?.metadata.marketNotExecutable(
      meta.exchange,
      meta.market,
      meta.run_id,
      meta.received_at,
    );
    const result = await kind.load(
      deps.loader,
      parsed,
      {
        base,
        quote,
        rawKey: key,
        runId: meta.run_id,
        url: meta.url,
        requestedAt: meta.requested_at,
        receivedAt: meta.received_at,
        ...(marketNotExecutable === undefined ? {} : { marketNotExecutable }),
      },
      { derive: false },
    );
    if (result.inserted) {
      if (status && marketNotExecutable === undefined) status.unknown++;
      summary.loaded++;
      const done = kind.loaded(key, result);
      log.debug(done.fields, done.msg);
    } else {
      summary.alreadyPresent++;
    }
  } catch (error) {
    outcome.failed(key, `load: ${message(error)}`);
  }
}

/**
 * Recomputes derived rows for every snapshot in the range (already present ones included), a
 * batch of ids per transaction, up to `concurrency` batches at once: deriving is the database's
 * work, and one batch at a time keeps one of its cores busy. A failed batch is recorded and the
 * others go on; a failed page query (the database is gone) ends the phase.
 */
async function derivePhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  outcome: Outcomes,
  onBatch: (total: number) => void,
  reread: { count: number },
): Promise<number> {
  const batch = Math.max(1, options.deriveBatch ?? 100);
  const concurrency = Math.max(1, options.concurrency ?? deps.config.concurrency);
  let after = '0';
  let derived = 0;
  const running = new Set<Promise<void>>();
  const deriveBatch = async (ids: string[], first: string, last: string) => {
    try {
      await deps.db
        .transaction()
        .execute((tx) => withLevels(deps, tx, ids, reread, () => deriveSnapshots(tx, ids, deps.config)));
      derived += ids.length;
      onBatch(derived);
    } catch (error) {
      outcome.failed(`derive:${first}..${last}`, `derive: ${message(error)}`, 'derive batch failed');
    }
  };
  for (;;) {
    let ids: string[];
    try {
      ids = await snapshotIdPage(deps.db, options, after, batch);
    } catch (error) {
      outcome.failed(`derive:after ${after}`, `derive stopped: ${message(error)}`, 'derive failed');
      break;
    }
    const first = ids[0];
    const last = ids[ids.length - 1];
    if (first === undefined || last === undefined) break;
    const job: Promise<void> = deriveBatch(ids, first, last).finally(() => running.delete(job));
    running.add(job);
    after = last;
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return derived;
}

/**
 * Runs `work` with the levels of these snapshots in fact_level: those past retention (a snapshot
 * that stored levels but has none now) are read again from their raw book, cut as a load would,
 * and removed again before the caller's transaction commits — derived facts are kept forever,
 * level detail only for LEVEL_RETENTION_DAYS. One book is read at a time.
 */
async function withLevels(
  deps: BackfillDeps,
  tx: Kysely<Database>,
  snapshotIds: string[],
  reread: { count: number },
  work: () => Promise<void>,
): Promise<void> {
  const missing = await snapshotsWithoutLevels(tx, snapshotIds);
  for (const row of missing) {
    let book;
    try {
      const record = await readSnapshot(deps.store, row.raw_key);
      if (record.payloadText === null) throw new Error('body is not UTF-8 text');
      book = parseBook(record.meta.exchange, record.meta.market, record.payloadText);
    } catch (error) {
      throw new Error(
        `levels of snapshot ${row.snapshot_id} past retention not read again from ${row.raw_key}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }
    await deps.loader.restoreLevels(tx, row.snapshot_id, row.received_at, book);
  }
  await work();
  if (missing.length > 0) {
    await deleteLevels(
      tx,
      missing.map((r) => r.snapshot_id),
    );
    reread.count += missing.length;
  }
}

/**
 * Derives the optimal split of every run × base the range's snapshots belong to (the whole run's
 * books of that base, in the range or not: a split compares them all), once their own rows are
 * derived. Groups go a few per transaction, up to `concurrency` transactions at once.
 */
async function splitPhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  outcome: Outcomes,
  reread: { count: number },
): Promise<number> {
  let groups: SplitGroup[];
  try {
    groups = await splitGroups(deps.db, options);
  } catch (error) {
    outcome.failed('split:*', `splits not derived: ${message(error)}`, 'split phase failed');
    return 0;
  }
  const per = 20;
  const batches: SplitGroup[][] = [];
  for (let i = 0; i < groups.length; i += per) batches.push(groups.slice(i, i + per));
  let derived = 0;
  await forEachConcurrent(
    batches,
    Math.max(1, options.concurrency ?? deps.config.concurrency),
    async (batch) => {
      try {
        await deps.db.transaction().execute(async (tx) => {
          const books = await splitGroupBooks(tx, batch);
          await withLevels(deps, tx, books, reread, () => deriveSplits(tx, batch));
        });
        derived += batch.length;
      } catch (error) {
        const first = batch[0];
        outcome.failed(
          `split:${first?.runId ?? ''}/${first?.base ?? ''}+${batch.length - 1}`,
          `split: ${message(error)}`,
          'split batch failed',
        );
      }
    },
  );
  return derived;
}

/**
 * Derives the forecasts of every market's snapshots in the range, in time order a chunk at a time
 * (each chunk also derives the FORECAST_WINDOW − 1 after it and scores the one before), markets
 * side by side. After the derive phase: a forecast reads its window's tops.
 */
async function forecastPhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  outcome: Outcomes,
): Promise<number> {
  const window = deps.config.forecastWindow ?? DEFAULT_FORECAST_WINDOW;
  let markets: number[];
  try {
    markets = await marketsInRange(deps.db, options);
  } catch (error) {
    outcome.failed('forecast:*', `forecasts not derived: ${message(error)}`, 'forecast phase failed');
    return 0;
  }
  const chunk = 1000;
  let derived = 0;
  await forEachConcurrent(
    markets,
    Math.max(1, options.concurrency ?? deps.config.concurrency),
    async (marketId) => {
      let after: TimeCursor | null = null;
      for (;;) {
        try {
          const rows = await marketSnapshotPage(deps.db, marketId, options, after, chunk);
          const last = rows[rows.length - 1];
          if (!last) return;
          const ids = rows.map((r) => r.snapshot_id);
          derived += await deps.db.transaction().execute((tx) => deriveTrailing(tx, ids, window));
          after = { at: last.received_at, id: last.snapshot_id };
        } catch (error) {
          outcome.failed(
            `forecast:market ${marketId}`,
            `forecasts: ${message(error)}`,
            'forecast derive failed',
          );
          return;
        }
      }
    },
  );
  return derived;
}
