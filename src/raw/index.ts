/**
 * The raw store as the rest of the pipeline sees it: open one from RAW_STORE_URL, write what a
 * venue answered before anything parses it, and read it back for backfill. Layout lives in
 * keys.ts, the object format in envelope.ts; the listing walk below is written once over the
 * RawStore interface so the folder and S3 stores prune and order identically.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Venue } from '../markets.ts';
import { decodeEnvelope, encodeEnvelope, type DecodedEnvelope, type EnvelopeMeta } from './envelope.ts';
import { FileRawStore } from './file.ts';
import {
  assertMarket,
  assertVenue,
  attemptKey,
  metaKey,
  parseSnapshotKey,
  parseTradesKey,
  snapshotKey,
  tradesKey,
  TRADES_ROOT,
  type MetaEndpoint,
  type SnapshotKeyParts,
} from './keys.ts';
import { S3RawStore, redactUrl, type S3Options } from './s3.ts';
import { byteOrder, type RawStore } from './store.ts';

export type { DecodedEnvelope, EnvelopeMeta, PayloadKind } from './envelope.ts';
export { decodeEnvelope, encodeEnvelope } from './envelope.ts';
export type { MetaEndpoint, MetaKeyParts, SnapshotKeyParts } from './keys.ts';
export {
  ATTEMPTS_ROOT,
  attemptKey,
  META_ENDPOINTS,
  metaKey,
  parseAttemptKey,
  parseMetaKey,
  parseSnapshotKey,
  parseTradesKey,
  snapshotKey,
  tradesKey,
  TRADES_ROOT,
} from './keys.ts';
export type { ListResult, RawStore, RawStoreOp } from './store.ts';
export { RawStoreError } from './store.ts';
export type { S3Options } from './s3.ts';
export { FileRawStore } from './file.ts';
export { S3RawStore } from './s3.ts';

/**
 * `file://relative/dir`, `file:///abs/dir` or `s3://bucket[/prefix]`. A relative file path is
 * taken as written (no percent-decoding) against the working directory, which is what
 * `file://DATA_DIR/raw` with `DATA_DIR=./data` means.
 */
export function openRawStore(url: string, s3: S3Options = {}): RawStore {
  if (url.startsWith('s3://')) return new S3RawStore(url, s3);
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    if (rest === '' || /[?#]/.test(rest)) {
      throw new Error(
        `raw store URL "${redactUrl(url)}": give a folder, e.g. file://./data/raw or file:///var/lib/raw`,
      );
    }
    return new FileRawStore(rest.startsWith('/') ? fileURLToPath(url) : path.resolve(rest));
  }
  throw new Error(
    `raw store URL "${redactUrl(url)}" is not supported: use file://<folder> (relative or absolute) or s3://bucket[/prefix]`,
  );
}

/** A snapshot envelope always names its market. */
export interface SnapshotMeta extends EnvelopeMeta {
  market: string;
}

export interface SnapshotRecord extends DecodedEnvelope {
  key: string;
  meta: SnapshotMeta;
}

function receivedAt(meta: Pick<EnvelopeMeta, 'received_at'>): Date {
  const at = new Date(meta.received_at);
  if (Number.isNaN(at.getTime()))
    throw new Error(`raw: received_at ${JSON.stringify(meta.received_at)} is not a date`);
  return at;
}

/** The two kinds of market response, each under its own root (keys.ts). */
const MARKET_KEYS = { book: snapshotKey, trades: tradesKey } as const;

/** Stores one response of a market, a book or its trades; returns its key. */
async function writeMarketObject(
  kind: keyof typeof MARKET_KEYS,
  store: RawStore,
  meta: SnapshotMeta,
  body: Buffer,
  gzipLevel?: number,
): Promise<string> {
  const key = MARKET_KEYS[kind]({
    exchange: meta.exchange,
    market: meta.market,
    at: receivedAt(meta),
    runId: meta.run_id,
  });
  await store.put(key, await encodeEnvelope(meta, body, gzipLevel));
  return key;
}

/** Stores one order-book response; returns its key (what fact_snapshot.raw_key records). */
export function writeSnapshot(store: RawStore, meta: SnapshotMeta, body: Buffer, gzipLevel?: number) {
  return writeMarketObject('book', store, meta, body, gzipLevel);
}

