/**
 * One cycle: for every configured market, fetch the book, keep the response in the raw store,
 * parse and validate it, and load it into the warehouse; then the same for the market's recent
 * public trades. Raw is written before anything is judged, so whatever reached us stays for
 * backfill; a failed market is recorded in etl_error and never stops the others, and a market's
 * failed trades never cost it its book (nor the other way round).
 */
import type { Config } from '../config.ts';
import type { MarketInfo, VenueClient } from '../venues/index.ts';
import type { Logger } from '../log.ts';
import { marketLabel, type Market, type Venue } from '../markets.ts';
import type { RawObject, RawStore } from '../raw/index.ts';
import { uuidv7 } from '../util/ids.ts';
import {
  type Database,
  deriveSplits,
  finishRun,
  type Loader,
  recordError,
  startRun,
} from '../warehouse/index.ts';
import type { Kysely } from 'kysely';
import { forEachConcurrent } from '../util/pool.ts';
import { BOOK, marketJob, metadataJob, TRADES } from './raw-kinds.ts';
import { runStages, StageError, StopRequested } from './stages.ts';

export { StageError, type Stage } from './stages.ts';

/** How a market's trades went: fetched, kept, parsed and loaded, or where that stopped. */
export interface TradesOutcome {
  rawKey: string | null;
  /** The run was asked to stop before the trades came. */
  abandoned: boolean;
  /** Set when the trades failed; its object is `trades`. */
  error: StageError | null;
  /** Trades in the response (0 until parsed). */
  trades: number;
  /** Of those, trades not stored by an earlier run. */
  newTrades: number;
  /** fact_trade_fetch row of the loaded response. */
  fetchId: string | null;
}

export interface MarketOutcome {
  market: Market;
  /** Raw key of the book response. */
  rawKey: string | null;
  /** Set when the market's book failed (or the market could not be asked for at all). */
  error: StageError | null;
  bidLevels: number;
  askLevels: number;
  /** fact_snapshot row of the loaded book. */
  snapshotId: string | null;
  /**
   * The run was asked to stop before the market's book or trades came: never started, or its
   * request was cut short (whatever had loaded stays loaded). Markets mid-load finish instead.
   */
  abandoned: boolean;
  /** Null when trades were not asked for: the market is unknown or its venue's list failed. */
  trades: TradesOutcome | null;
  /** The base asset whose optimal split this market's loaded book takes part in (USD quotes). */
  splitBase?: string;
}

export interface RunSummary {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  outcomes: MarketOutcome[];
  /** Markets whose book loaded. */
  marketsOk: number;
  /** Markets whose book failed. */
  marketsFailed: number;
  marketsAbandoned: number;
  /** Markets whose trades failed (whatever became of their book). */
  tradesFailed: number;
  /**
   * DESIGN §3: 0 every market's book and trades loaded, 2 something failed or was abandoned.
   * (1, could not start, is the CLI's.)
   */
  exitCode: 0 | 2;
}

export interface RunDeps {
  config: Pick<Config, 'markets' | 'concurrency'>;
  log: Logger;
  store: RawStore;
  clients: Record<Venue, VenueClient>;
  db: Kysely<Database>;
  loader: Loader;
  /** Aborted on SIGTERM/SIGINT: markets not yet started are abandoned, those in flight finish. */
  signal?: AbortSignal;
  /** What etl_run records the run as (default one-shot). */
  kind?: 'one-shot' | 'scheduled';
  /** Called with the run id before the run is recorded as running (the lock of the run's id). */
  beforeStart?: (runId: string) => Promise<void>;
}

/**
 * The run's optimal splits (fact_split), one per base over every book of it the run loaded: all
 * bases in one statement, which writes them in key order, so the run's entries go in at the
 * index's right edge and fill its pages (a statement per base, several at once, interleaved
 * their inserts and left the index two-thirds full). When that fails, each base is tried in a
 * transaction of its own, up to CONCURRENCY at once, so a base that cannot be split costs only
 * its own split. A failure loses no data (the books and their own metrics are in; `backfill
 * --derive-only` derives the splits again), so it is logged and recorded in etl_error, and the
 * run goes on.
 */
