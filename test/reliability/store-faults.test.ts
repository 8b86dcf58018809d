/**
 * When the raw store or the database fails under a run: nothing is loaded without its raw
 * object, no snapshot is ever half there, and what a run kept but could not load is loaded by
 * the next backfill.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import { pipelineOrExit as openPipeline } from '../../src/cli/startup.ts';
import { openPipeline as openJobPipeline, StartupError } from '../../src/jobs/pipeline.ts';
import { openRawStore, readSnapshot, type RawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startS3rver, S3RVER_CREDENTIALS, S3RVER_REGION, type S3rver } from '../helpers/s3rver.ts';
import {
  errorRows,
  expectAccountedFor,
  loadedSnapshots,
  outcomeOf,
  rawKeys,
  runRow,
  startHarness,
  type Harness,
} from './harness.ts';

const MARKETS = defaultSimMarkets(60);
const ALL = MARKETS.map((m) => m.symbol).sort();
const BUCKET = 'raw-lake';

/**
 * A pass-through in front of s3rver that can answer with an error status instead, so the real
 * S3 client meets real 5xx answers (and its own retry strategy) on the way to a real store.
 */
interface FlakyS3 {
  endpoint: string;
  /** Requests seen, as `METHOD path`. */
  seen: string[];
  /** The next `times` PUTs of book (or trades) objects answer `status` without reaching s3rver. */
  failPuts(status: number, times: number, objects?: 'books' | 'trades'): void;
  close(): Promise<void>;
}

async function startFlakyS3(target: S3rver): Promise<FlakyS3> {
  const seen: string[] = [];
  let failing = { status: 0, remaining: 0, trades: false };
  const server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const url = req.url ?? '';
    const refusable = failing.trades
      ? url.includes('/_trades/')
      : !url.includes('/_meta/') && !url.includes('/_trades/');
    if (req.method === 'PUT' && refusable && failing.remaining > 0) {
      failing.remaining--;
      req.resume();
      req.on('end', () => {
        res.writeHead(failing.status, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code></Error>');
      });
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    failPuts(status, times, objects = 'books') {
      failing = { status, remaining: times, trades: objects === 'trades' };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let h: Harness;
let s3: S3rver;
let flaky: FlakyS3;
const opened: RawStore[] = [];

function s3Store(endpoint: string, prefix: string): RawStore {
  const store = openRawStore(`s3://${BUCKET}/${prefix}`, {
    endpoint,
    forcePathStyle: true,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 3,
  });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  h = await startHarness(MARKETS);
  s3 = await startS3rver();
  await s3.createBucket(BUCKET);
  flaky = await startFlakyS3(s3);
});
afterAll(async () => {
  for (const store of opened) await store.close();
  await flaky.close();
  await s3.stop();
  await h.close();
});
beforeEach(async () => {
  h.sim.clearFaults();
  h.sim.resetRequests();
  await h.freshStore();
});

/** PUTs of book objects (not venue metadata, not trades). */
const puts = () =>
  flaky.seen.filter((r) => r.startsWith('PUT ') && !r.includes('/_meta/') && !r.includes('/_trades/'));

/** The ETL's config with its raw store in a bucket behind a local endpoint on `port`. */
function s3ConfigAt(port: number) {
  return loadConfig({
    ...h.baseEnv,
    DATABASE_URL: h.testDb.databaseUrl ?? '',
    DATA_DIR: h.testDb.dataDir,
    RAW_STORE_URL: `s3://${BUCKET}/x`,
    S3_ENDPOINT: `http://127.0.0.1:${String(port)}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: S3RVER_REGION,
  });
}

describe('S3 raw store faults', () => {
  it('503s on a put are retried and the market loads once its object is stored', async () => {
    h.store = s3Store(flaky.endpoint, 'retry');
    flaky.seen.length = 0;
    flaky.failPuts(503, 2);
    const summary = await h.run();
    expect(summary.exitCode).toBe(0);
    expect(puts()).toHaveLength(ALL.length + 2); // two refused, then one stored per market
    const loaded = await loadedSnapshots(h.warehouse, summary.runId);
    expect(loaded.map((s) => s.symbol)).toEqual(ALL);
    for (const s of loaded) expect((await readSnapshot(h.store, s.raw_key)).meta.status).toBe(200);
    await expectAccountedFor(h, summary, () => 4);
  });

  it('500 on every try: the market fails at store after 3 tries and nothing of it is loaded', async () => {
    h.store = s3Store(flaky.endpoint, 'down');
    flaky.seen.length = 0;
    // Two markets' worth of tries (3 each).
    flaky.failPuts(500, 6);
    const summary = await h.run({ CONCURRENCY: '1', MARKETS: 'coinbase:BTC-USD,binance:BTCUSDT' });
    expect(summary.exitCode).toBe(2);
    const errors = await errorRows(h.warehouse, summary.runId);
    expect(errors.map((e) => [e.market, e.stage, e.kind])).toEqual([
      ['BTC-USD', 'store', 'raw_store'],
      ['BTCUSDT', 'store', 'raw_store'],
    ]);
    for (const e of errors) expect(e.message).toMatch(/after 3 attempt|500|ServiceUnavailable|InternalError/);
    expect(puts()).toHaveLength(6); // each book fetched, and its put tried 3 times
    expect(errors.map((e) => e.raw_key)).toEqual([null, null]);
    expect(await loadedSnapshots(h.warehouse, summary.runId)).toEqual([]);
    expect(await rawKeys(h.store)).toEqual([]);
    expect(await runRow(h.warehouse, summary.runId)).toMatchObject({ status: 'failed', markets_failed: 2 });
  });

  it('trades that cannot be stored are not parsed or loaded; the book still loads; exit 2', async () => {
    h.store = s3Store(flaky.endpoint, 'trades-down');
    flaky.seen.length = 0;
    flaky.failPuts(500, 3, 'trades');
    const summary = await h.run({ MARKETS: 'binance:ETHUSDT' });
    expect([summary.exitCode, summary.marketsOk, summary.tradesFailed]).toEqual([2, 1, 1]);
    const errors = await errorRows(h.warehouse, summary.runId);
    expect(errors.map((e) => [e.market, e.stage, e.kind, e.raw_key])).toEqual([
      ['ETHUSDT', 'store', 'trades_raw_store', null],
    ]);
    expect(errors[0]?.message).toMatch(/^binance:ETHUSDT: trades: raw object not stored/);
    expect(flaky.seen.filter((r) => r.startsWith('PUT ') && r.includes('/_trades/'))).toHaveLength(3);
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from orderbook.fact_trade_fetch where run_id = ${summary.runId}`.execute(
      h.warehouse.db,
    );
    expect(rows[0]?.n).toBe('0');
    expect((await loadedSnapshots(h.warehouse, summary.runId)).map((s) => s.symbol)).toEqual(['ETHUSDT']);
    expect(await runRow(h.warehouse, summary.runId)).toMatchObject({ status: 'partial', trades_failed: 1 });
    await expectAccountedFor(h, summary, () => 4);
  });

  it('an S3 endpoint that is down at start: exit 1, naming the store, before any venue is asked', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { log, lines } = capturingLogger();
    const config = s3ConfigAt(port);
    const outcome = await openPipeline(config, log);
    expect(outcome).toBe(1);
    const fatal = lines().find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/raw store/);
    expect(JSON.stringify(fatal)).toContain(`s3://${BUCKET}/x`);
    expect(h.sim.requests).toEqual([]);
  }, 60_000);
});