/**
 * Stores one trades response of a market under `_trades/`, in the same envelope as a book;
 * returns its key (what fact_trade_fetch.raw_key records).
 */
export function writeTrades(store: RawStore, meta: SnapshotMeta, body: Buffer, gzipLevel?: number) {
  return writeMarketObject('trades', store, meta, body, gzipLevel);
}

/** The envelope of a venue-wide response names no market. */
export type MetaEnvelopeMeta = Omit<EnvelopeMeta, 'market'> & { market?: null };

/**
 * Stores one venue metadata response (Coinbase /products, Binance /api/v3/exchangeInfo) under
 * `_meta/`, with `"market":null` in its envelope.
 */
export async function writeMeta(
  store: RawStore,
  meta: MetaEnvelopeMeta,
  body: Buffer,
  endpoint: MetaEndpoint,
  gzipLevel?: number,
): Promise<string> {
  const key = metaKey({ exchange: meta.exchange, endpoint, at: receivedAt(meta), runId: meta.run_id });
  await store.put(key, await encodeEnvelope({ ...meta, market: null }, body, gzipLevel));
  return key;
}

/** The kinds of raw object a venue answers with: a market's book, its trades, the venue's market list. */
export type RawObject = 'book' | 'trades' | 'metadata';

/** What a request asked for: a book, a market's trades, or one of the venue metadata endpoints. */
export type RequestKind = 'book' | 'trades' | MetaEndpoint;

/**
 * Stores the response to an attempt that was retried (or the last one that arrived before the
 * request gave up) under `_attempts/`; returns its key. The envelope says which attempt it was.
 */
export async function writeAttempt(
  store: RawStore,
  kind: RequestKind,
  meta: EnvelopeMeta & { attempt: number },
  body: Buffer,
  gzipLevel?: number,
): Promise<string> {
  const at = receivedAt(meta);
  const finalKey =
    kind === 'book' || kind === 'trades'
      ? MARKET_KEYS[kind]({
          exchange: meta.exchange,
          market: meta.market ?? '',
          at,
          runId: meta.run_id,
        })
      : metaKey({ exchange: meta.exchange, endpoint: kind, at, runId: meta.run_id });
  const key = attemptKey(finalKey, meta.attempt);
  const envelope = kind === 'book' || kind === 'trades' ? meta : { ...meta, market: null };
  await store.put(key, await encodeEnvelope(envelope, body, gzipLevel));
  return key;
}

/** Fails with a RawStoreError when the store cannot be used (see RawStore.probe). */
export async function probeRawStore(store: RawStore, signal?: AbortSignal): Promise<void> {
  await store.probe(signal);
}

/** Any raw object (snapshot or metadata), decoded. */
export async function readEnvelope(store: RawStore, key: string): Promise<DecodedEnvelope & { key: string }> {
  return { key, ...(await decodeEnvelope(await store.get(key))) };
}

/**
 * Reads a snapshot and checks its envelope agrees with its key: backfill trusts the key for
 * partitioning and the envelope for loading, so an object copied or renamed to the wrong place
 * must fail here rather than land under the wrong market.
 */
export async function readSnapshot(store: RawStore, key: string): Promise<SnapshotRecord> {
  return readMarketObject(store, key, parseSnapshotKey(key), 'snapshot');
}

/** Reads a trades response, with the same key/envelope agreement check as readSnapshot. */
export async function readTrades(store: RawStore, key: string): Promise<SnapshotRecord> {
  return readMarketObject(store, key, parseTradesKey(key), 'trades');
}

async function readMarketObject(
  store: RawStore,
  key: string,
  parts: SnapshotKeyParts | null,
  what: string,
): Promise<SnapshotRecord> {
  if (!parts) throw new Error(`raw: ${JSON.stringify(key)} is not a ${what} key`);
  const decoded = await decodeEnvelope(await store.get(key));
  const { meta } = decoded;
  const mismatch =
    meta.exchange !== parts.exchange ||
    meta.market !== parts.market ||
    meta.run_id !== parts.runId ||
    receivedAt(meta).getTime() !== parts.at.getTime();
  if (mismatch || meta.market === null) {
    throw new Error(
      `raw: envelope of ${key} says ${meta.exchange}/${String(meta.market)} run ${meta.run_id} at ${meta.received_at}`,
    );
  }
  return { ...decoded, key, meta: { ...meta, market: meta.market } };
}