async function deriveRunSplits(
  deps: RunDeps,
  runId: string,
  outcomes: readonly MarketOutcome[],
  log: Logger,
): Promise<void> {
  const bases = [...new Set(outcomes.flatMap((o) => (o.splitBase ? [o.splitBase] : [])))];
  if (bases.length === 0) return;
  try {
    await deps.db.transaction().execute((tx) =>
      deriveSplits(
        tx,
        bases.map((base) => ({ runId, base })),
      ),
    );
    return;
  } catch (error) {
    log.warn(
      { bases: bases.length, err: error },
      'optimal splits not derived together: deriving each base alone',
    );
  }
  await forEachConcurrent(bases, deps.config.concurrency, async (base) => {
    try {
      await deps.db.transaction().execute((tx) => deriveSplits(tx, [{ runId, base }]));
    } catch (error) {
      log.error({ base, err: error }, 'optimal split not derived');
      await recordError(deps.db, {
        runId,
        exchange: 'all',
        market: base,
        stage: 'derive',
        object: null,
        kind: 'split',
        message: `optimal split of ${base} not derived: ${String(error)}`,
        rawKey: null,
      }).catch(() => undefined);
    }
  });
}

export async function runOnce(deps: RunDeps): Promise<RunSummary> {
  const { config, store, clients } = deps;
  const startedAt = new Date();
  const runId = uuidv7(startedAt.getTime());
  const log = deps.log.child({ runId });
  // A run that cannot even be recorded has not started: the caller exits 1.
  await deps.beforeStart?.(runId);
  await startRun(deps.db, runId, startedAt, deps.kind ?? 'one-shot');
  log.info({ markets: config.markets.map(marketLabel), rawStore: store.location }, 'run started');

  // Metadata is asked once per venue per run, by the first market that needs it.
  const metadata = new Map<Venue, Promise<Map<string, MarketInfo>>>();
  const metadataFor = (venue: Venue): Promise<Map<string, MarketInfo>> => {
    let pending = metadata.get(venue);
    if (!pending) {
      const symbols = config.markets.filter((m) => m.venue === venue).map((m) => m.symbol);
      pending = runStages(metadataJob(clients[venue], symbols, store, runId), store, { rawKey: null });
      metadata.set(venue, pending);
    }
    return pending;
  };

  const outcomes: MarketOutcome[] = [];
  await forEachConcurrent(
    config.markets,
    config.concurrency,
    async (market) => {
      const started = performance.now();
      const outcome = await runMarket(market, clients[market.venue], metadataFor, store, deps.loader, runId);
      outcomes.push(outcome);
      const fields = {
        venue: market.venue,
        market: market.symbol,
        rawKey: outcome.rawKey,
        trades: outcome.trades?.trades,
        newTrades: outcome.trades?.newTrades,
        ms: Math.round(performance.now() - started),
      };
      const record = async (error: StageError) => {
        await recordError(deps.db, {
          runId,
          exchange: market.venue,
          market: market.symbol,
          stage: error.stage,
          object: error.object,
          kind: error.kind,
          message: error.message,
          rawKey: error.rawKey,
        }).catch((cause: unknown) => {
          // The database may be what failed; the log line before still says everything.
          log.error({ venue: market.venue, market: market.symbol, err: cause }, 'etl_error not recorded');
        });
      };
      if (outcome.error) {
        log.error(
          { ...fields, stage: outcome.error.stage, kind: outcome.error.label, err: outcome.error },
          'market failed',
        );
        await record(outcome.error);
      } else if (outcome.abandoned) {
        log.warn(fields, 'market abandoned: shutting down');
      } else {
        log.info({ ...fields, bids: outcome.bidLevels, asks: outcome.askLevels }, 'market done');
      }
      // After the book's: the trades were asked for after it.
      const tradesError = outcome.trades?.error;
      if (tradesError) {
        log.error(
          {
            ...fields,
            rawKey: outcome.trades?.rawKey,
            stage: tradesError.stage,
            kind: tradesError.label,
            err: tradesError,
          },
          'market trades failed',
        );
        await record(tradesError);
      }
    },
    deps.signal,
  );
  // Markets the pool never started are abandoned too.
  for (const market of config.markets) {
    if (!outcomes.some((o) => o.market === market))
      outcomes.push({ ...emptyOutcome(market), abandoned: true });
  }
  await deriveRunSplits(deps, runId, outcomes, log);

  const order = new Map(config.markets.map((m, i) => [marketLabel(m), i]));
  outcomes.sort((a, b) => (order.get(marketLabel(a.market)) ?? 0) - (order.get(marketLabel(b.market)) ?? 0));
  const marketsFailed = outcomes.filter((o) => o.error).length;
  const marketsAbandoned = outcomes.filter((o) => o.abandoned).length;
  const tradesFailed = outcomes.filter((o) => o.trades?.error).length;
  const summary: RunSummary = {
    runId,
    startedAt,
    finishedAt: new Date(),
    outcomes,
    marketsOk: outcomes.length - marketsFailed - marketsAbandoned,
    marketsFailed,
    marketsAbandoned,
    tradesFailed,
    exitCode: marketsFailed + marketsAbandoned + tradesFailed > 0 ? 2 : 0,
  };
  await finishRun(deps.db, summary).catch((error: unknown) => {
    log.error({ err: error }, 'etl_run not updated');
  });
  log.info(
    {
      marketsOk: summary.marketsOk,
      marketsFailed,
      marketsAbandoned,
      tradesFailed,
      levels: outcomes.reduce((n, o) => n + o.bidLevels + o.askLevels, 0),
      newTrades: outcomes.reduce((n, o) => n + (o.trades?.newTrades ?? 0), 0),
      durationMs: summary.finishedAt.getTime() - startedAt.getTime(),
    },
    'run finished',
  );
  return summary;
}

