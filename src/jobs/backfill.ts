/**
 * `npm run backfill`: rebuild the warehouse from the raw store. Loads the raw objects of the
 * range that are not in the warehouse yet, then recomputes the derived rows of every snapshot in
 * the range, set-based, in batches. Streams the listing (memory stays flat however large the
 * lake), is idempotent (each object loads in its own transaction, keyed on its raw key) and so
 * resumable: a killed backfill is finished by running it again.
 */
import { sql, type Kysely } from 'kysely';
import { parseArgs } from 'node:util';
import { BookError, parseBook } from '../book/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { isVenue, SYMBOL_PATTERN, type Venue } from '../markets.ts';
import { listSnapshots, readSnapshot, type RawStore } from '../raw/index.ts';
import { forEachConcurrent } from '../util/pool.ts';
import { deriveSnapshots } from '../warehouse/derive.ts';
import type { Loader } from '../warehouse/load.ts';
import type { Database } from '../warehouse/schema.ts';
import type { ProgressSink } from './progress.ts';

export interface BackfillOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  exchange?: Venue | undefined;
  market?: string | undefined;
  deriveOnly?: boolean;
  /** Objects read and loaded at once; default CONCURRENCY. */
  concurrency?: number;
  /** Snapshots derived per transaction. */
  deriveBatch?: number;
  /** Keys checked against the warehouse per query (and so the most the listing runs ahead). */
  chunk?: number;
}

export interface KeyProblem {
  key: string;
  reason: string;
}

export interface BackfillSummary {
  listed: number;
  loaded: number;
  alreadyPresent: number;
  /** Raw objects that are not loadable books (error responses, broken bodies): kept, skipped. */
  invalid: KeyProblem[];
  /** Objects that could not be read or loaded: run the backfill again once the cause is fixed. */
  failed: KeyProblem[];
  derived: number;
  durationMs: number;
}

export interface BackfillDeps {
  config: Pick<Config, 'concurrency' | 'notionalsUsd' | 'depthBandsBps' | 'takerFeeBps'>;
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

function isoDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new BackfillArgsError(
      `--${flag} "${value}" is not an ISO 8601 time (e.g. 2026-11-21 or 2026-11-21T13:00:00Z)`,
    );
  }
  return date;
}

/** `[--from ISO] [--to ISO] [--exchange X] [--market Y] [--derive-only]`; a bad flag says why. */
export function parseBackfillArgs(argv: string[]): BackfillOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        exchange: { type: 'string' },
        market: { type: 'string' },
        'derive-only': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new BackfillArgsError(
      `${(error as Error).message}; allowed: --from ISO --to ISO --exchange X --market Y --derive-only`,
    );
  }
  const from = isoDate('from', values.from);
  const to = isoDate('to', values.to);
  if (from && to && from >= to)
    throw new BackfillArgsError(`--from ${values.from} is not before --to ${values.to}`);
  const exchange = values.exchange;
  if (exchange !== undefined && !isVenue(exchange)) {
    throw new BackfillArgsError(`--exchange "${exchange}" is not a venue: use coinbase or binance`);
  }
  const market = values.market;
  if (market !== undefined) {
    const patterns = exchange ? [SYMBOL_PATTERN[exchange]] : Object.values(SYMBOL_PATTERN);
    if (!patterns.some((p) => p.test(market))) {
      throw new BackfillArgsError(
        `--market "${market}" is not a ${exchange ?? 'venue'} symbol (like BTC-USD on coinbase, BTCUSDT on binance)`,
      );
    }
  }
  return { from, to, exchange, market, deriveOnly: values['derive-only'] };
}

export async function backfill(deps: BackfillDeps, options: BackfillOptions = {}): Promise<BackfillSummary> {
  const started = performance.now();
  const summary: BackfillSummary = {
    listed: 0,
    loaded: 0,
    alreadyPresent: 0,
    invalid: [],
    failed: [],
    derived: 0,
    durationMs: 0,
  };
  const log = deps.log.child({ job: 'backfill' });
  log.info({ ...options, rawStore: deps.store.location }, 'backfill started');
  if (!options.deriveOnly) await loadPhase(deps, options, summary);
  deps.progress?.phase('derive');
  summary.derived = await derivePhase(deps, options, (n) => deps.progress?.derived(n));
  summary.durationMs = Math.round(performance.now() - started);
  deps.progress?.finish();
  log.info(
    {
      listed: summary.listed,
      loaded: summary.loaded,
      alreadyPresent: summary.alreadyPresent,
      invalid: summary.invalid.length,
      invalidKeys: summary.invalid.map((i) => i.key),
      failed: summary.failed.length,
      failedKeys: summary.failed.map((f) => f.key),
      derived: summary.derived,
      durationMs: summary.durationMs,
    },
    'backfill finished',
  );
  for (const f of summary.failed) log.error({ rawKey: f.key, err: f.reason }, 'raw object not loaded');
  return summary;
}

