/**
 * Every response that reaches a run is kept: the ones of attempts that were retried go under
 * `_attempts/`, numbered, where neither a reader globbing the book lake nor backfill picks them up,
 * and a request that gave up names its last response in etl_error.
 */
import { glob } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backfill } from '../../src/jobs/backfill.ts';
import { parseAttemptKey, readEnvelope, readSnapshot } from '../../src/raw/index.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import {
  allKeys,
  errorRows,
  expectAccountedFor,
  loadedSnapshots,
  outcomeOf,
  startHarness,
  type Harness,
} from './harness.ts';

const MARKETS = defaultSimMarkets(40).filter((m) => m.symbol === 'BTC-USD' || m.symbol === 'BTCUSDT');
const FILLS_PER_SNAPSHOT = 4;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(MARKETS);
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.clearFaults();
  h.sim.resetRequests();
  await h.freshStore();
});

async function attemptsOf(runId: string) {
  const keys = (await allKeys(h.store)).filter((k) => parseAttemptKey(k) && k.includes(runId));
  return Promise.all(
    keys.sort().map(async (key) => {
      const { meta, payloadKind } = await readEnvelope(h.store, key);
      return { key, market: meta.market, status: meta.status, attempt: meta.attempt, payloadKind };
    }),
  );
}

describe('failed attempts in the raw store', () => {
  it('keeps each retried response numbered under _attempts/, out of the book lake and of backfill', async () => {
    h.sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'status', status: 503 }, 1);
    h.sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'html' }, 1);
    h.sim.injectFault(
      { venue: 'binance', endpoint: 'trades', symbol: 'BTCUSDT' },
      { kind: 'status', status: 429 },
      1,
    );
    const summary = await h.run();
    expect(summary.exitCode).toBe(0);

    const attempts = await attemptsOf(summary.runId);
    expect(
      attempts.map(({ market, status, attempt, payloadKind }) => [market, status, attempt, payloadKind]),
    ).toEqual([
      ['BTCUSDT', 429, 1, 'json'],
      ['BTC-USD', 503, 1, 'json'],
      ['BTC-USD', 200, 2, 'text'],
    ]);
    expect(attempts.map((a) => a.key.split('/').slice(0, 2).join('/'))).toEqual([
      '_attempts/_trades',
      '_attempts/exchange=coinbase',
      '_attempts/exchange=coinbase',
    ]);
    // The final response says it answered the third attempt.
    const book = await readSnapshot(h.store, outcomeOf(summary, 'BTC-USD').rawKey ?? '');
    expect([book.meta.status, book.meta.attempt]).toEqual([200, 3]);
    expect(await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT)).toBe(3);

    // What DuckDB/Athena read as the book lake is the final responses only.
    const lake: string[] = [];
    for await (const file of glob('exchange=*/market=*/date=*/hour=*/*.json.gz', { cwd: h.rawDir }))
      lake.push(file);
    const loaded = await loadedSnapshots(h.warehouse, summary.runId);
    expect(lake.sort()).toEqual(loaded.map((s) => s.raw_key).sort());

    // Backfill into an empty warehouse loads exactly what the run loaded.
    const fresh = await createTestDatabase();
    const warehouse = await fresh.open();
    try {
      const config = h.config();
      const result = await backfill({
        config,
        log: capturingLogger().log,
        store: h.store,
        db: warehouse.db,
        loader: new Loader(warehouse.db, config),
      });
      expect(result.invalid).toEqual([]);
      expect(result.failed).toEqual([]);
      const keys = await warehouse.db.selectFrom('orderbook.fact_snapshot').select('raw_key').execute();
      expect(keys.map((k) => k.raw_key).sort()).toEqual(loaded.map((s) => s.raw_key).sort());
    } finally {
      await warehouse.close();
      await fresh.cleanup();
    }
  });

  it('a request that gives up with no final response names its last response in etl_error', async () => {
    h.sim.injectFault({ venue: 'binance', symbol: 'BTCUSDT' }, { kind: 'status', status: 502 }, 1);
    h.sim.injectFault({ venue: 'binance', symbol: 'BTCUSDT' }, { kind: 'reset' }, 10);
    const summary = await h.run();
    expect(summary.exitCode).toBe(2);
    const [attempt, ...more] = await attemptsOf(summary.runId);
    expect(more).toEqual([]);
    expect([attempt?.status, attempt?.attempt]).toEqual([502, 1]);
    expect((await errorRows(h.warehouse, summary.runId)).map((e) => [e.market, e.kind, e.raw_key])).toEqual([
      ['BTCUSDT', 'network', attempt?.key],
    ]);
    expect(await expectAccountedFor(h, summary, () => FILLS_PER_SNAPSHOT)).toBe(1);
  });
});