describe('stopped while the S3 store is probed', () => {
  it('a SIGTERM (the stop signal) ends a probe the endpoint never answers: StartupError stopped', async () => {
    // Takes the connection and never answers: without the stop the probe would wait forever.
    const silent = http.createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    try {
      const { log } = capturingLogger();
      const config = s3ConfigAt(port);
      // The SDK's default chain reads the keys from the environment, as a deployment's would.
      vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
      const stop = new AbortController();
      setTimeout(() => {
        stop.abort(new Error('stopped by SIGTERM'));
      }, 300);
      const started = performance.now();
      const outcome = await openJobPipeline(config, log, { signal: stop.signal }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(StartupError);
      expect((outcome as StartupError).reason).toBe('stopped');
      expect(performance.now() - started).toBeLessThan(1500);
      expect(h.sim.requests).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('the database lost mid-run', () => {
  it('a load whose connection dies leaves no trace; raw is kept; backfill loads it whole', async (ctx) => {
    if (h.testDb.kind === 'pglite') ctx.skip(); // one embedded process has no backend to lose
    // The backend loading ETHUSDT's levels is terminated in the middle of its transaction, as a
    // server restart or a network cut would do it.
    await sql`
      create function orderbook.test_lose_connection() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from orderbook.fact_snapshot s join orderbook.dim_market m using (market_id)
                   where s.snapshot_id = new.snapshot_id and m.symbol = 'ETHUSDT') then
          perform pg_terminate_backend(pg_backend_pid());
        end if;
        return new;
      end $$`.execute(h.warehouse.db);
    await sql`create trigger test_lose_connection before insert on orderbook.fact_level
      for each row execute function orderbook.test_lose_connection()`.execute(h.warehouse.db);
    let summary;
    try {
      summary = await h.run();
    } finally {
      await sql`drop trigger test_lose_connection on orderbook.fact_level`.execute(h.warehouse.db);
      await sql`drop function orderbook.test_lose_connection()`.execute(h.warehouse.db);
    }
    expect(summary.exitCode).toBe(2);
    const lost = outcomeOf(summary, 'ETHUSDT');
    expect([lost.error?.stage, lost.error?.kind]).toEqual(['load', 'database']);
    expect(lost.error?.message).toMatch(/terminat/i);
    expect((await readSnapshot(h.store, lost.rawKey ?? '')).meta.status).toBe(200);
    // Nothing of it: no snapshot row, so no orphan levels either (they share the transaction).
    const loaded = await loadedSnapshots(h.warehouse, summary.runId);
    expect(loaded.map((s) => s.symbol)).toEqual(ALL.filter((s) => s !== 'ETHUSDT'));
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from orderbook.fact_level l
      where not exists (select 1 from orderbook.fact_snapshot s where s.snapshot_id = l.snapshot_id)`.execute(
      h.warehouse.db,
    );
    expect(rows[0]?.n).toBe('0');
    await expectAccountedFor(h, summary, () => 4);

    const config = h.config();
    const { log } = capturingLogger();
    const rebuilt = await backfill({
      config,
      log,
      store: h.store,
      db: h.warehouse.db,
      loader: new Loader(h.warehouse.db, config),
    });
    expect(rebuilt).toMatchObject({ listed: 4, loaded: 1, alreadyPresent: 3, failed: [] });
    const after = await loadedSnapshots(h.warehouse, summary.runId);
    expect(after.map((s) => s.symbol)).toEqual(ALL);
    const eth = after.find((s) => s.symbol === 'ETHUSDT');
    expect(eth).toMatchObject({ raw_key: lost.rawKey, tops: '1', fills: '4' });
    expect(Number(eth?.levels)).toBe(eth?.stored_levels);
  });
});