function emptyOutcome(market: Market): MarketOutcome {
  return {
    market,
    rawKey: null,
    error: null,
    bidLevels: 0,
    askLevels: 0,
    snapshotId: null,
    abandoned: false,
    trades: null,
  };
}

/** Whatever else went wrong with a market's object, recorded as `unexpected` at fetch. */
function unexpected(market: Market, object: RawObject, error: unknown, rawKey: string | null): StageError {
  return error instanceof StageError
    ? error
    : new StageError(
        'fetch',
        object,
        'unexpected',
        `${marketLabel(market)}: ${object === 'trades' ? 'trades: ' : ''}${String(error)}`,
        rawKey,
        error,
      );
}

async function runMarket(
  market: Market,
  client: VenueClient,
  metadataFor: (venue: Venue) => Promise<Map<string, MarketInfo>>,
  store: RawStore,
  loader: Loader,
  runId: string,
): Promise<MarketOutcome> {
  const outcome = emptyOutcome(market);
  let info: MarketInfo;
  try {
    const found = (await metadataFor(market.venue)).get(market.symbol);
    if (!found) {
      throw new StageError(
        'fetch',
        'metadata',
        'unknown_market',
        `${market.venue} does not list ${market.symbol} (check MARKETS)`,
      );
    }
    info = found;
  } catch (error) {
    if (error instanceof StopRequested) outcome.abandoned = true;
    else outcome.error = unexpected(market, 'metadata', error, null);
    return outcome;
  }
  try {
    await runBook(market, info, client, store, loader, runId, outcome);
  } catch (error) {
    if (error instanceof StopRequested) {
      outcome.abandoned = true;
      return outcome;
    }
    outcome.error = unexpected(market, 'book', error, outcome.rawKey);
  }
  outcome.trades = await runTrades(market, info, client, store, loader, runId);
  // A market counts once: failed if its book failed, else abandoned if its trades were cut short.
  if (outcome.trades.abandoned && !outcome.error) outcome.abandoned = true;
  return outcome;
}

async function runBook(
  market: Market,
  info: MarketInfo,
  client: VenueClient,
  store: RawStore,
  loader: Loader,
  runId: string,
  outcome: MarketOutcome,
): Promise<void> {
  const job = marketJob(BOOK, { market, info, client, store, loader, runId }, { split: false }, (book) => {
    outcome.bidLevels = book.bids.length;
    outcome.askLevels = book.asks.length;
  });
  const loaded = await runStages(job, store, outcome);
  outcome.snapshotId = loaded.snapshotId;
  if (loader.isUsd(info.quote)) outcome.splitBase = info.base;
}

/**
 * The market's recent trades through the same four stages as its book. Every failure is a
 * StageError of object `trades` whose message says "trades", so etl_error tells it from the book's.
 */
async function runTrades(
  market: Market,
  info: MarketInfo,
  client: VenueClient,
  store: RawStore,
  loader: Loader,
  runId: string,
): Promise<TradesOutcome> {
  const outcome: TradesOutcome = {
    rawKey: null,
    abandoned: false,
    error: null,
    trades: 0,
    newTrades: 0,
    fetchId: null,
  };
  const job = marketJob(TRADES, { market, info, client, store, loader, runId }, {}, (batch) => {
    outcome.trades = batch.trades.length;
  });
  try {
    const loaded = await runStages(job, store, outcome);
    outcome.fetchId = loaded.fetchId;
    outcome.newTrades = loaded.newTrades;
  } catch (error) {
    if (error instanceof StopRequested) outcome.abandoned = true;
    else outcome.error = unexpected(market, 'trades', error, outcome.rawKey);
  }
  return outcome;
}
