/**
 * What the reliability suite needs around one ETL run: the simulator, a raw folder, a warehouse,
 * and a view of what a run left behind in both, so each case asserts the state a user would
 * check rather than only that nothing threw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig, type Config } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import { runOnce, type MarketOutcome, type RunSummary } from '../../src/jobs/run.ts';
import type { Logger } from '../../src/log.ts';
import {
  listSnapshots,
  listTrades,
  openRawStore,
  parseAttemptKey,
  parseMetaKey,
  parseSnapshotKey,
  parseTradesKey,
  readEnvelope,
  type RawStore,
} from '../../src/raw/index.ts';
import { startSimulator, type SimMarket, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { errorLabel } from '../helpers/error-label.ts';
import { capturingLogger } from '../helpers/log.ts';

export interface Harness {
  sim: Simulator;
  testDb: TestDatabase;
  warehouse: Warehouse;
  /** The raw folder of the current case (a new one per `freshStore`). */
  store: RawStore;
  rawDir: string;
  /** Settings every run gets, over which a case's own go. */
  baseEnv: Record<string, string>;
  config(env?: Record<string, string>): Config;
  run(env?: Record<string, string>, options?: { log?: Logger; store?: RawStore }): Promise<RunSummary>;
  freshStore(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  markets: SimMarket[],
  baseEnv: Record<string, string> = {},
): Promise<Harness> {
  const sim = await startSimulator({ seed: 5, markets });
  const testDb = await createTestDatabase();
  const warehouse = await testDb.open();
  const env = {
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    BINANCE_DEPTH_LIMIT: '1000',
    MARKETS: markets.map((m) => `${m.venue}:${m.symbol}`).join(','),
    HTTP_RETRIES: '2',
    HTTP_BACKOFF_MS: '5',
    HTTP_TIMEOUT_MS: '400',
    ...baseEnv,
  };
  const dirs: string[] = [];
  const harness: Harness = {
    sim,
    testDb,
    warehouse,
    store: openRawStore('file:///nonexistent'),
    rawDir: '',
    baseEnv: env,
    config: (extra = {}) => loadConfig({ ...env, ...extra }),
    async run(extra = {}, options = {}) {
      // Each run starts on a fresh venue minute, as an hourly one does. Otherwise the weight a
      // file's earlier runs used within one clock minute makes the Binance limiter wait for the
      // next minute (up to 60 s) near its budget, in whichever case happens to cross it.
      sim.resetRateLimits();
      const config = harness.config(extra);
      const log = options.log ?? capturingLogger().log;
      const clients = createVenueClients(config, log, {
        coinbase: new RequestRateLimiter(1000),
        binance: new WeightBudgetLimiter(6000),
      });
      return runOnce({
        config,
        log,
        store: options.store ?? harness.store,
        clients,
        db: warehouse.db,
        loader: new Loader(warehouse.db, config),
      });
    },
    async freshStore() {
      harness.rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-rel-'));
      dirs.push(harness.rawDir);
      harness.store = openRawStore(`file://${harness.rawDir}`);
    },
    async close() {
      await sim.close();
      await warehouse.close();
      await testDb.cleanup();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
  await harness.freshStore();
  return harness;
}

export function outcomeOf(summary: RunSummary, symbol: string): MarketOutcome {
  const found = summary.outcomes.find((o) => o.market.symbol === symbol);
  if (!found) throw new Error(`no outcome for ${symbol}`);
  return found;
}

export async function rawKeys(store: RawStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of listSnapshots(store)) keys.push(key);
  return keys;
}

/** Snapshots of a run with the counts that show whether each is whole. */
export async function loadedSnapshots(warehouse: Warehouse, runId: string) {
  const { rows } = await sql<{
    symbol: string;
    raw_key: string;
    stored_levels: number;
    levels: string;
    tops: string;
    depths: string;
    fills: string;
  }>`
    select m.symbol, s.raw_key, s.stored_levels,
      (select count(*) from orderbook.fact_level l where l.snapshot_id = s.snapshot_id) as levels,
      (select count(*) from orderbook.fact_top t where t.snapshot_id = s.snapshot_id) as tops,
      (select count(*) from orderbook.fact_depth d where d.snapshot_id = s.snapshot_id) as depths,
      (select count(*) from orderbook.fact_fill f where f.snapshot_id = s.snapshot_id) as fills
    from orderbook.fact_snapshot s join orderbook.dim_market m using (market_id)
    where s.run_id = ${runId}
    order by m.symbol`.execute(warehouse.db);
  return rows;
}

export async function errorRows(warehouse: Warehouse, runId: string) {
  return warehouse.db
    .selectFrom('orderbook.etl_error')
    .select(['exchange', 'market', 'stage', errorLabel.as('kind'), 'message', 'raw_key'])
    .where('run_id', '=', runId)
    .orderBy('market')
    .orderBy('error_id')
    .execute();
}

/** Raw keys of the trades responses in the store. */
export async function tradeKeys(store: RawStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of listTrades(store)) keys.push(key);
  return keys;
}

export async function runRow(warehouse: Warehouse, runId: string) {
  return warehouse.db
    .selectFrom('orderbook.etl_run')
    .selectAll()
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
}