export interface SnapshotFilter {
  exchange?: Venue | undefined;
  market?: string | undefined;
  /** Inclusive, on received_at. */
  from?: Date | undefined;
  /** Exclusive, on received_at. */
  to?: Date | undefined;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const EXCHANGE_DIR = /^exchange=[^/]+\/$/;
const MARKET_DIR = /^market=[A-Z0-9-]{1,30}\/$/;
const DATE_DIR = /^date=(\d{4})-(\d{2})-(\d{2})\/$/;
const HOUR_DIR = /^hour=(\d{2})\/$/;

function dayStart(dir: string): number | null {
  const m = DATE_DIR.exec(dir);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`);
  // Date.parse rolls 2026-02-30 over to March; the round trip rejects folders no writer made.
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}` ? null : t;
}

function hourOf(dir: string): number | null {
  const m = HOUR_DIR.exec(dir);
  const h = m ? Number(m[1]) : NaN;
  return h >= 0 && h <= 23 ? h : null;
}

function childrenMatching(prefixes: string[], parent: string, pattern: RegExp): string[] {
  return prefixes.filter((p) => pattern.test(p.slice(parent.length)));
}

/**
 * Snapshot keys matching the filter: by exchange, then market, then received_at. Walks the
 * partitions one folder at a time and skips whole date=/hour= folders outside [from, to), so a
 * one-hour backfill over years of lake lists a handful of folders and memory never holds more
 * than one folder's listing.
 */
export function listSnapshots(store: RawStore, filter: SnapshotFilter = {}): AsyncGenerator<string> {
  return listPartitioned(store, '', parseSnapshotKey, filter);
}

/** Trades keys matching the filter, in the same order and with the same pruning as listSnapshots. */
export function listTrades(store: RawStore, filter: SnapshotFilter = {}): AsyncGenerator<string> {
  return listPartitioned(store, `${TRADES_ROOT}/`, parseTradesKey, filter);
}

async function* listPartitioned(
  store: RawStore,
  root: string,
  parse: (key: string) => SnapshotKeyParts | null,
  filter: SnapshotFilter,
): AsyncGenerator<string> {
  if (filter.exchange !== undefined) assertVenue(filter.exchange);
  if (filter.market !== undefined) assertMarket(filter.market);
  const from = filter.from?.getTime() ?? -Infinity;
  const to = filter.to?.getTime() ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('listSnapshots: from/to must be valid dates');
  if (from >= to) return;

  const exchanges =
    filter.exchange !== undefined
      ? [`${root}exchange=${filter.exchange}/`]
      : childrenMatching((await store.listChildren(root)).prefixes, root, EXCHANGE_DIR);
  for (const ex of exchanges) {
    const markets =
      filter.market !== undefined
        ? [`${ex}market=${filter.market}/`]
        : childrenMatching((await store.listChildren(ex)).prefixes, ex, MARKET_DIR);
    for (const mk of markets) {
      for (const dateDir of (await store.listChildren(mk)).prefixes) {
        const day = dayStart(dateDir.slice(mk.length));
        if (day === null || day + DAY_MS <= from || day >= to) continue;
        for (const hourDir of (await store.listChildren(dateDir)).prefixes) {
          const hour = hourOf(hourDir.slice(dateDir.length));
          if (hour === null) continue;
          const start = day + hour * HOUR_MS;
          if (start + HOUR_MS <= from || start >= to) continue;
          const hits: { key: string; at: number }[] = [];
          for (const key of (await store.listChildren(hourDir)).keys) {
            const parts = parse(key);
            if (!parts) continue;
            const at = parts.at.getTime();
            if (at >= from && at < to) hits.push({ key, at });
          }
          hits.sort((a, b) => a.at - b.at || byteOrder(a.key, b.key));
          for (const h of hits) yield h.key;
        }
      }
    }
  }
}
