/**
 * Raw-store key layout (DESIGN §4), relative to the store root; the store adds its own prefix.
 *
 *   exchange={exchange}/market={market}/date={YYYY-MM-DD}/hour={HH}/{YYYYMMDDTHHmmss.SSSZ}-{run_id}.json.gz
 *   _meta/exchange={exchange}/endpoint={endpoint}/date={YYYY-MM-DD}/hour={HH}/{ts}-{run_id}.json.gz
 *   _trades/exchange={exchange}/market={market}/date={YYYY-MM-DD}/hour={HH}/{ts}-{run_id}.json.gz
 *   _attempts/{any key above, for the attempt's own time}…/{ts}-{run_id}.attempt{N}.json.gz
 *
 * Hive-style folders let Athena/Trino/Spark/DuckDB prune by partition; the fixed-width UTC
 * timestamp first in the file name makes lexical order within an hour equal to time order.
 * Every component is validated on the way in, so a symbol can never smuggle `/`, `..` or
 * anything else into a key.
 */
import { VENUES, isVenue, type Venue } from '../markets.ts';
import { VENUE_NAMING, type MetaEndpoint } from '../venues/codes.ts';

export const MARKET_PATTERN = /^[A-Z0-9-]{1,30}$/;
export const RUN_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
/** Each venue's metadata endpoint, in registry order. */
export const META_ENDPOINTS: readonly MetaEndpoint[] = [
  ...new Set(VENUES.map((v) => VENUE_NAMING[v].metadataEndpoint)),
];
export type { MetaEndpoint };

/** Leading underscore: Hive-convention readers skip this folder when they scan the book lake. */
export const META_ROOT = '_meta';
export const KEY_SUFFIX = '.json.gz';
/**
 * Trades responses: the book lake's layout under its own root. The underscore keeps the book
 * lake a single Hive table (Spark and Hive skip `_` folders when they scan the root), while the
 * trades lake is one too when a reader is pointed at `{prefix}/_trades/`.
 */
export const TRADES_ROOT = '_trades';
/**
 * Responses to attempts that were retried (5xx, 429, a 2xx that is not JSON), under the key their
 * response would have had if it were final, with the attempt number in the file name. Outside
 * every lake a reader or backfill scans: a failed attempt is never taken for a book.
 */
export const ATTEMPTS_ROOT = '_attempts';

export interface SnapshotKeyParts {
  exchange: Venue;
  market: string;
  at: Date;
  runId: string;
}

export interface MetaKeyParts {
  exchange: Venue;
  endpoint: MetaEndpoint;
  at: Date;
  runId: string;
}

export function assertVenue(exchange: string): asserts exchange is Venue {
  if (!isVenue(exchange)) {
    throw new Error(`raw key: exchange ${JSON.stringify(exchange)} is not one of ${VENUES.join(', ')}`);
  }
}

export function assertMarket(market: string): void {
  if (!MARKET_PATTERN.test(market)) {
    throw new Error(`raw key: market ${JSON.stringify(market)} must match ${MARKET_PATTERN.source}`);
  }
}

export function assertRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new Error(`raw key: run_id ${JSON.stringify(runId)} must match ${RUN_ID_PATTERN.source}`);
  }
}

const ISO_MS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

interface TimeParts {
  date: string;
  hour: string;
  stamp: string;
}

function timeParts(at: Date): TimeParts {
  // A Date outside years 0000-9999 prints as ±YYYYYY, which would break the fixed-width layout.
  const iso = Number.isNaN(at.getTime()) ? '' : at.toISOString();
  const m = ISO_MS.exec(iso);
  if (!m) throw new Error(`raw key: time ${String(at)} is not a valid date within years 0000-9999`);
  const [, y, mo, d, h, mi, s, ms] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { date: `${y}-${mo}-${d}`, hour: h, stamp: `${y}${mo}${d}T${h}${mi}${s}.${ms}Z` };
}

function fileName(t: TimeParts, runId: string): string {
  return `date=${t.date}/hour=${t.hour}/${t.stamp}-${runId}${KEY_SUFFIX}`;
}

export function snapshotKey(parts: SnapshotKeyParts): string {
  assertVenue(parts.exchange);
  assertMarket(parts.market);
  assertRunId(parts.runId);
  const t = timeParts(parts.at);
  return `exchange=${parts.exchange}/market=${parts.market}/${fileName(t, parts.runId)}`;
}