/** Every key in the store, whatever its folder (`_attempts/`, `_meta/` and the lakes alike). */
export async function allKeys(store: RawStore, prefix = ''): Promise<string[]> {
  const { keys, prefixes } = await store.listChildren(prefix);
  const below = await Promise.all(prefixes.map((p) => allKeys(store, p)));
  return [...keys, ...below.flat()];
}

/** What request a final or attempt key answered: its kind, venue and market or endpoint. */
function requestOf(key: string): string | null {
  const parts = parseSnapshotKey(key) ?? parseTradesKey(key);
  if (parts)
    return `${parseTradesKey(key) ? 'trades' : 'book'}/${parts.exchange}/${parts.market}/${parts.runId}`;
  const meta = parseMetaKey(key);
  return meta ? `meta/${meta.exchange}/${meta.endpoint}/${meta.runId}` : null;
}

/**
 * The responses of retried attempts of the run: each is a recorded failed attempt — its envelope
 * says which attempt it was and shows why it was retried (429, 5xx, a body that is not JSON) — and
 * belongs to a request whose later, final response is in the store, or is named in etl_error
 * (the request gave up with no final response).
 */
async function expectAttemptsRecorded(h: Harness, runId: string, named: Set<string | null>): Promise<number> {
  const keys = (await allKeys(h.store)).filter((k) => k.includes(`-${runId}.`));
  const finals = new Map<string, number>();
  for (const key of keys) {
    const request = parseAttemptKey(key) ? null : requestOf(key);
    if (request === null) continue;
    const { meta } = await readEnvelope(h.store, key);
    finals.set(request, Math.max(finals.get(request) ?? 0, meta.attempt ?? 1));
  }
  let attempts = 0;
  for (const key of keys) {
    const parsed = parseAttemptKey(key);
    if (!parsed) {
      if (requestOf(key) === null) throw new Error(`raw object of no known layout: ${key}`);
      continue;
    }
    attempts++;
    const { meta, payloadKind } = await readEnvelope(h.store, key);
    const retried =
      meta.status === 429 || meta.status >= 500 || (meta.status < 300 && payloadKind !== 'json');
    if (meta.attempt !== parsed.attempt || !retried) {
      throw new Error(
        `${key} is not a failed attempt: attempt ${meta.attempt}, HTTP ${meta.status} ${payloadKind}`,
      );
    }
    const final = finals.get(requestOf(parsed.of) ?? '');
    if (!named.has(key) && !(final !== undefined && final > parsed.attempt)) {
      throw new Error(`attempt ${key} has no later final response and is not in etl_error`);
    }
  }
  return attempts;
}

/**
 * The invariant behind "nothing lost": every raw object of the run is either a loaded snapshot,
 * named by an etl_error row, or a recorded failed attempt (see expectAttemptsRecorded), and every
 * loaded snapshot is whole (all its stored levels and its top, depth and fill rows, which only
 * come together in one transaction). The same holds for trades responses: each one is a loaded
 * fetch with all its trades, or in etl_error. Returns how many failed attempts the run kept.
 */
export async function expectAccountedFor(
  h: Harness,
  summary: RunSummary,
  expectFills: (symbol: string) => number,
): Promise<number> {
  const keys = (await rawKeys(h.store)).filter((k) => k.endsWith(`-${summary.runId}.json.gz`));
  const loaded = await loadedSnapshots(h.warehouse, summary.runId);
  const errors = await errorRows(h.warehouse, summary.runId);
  const explained = new Set([...loaded.map((s) => s.raw_key), ...errors.map((e) => e.raw_key)]);
  const unexplained = keys.filter((k) => !explained.has(k));
  if (unexplained.length > 0)
    throw new Error(`raw objects neither loaded nor in etl_error: ${unexplained.join(', ')}`);
  const { rows: fetches } = await sql<{ raw_key: string; trade_count: number; stored: string }>`
    select f.raw_key, f.trade_count,
      (select count(*) from orderbook.fact_trade t
       where t.market_id = f.market_id and t.trade_id between f.first_trade_id and f.last_trade_id) as stored
    from orderbook.fact_trade_fetch f where f.run_id = ${summary.runId}`.execute(h.warehouse.db);
  const tradesExplained = new Set([...fetches.map((f) => f.raw_key), ...errors.map((e) => e.raw_key)]);
  const tradesUnexplained = (await tradeKeys(h.store))
    .filter((k) => k.endsWith(`-${summary.runId}.json.gz`))
    .filter((k) => !tradesExplained.has(k));
  if (tradesUnexplained.length > 0)
    throw new Error(`trades objects neither loaded nor in etl_error: ${tradesUnexplained.join(', ')}`);
  for (const f of fetches) {
    // The simulator numbers trades one by one: a whole fetch leaves every id of its range stored.
    if (Number(f.stored) !== f.trade_count) {
      throw new Error(`trades fetch ${f.raw_key} is not whole: ${JSON.stringify(f)}`);
    }
  }
  for (const s of loaded) {
    if (Number(s.levels) !== s.stored_levels || s.tops !== '1' || Number(s.depths) === 0) {
      throw new Error(`snapshot ${s.raw_key} is not whole: ${JSON.stringify(s)}`);
    }
    if (Number(s.fills) !== expectFills(s.symbol)) {
      throw new Error(
        `snapshot ${s.raw_key} has ${s.fills} fills, expected ${String(expectFills(s.symbol))}`,
      );
    }
  }
  return expectAttemptsRecorded(h, summary.runId, new Set(errors.map((e) => e.raw_key)));
}
