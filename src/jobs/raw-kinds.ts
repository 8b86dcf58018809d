/**
 * The raw kinds a venue is asked for — a market's book, its trades, the venue's market list — each
 * as one value: how it is fetched, stored, read back and listed, parsed, loaded, into which table,
 * and how its failures are worded. run.ts drives them through stages.ts; backfill.ts reads and
 * loads the market kinds from the raw store the same way.
 */
import type { HttpError, HttpResponse, MarketInfo, VenueClient } from '../venues/index.ts';
import {
  BookError,
  parseBook,
  parseTrades,
  TradesError,
  type OrderBook,
  type TradeBatch,
} from '../venues/index.ts';
import { marketLabel, type Market, type Venue } from '../markets.ts';
import {
  listSnapshots,
  listTrades,
  readSnapshot,
  readTrades,
  writeMeta,
  writeSnapshot,
  writeTrades,
  type EnvelopeMeta,
  type RawStore,
  type SnapshotFilter,
  type SnapshotMeta,
  type SnapshotRecord,
} from '../raw/index.ts';
import type { LoadResult, Loader, LoadSource, RawKeyTable, TradesLoadResult } from '../warehouse/index.ts';
import type { StageJob, StageWords } from './stages.ts';

/** A run loads a book without its split (derived once per base after the run); backfill without derive. */
export interface LoadOptions {
  derive?: boolean;
  split?: boolean;
}

/** What a load takes from a raw object's envelope: LoadSource and the request URL (a book's depth limit). */
export type RawSource = LoadSource & { url: string };

/** A raw kind of one market, fetched by the run and loaded again by backfill. */
export interface MarketKind<Parsed, Loaded extends { inserted: boolean }> {
  object: 'book' | 'trades';
  /** The table whose raw_key says an object of this kind is loaded. */
  table: RawKeyTable;
  /** In backfill's "HTTP 503 response, not …" reasons. */
  noun: string;
  fetch(client: VenueClient, symbol: string): Promise<HttpResponse>;
  write(store: RawStore, meta: SnapshotMeta, body: Buffer): Promise<string>;
  read(store: RawStore, key: string): Promise<SnapshotRecord>;
  list(store: RawStore, filter: SnapshotFilter): AsyncGenerator<string>;
  parse(venue: Venue, symbol: string, text: string): Parsed;
  /** etl_error.kind of a body this kind cannot read; null for anything else thrown. */
  parseFailure(error: unknown): string | null;
  load(loader: Loader, parsed: Parsed, source: RawSource, options: LoadOptions): Promise<Loaded>;
  /** Backfill's debug line for a loaded object. */
  loaded(rawKey: string, loaded: Loaded): { fields: Record<string, unknown>; msg: string };
  words(market: Market, client: VenueClient): StageWords;
}

function failedKind(type: typeof BookError | typeof TradesError) {
  return (error: unknown): string | null => (error instanceof type ? error.kind : null);
}

export const BOOK: MarketKind<OrderBook, LoadResult> = {
  object: 'book',
  table: 'orderbook.fact_snapshot',
  noun: 'a book',
  fetch: (client, symbol) => client.fetchBook(symbol),
  write: (store, meta, body) => writeSnapshot(store, meta, body),
  read: readSnapshot,
  list: listSnapshots,
  parse: parseBook,
  parseFailure: failedKind(BookError),
  load: (loader, book, source, options) => loader.load({ book, ...source }, options),
  loaded: (rawKey, loaded) => ({
    fields: { rawKey, snapshotId: loaded.snapshotId },
    msg: 'raw object loaded',
  }),
  words: (market, client) => ({
    fetchFailed: (error) => error.message,
    attemptNotStored: (attempt, error) => `raw object of attempt ${attempt} not stored: ${String(error)}`,
    notStored: (error) => `raw object not stored: ${String(error)}`,
    answered: (r) =>
      `${market.venue} ${market.symbol} GET ${r.url} answered HTTP ${r.status} after ${r.attempts} attempt(s): ${client.describeError(r)}`,
    unreadable: (_r, error) => `${marketLabel(market)}: ${(error as BookError).message}`,
    notLoaded: (error) => `${marketLabel(market)}: not loaded: ${String(error)}`,
  }),
};