/** Where one trades response of a market goes: the snapshot layout under `_trades/`. */
export function tradesKey(parts: SnapshotKeyParts): string {
  return `${TRADES_ROOT}/${snapshotKey(parts)}`;
}

export function metaKey(parts: MetaKeyParts): string {
  assertVenue(parts.exchange);
  if (!(META_ENDPOINTS as readonly string[]).includes(parts.endpoint)) {
    throw new Error(
      `raw key: endpoint ${JSON.stringify(parts.endpoint)} is not one of ${META_ENDPOINTS.join(', ')}`,
    );
  }
  assertRunId(parts.runId);
  const t = timeParts(parts.at);
  return `${META_ROOT}/exchange=${parts.exchange}/endpoint=${parts.endpoint}/${fileName(t, parts.runId)}`;
}

const VENUE_ALT = VENUES.join('|');
const TAIL =
  String.raw`date=(\d{4})-(\d{2})-(\d{2})/hour=(\d{2})/` +
  String.raw`(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-([A-Za-z0-9-]{1,64})\.json\.gz`;
const SNAPSHOT_KEY = new RegExp(`^exchange=(${VENUE_ALT})/market=([A-Z0-9-]{1,30})/${TAIL}$`);
const META_KEY = new RegExp(
  `^${META_ROOT}/exchange=(${VENUE_ALT})/endpoint=(${META_ENDPOINTS.join('|')})/${TAIL}$`,
);

/**
 * Reads the time and run id back from the tail of a key, rejecting keys whose folders disagree
 * with their file name or whose timestamp is not a real instant (2026-02-30 …): such a key was
 * not written by this code, and trusting its folders would mis-prune a listing.
 */
function parseTail(groups: string[]): { at: Date; runId: string } | null {
  const [fy, fmo, fd, fh, y, mo, d, h, mi, s, ms, runId] = groups as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (fy !== y || fmo !== mo || fd !== d || fh !== h) return null;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(at.getTime())) return null;
  // Date accepts e.g. 24:00 or Feb 30 in some forms; the round trip proves the fields were canonical.
  if (timeParts(at).stamp !== `${y}${mo}${d}T${h}${mi}${s}.${ms}Z`) return null;
  return { at, runId };
}

export function parseSnapshotKey(key: string): SnapshotKeyParts | null {
  const m = SNAPSHOT_KEY.exec(key);
  if (!m) return null;
  const [, exchange, market, ...rest] = m as unknown as [string, Venue, string, ...string[]];
  const tail = parseTail(rest);
  return tail ? { exchange, market, ...tail } : null;
}

export function parseTradesKey(key: string): SnapshotKeyParts | null {
  const prefix = `${TRADES_ROOT}/`;
  return key.startsWith(prefix) ? parseSnapshotKey(key.slice(prefix.length)) : null;
}

export function parseMetaKey(key: string): MetaKeyParts | null {
  const m = META_KEY.exec(key);
  if (!m) return null;
  const [, exchange, endpoint, ...rest] = m as unknown as [string, Venue, MetaEndpoint, ...string[]];
  const tail = parseTail(rest);
  return tail ? { exchange, endpoint, ...tail } : null;
}

const ATTEMPT_FILE = /^(.+)\.attempt([1-9]\d{0,2})\.json\.gz$/;

/** Where a retried attempt's response goes: `_attempts/` + the key it would have had, `.attempt{N}`. */
export function attemptKey(key: string, attempt: number): string {
  if (!parseSnapshotKey(key) && !parseTradesKey(key) && !parseMetaKey(key)) {
    throw new Error(`raw key: ${JSON.stringify(key)} is not a snapshot, trades or metadata key`);
  }
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 999) {
    throw new Error(`raw key: attempt ${attempt} is not 1-999`);
  }
  return `${ATTEMPTS_ROOT}/${key.slice(0, -KEY_SUFFIX.length)}.attempt${attempt}${KEY_SUFFIX}`;
}

/** The key an attempt's response would have had as the final one, and its attempt number. */
export function parseAttemptKey(key: string): { of: string; attempt: number } | null {
  const prefix = `${ATTEMPTS_ROOT}/`;
  if (!key.startsWith(prefix)) return null;
  const m = ATTEMPT_FILE.exec(key.slice(prefix.length));
  if (!m) return null;
  const of = `${m[1]}${KEY_SUFFIX}`;
  if (!parseSnapshotKey(of) && !parseTradesKey(of) && !parseMetaKey(of)) return null;
  return { of, attempt: Number(m[2]) };
}