async function loadPhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  summary: BackfillSummary,
): Promise<void> {
  const chunkSize = options.chunk ?? 500;
  const concurrency = options.concurrency ?? deps.config.concurrency;
  deps.progress?.phase('load');
  let chunk: string[] = [];
  const flush = async () => {
    const keys = chunk;
    chunk = [];
    const present = await presentKeys(deps.db, keys);
    summary.alreadyPresent += present.size;
    for (let i = 0; i < present.size; i++) deps.progress?.object();
    await forEachConcurrent(
      keys.filter((k) => !present.has(k)),
      concurrency,
      async (key) => {
        await loadOne(deps, key, summary);
        deps.progress?.object();
      },
    );
  };
  for await (const key of listSnapshots(deps.store, options)) {
    summary.listed++;
    deps.progress?.listed(summary.listed);
    chunk.push(key);
    if (chunk.length >= chunkSize) await flush();
  }
  if (chunk.length > 0) await flush();
  deps.progress?.listingDone(summary.listed);
}

async function presentKeys(db: Kysely<Database>, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('orderbook.fact_snapshot')
    .select('raw_key')
    .where('raw_key', '=', sql<string>`any(${keys}::text[])`)
    .execute();
  return new Set(rows.map((r) => r.raw_key));
}

async function loadOne(deps: BackfillDeps, key: string, summary: BackfillSummary): Promise<void> {
  let record;
  try {
    record = await readSnapshot(deps.store, key);
  } catch (error) {
    summary.failed.push({ key, reason: `read: ${(error as Error).message}` });
    return;
  }
  const { meta } = record;
  if (meta.status < 200 || meta.status >= 300) {
    summary.invalid.push({ key, reason: `HTTP ${meta.status} response, not a book` });
    return;
  }
  if (meta.base === null || meta.quote === null) {
    summary.invalid.push({ key, reason: 'envelope names no base/quote asset' });
    return;
  }
  let book;
  try {
    book = parseBook(meta.exchange, meta.market, record.payloadText ?? '');
  } catch (error) {
    if (!(error instanceof BookError)) throw error;
    summary.invalid.push({ key, reason: error.message });
    return;
  }
  try {
    const result = await deps.loader.load(
      {
        book,
        base: meta.base,
        quote: meta.quote,
        rawKey: key,
        runId: meta.run_id,
        requestedAt: meta.requested_at,
        receivedAt: meta.received_at,
      },
      { derive: false },
    );
    if (result.inserted) summary.loaded++;
    else summary.alreadyPresent++;
  } catch (error) {
    summary.failed.push({ key, reason: `load: ${(error as Error).message}` });
  }
}

/** Recomputes derived rows for every snapshot in the range, a batch per transaction. */
async function derivePhase(
  deps: BackfillDeps,
  options: BackfillOptions,
  onBatch: (total: number) => void,
): Promise<number> {
  const batch = options.deriveBatch ?? 1000;
  let after = '0';
  let derived = 0;
  for (;;) {
    let query = deps.db
      .selectFrom('orderbook.fact_snapshot as s')
      .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
      .innerJoin('orderbook.dim_exchange as e', 'e.exchange_id', 'm.exchange_id')
      .select('s.snapshot_id')
      // Keyset pagination: each page is an index range scan, whatever the depth.
      .where('s.snapshot_id', '>', after)
      .orderBy('s.snapshot_id')
      .limit(batch);
    if (options.from) query = query.where('s.received_at', '>=', options.from);
    if (options.to) query = query.where('s.received_at', '<', options.to);
    if (options.exchange) query = query.where('e.code', '=', options.exchange);
    if (options.market) query = query.where('m.symbol', '=', options.market);
    const ids = (await query.execute()).map((r) => r.snapshot_id);
    if (ids.length === 0) return derived;
    await deps.db.transaction().execute((tx) => deriveSnapshots(tx, ids, deps.config));
    derived += ids.length;
    after = ids[ids.length - 1] ?? after;
    onBatch(derived);
  }
}