export const TRADES: MarketKind<TradeBatch, TradesLoadResult> = {
  object: 'trades',
  table: 'orderbook.fact_trade_fetch',
  noun: 'trades',
  fetch: (client, symbol) => client.fetchTrades(symbol),
  write: (store, meta, body) => writeTrades(store, meta, body),
  read: readTrades,
  list: listTrades,
  parse: parseTrades,
  parseFailure: failedKind(TradesError),
  // Trades do not depend on the request's parameters beyond what the batch holds.
  load: (loader, batch, { url: _url, ...source }) => loader.loadTrades({ batch, ...source }),
  loaded: (rawKey, loaded) => ({
    fields: { rawKey, fetchId: loaded.fetchId, trades: loaded.trades },
    msg: 'raw trades loaded',
  }),
  words: (market, client) => {
    const label = `${marketLabel(market)}: trades`;
    return {
      fetchFailed: (error: HttpError) => `${label}: ${error.message}`,
      attemptNotStored: (attempt, error) =>
        `trades: raw object of attempt ${attempt} not stored: ${String(error)}`,
      notStored: (error) => `${label}: raw object not stored: ${String(error)}`,
      answered: (r) =>
        `${label}: GET ${r.url} answered HTTP ${r.status} after ${r.attempts} attempt(s): ${client.describeError(r)}`,
      unreadable: (_r, error) => `${label}: ${(error as TradesError).message}`,
      notLoaded: (error) => `${label}: not loaded: ${String(error)}`,
    };
  },
};

/** The envelope of a market's response. */
function marketEnvelope(
  market: Market,
  info: MarketInfo,
  response: HttpResponse,
  runId: string,
): SnapshotMeta {
  return {
    exchange: market.venue,
    market: market.symbol,
    url: response.url,
    requested_at: response.requestedAt.toISOString(),
    received_at: response.receivedAt.toISOString(),
    status: response.status,
    attempt: response.attempts,
    run_id: runId,
    base: info.base,
    quote: info.quote,
  };
}

/** One market's request of a market kind in a run, set up for the stage runner. */
export function marketJob<Parsed, Loaded extends { inserted: boolean }>(
  kind: MarketKind<Parsed, Loaded>,
  to: {
    market: Market;
    info: MarketInfo;
    client: VenueClient;
    store: RawStore;
    loader: Loader;
    runId: string;
  },
  options: LoadOptions,
  parsed?: (parsed: Parsed) => void,
): StageJob<Parsed, Loaded> {
  const { market, info, client, store, loader, runId } = to;
  const envelope = (r: HttpResponse) => marketEnvelope(market, info, r, runId);
  return {
    object: kind.object,
    words: kind.words(market, client),
    request: kind.object,
    fetch: () => kind.fetch(client, market.symbol),
    envelope,
    write: (meta, body) => kind.write(store, meta as SnapshotMeta, body),
    parse: (text) => kind.parse(market.venue, market.symbol, text),
    parseFailure: (error) => kind.parseFailure(error),
    ...(parsed ? { parsed } : {}),
    load: (value, response, rawKey) =>
      kind.load(
        loader,
        value,
        {
          base: info.base,
          quote: info.quote,
          rawKey,
          runId,
          url: response.url,
          requestedAt: response.requestedAt.toISOString(),
          receivedAt: response.receivedAt.toISOString(),
          marketNotExecutable: info.notExecutable,
        },
        options,
      ),
  };
}

/**
 * A venue's market list, asked once per run for the markets configured on it: stored under
 * `_meta/`, parsed to market → base/quote, and not loaded (it lives for the run only; the
 * warehouse learns a market's assets when its first book loads).
 */
export function metadataJob(
  client: VenueClient,
  symbols: string[],
  store: RawStore,
  runId: string,
): StageJob<Map<string, MarketInfo>, Map<string, MarketInfo>> {
  const what = `${client.venue} metadata`;
  return {
    object: 'metadata',
    words: {
      fetchFailed: (error) => error.message,
      attemptNotStored: (attempt, error) => `raw object of attempt ${attempt} not stored: ${String(error)}`,
      notStored: (error) => `${what} not stored: ${String(error)}`,
      answered: (r) => `${what} ${r.url} answered HTTP ${r.status}: ${client.describeError(r)}`,
      unreadable: (r, error) => `${what} ${r.url} unreadable: ${String(error)}`,
      notLoaded: (error) => `${what} not kept: ${String(error)}`,
    },
    request: client.metadataEndpoint,
    fetch: () => client.fetchMetadata(symbols),
    envelope: (r): EnvelopeMeta => ({
      exchange: client.venue,
      market: null,
      url: r.url,
      requested_at: r.requestedAt.toISOString(),
      received_at: r.receivedAt.toISOString(),
      status: r.status,
      attempt: r.attempts,
      run_id: runId,
      base: null,
      quote: null,
    }),
    write: (meta, body) => writeMeta(store, { ...meta, market: null }, body, client.metadataEndpoint),
    parse: (text) => client.parseMetadata(text),
    // Any error: a market list that does not read is the venue's answer, and every market needs it.
    parseFailure: () => 'metadata',
    load: (markets) => Promise.resolve(markets),
  };
}
