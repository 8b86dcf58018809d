/**
 * Backfill of trades responses, on a hand-made lake of four objects whose every row can be
 * checked by eye: two overlapping fetches, an error response and a wrong-shaped body.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { backfill } from '../../src/jobs/backfill.ts';
import { openRawStore, writeTrades, type RawStore } from '../../src/raw/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { canonical } from '../helpers/numeric.ts';

let dir: string;
let store: RawStore;
const { warehouse } = useTestWarehouse();
const keys: Record<'a' | 'b' | 'error' | 'schema', string> = { a: '', b: '', error: '', schema: '' };

const trade = (id: number, price: string, qty: string, ms: number, buyerMaker: boolean) =>
  `{"id":${id},"price":"${price}","qty":"${qty}","quoteQty":"0","time":${ms},"isBuyerMaker":${String(buyerMaker)},"isBestMatch":true}`;
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

async function put(at: string, runId: string, status: number, body: string): Promise<string> {
  return writeTrades(
    store,
    {
      exchange: 'binance',
      market: 'BTCUSDT',
      url: 'https://data-api.binance.vision/api/v3/trades?symbol=BTCUSDT&limit=1000',
      requested_at: at,
      received_at: at,
      status,
      run_id: runId,
      base: 'BTC',
      quote: 'USDT',
    },
    Buffer.from(body),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-bf-trades-'));
  store = openRawStore(`file://${dir}`);
  // A: trades 1-3. B, five minutes later: 2-5, the overlap identical, as a venue sends it.
  keys.a = await put(
    '2026-11-21T10:00:00.000Z',
    '01900000-0000-7000-8000-00000000000a',
    200,
    `[${trade(1, '100.00000000', '1.00000000', T0 - 3000, true)},${trade(2, '101.00000000', '2.00000000', T0 - 2000, false)},${trade(3, '102.00000000', '3.00000000', T0 - 1000, false)}]`,
  );
  keys.b = await put(
    '2026-11-21T10:05:00.000Z',
    '01900000-0000-7000-8000-00000000000b',
    200,
    `[${trade(2, '101.00000000', '2.00000000', T0 - 2000, false)},${trade(3, '102.00000000', '3.00000000', T0 - 1000, false)},${trade(4, '103.00000000', '4.00000000', T0 + 1000, true)},${trade(5, '104.00000000', '5.00000000', T0 + 2000, false)}]`,
  );
  keys.error = await put(
    '2026-11-21T10:10:00.000Z',
    '01900000-0000-7000-8000-00000000000c',
    503,
    '{"code":-1001,"msg":"Internal error"}',
  );
  keys.schema = await put(
    '2026-11-21T10:15:00.000Z',
    '01900000-0000-7000-8000-00000000000d',
    200,
    '[{"id":9,"price":1.5}]',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(concurrency = 1) {
  const config = loadConfig({});
  const { log } = capturingLogger();
  return backfill(
    { config, log, store, db: warehouse.db, loader: new Loader(warehouse.db, config) },
    { concurrency },
  );
}

async function trades() {
  const { rows } = await sql<Record<string, unknown>>`
    select t.trade_id, t.traded_at, t.price, t.size, t.taker_side, f.raw_key
    from orderbook.fact_trade t join orderbook.fact_trade_fetch f using (fetch_id)
    order by t.trade_id`.execute(warehouse.db);
  return rows.map((r) => [
    String(r.trade_id),
    (r.traded_at as Date).toISOString(),
    canonical(String(r.price)),
    canonical(String(r.size)),
    r.taker_side,
    r.raw_key,
  ]);
}

describe('backfill of trades', () => {
  it('loads each trade once, from the earliest fetch, and keeps error responses out', async () => {
    const summary = await run();
    expect(summary).toMatchObject({ listed: 0, loaded: 0, failed: [], derived: 0 });
    expect(summary.trades).toEqual({ listed: 4, loaded: 2, alreadyPresent: 0 });
    expect(summary.invalid).toEqual([
      { key: keys.error, reason: 'HTTP 503 response, not trades' },
      { key: keys.schema, reason: expect.stringMatching(/^unexpected payload shape: 0\.price/) as string },
    ]);
    expect(await trades()).toEqual([
      // isBuyerMaker true: the taker sold.
      ['1', '2026-11-21T09:59:57.000Z', '100', '1', 'sell', keys.a],
      ['2', '2026-11-21T09:59:58.000Z', '101', '2', 'buy', keys.a],
      ['3', '2026-11-21T09:59:59.000Z', '102', '3', 'buy', keys.a],
      ['4', '2026-11-21T10:00:01.000Z', '103', '4', 'sell', keys.b],
      ['5', '2026-11-21T10:00:02.000Z', '104', '5', 'buy', keys.b],
    ]);
    const { rows } = await sql<{ raw_key: string; trade_count: number; first: string; last: string }>`
      select raw_key, trade_count, first_trade_id::text as first, last_trade_id::text as last
      from orderbook.fact_trade_fetch order by raw_key`.execute(warehouse.db);
    expect(rows).toEqual([
      { raw_key: keys.a, trade_count: 3, first: '1', last: '3' },
      { raw_key: keys.b, trade_count: 4, first: '2', last: '5' },
    ]);
  });

  it('a second backfill finds both fetches present and changes nothing', async () => {
    const before = await trades();
    const again = await run(2);
    expect(again.trades).toEqual({ listed: 4, loaded: 0, alreadyPresent: 2 });
    expect(again.invalid).toHaveLength(2);
    expect(await trades()).toEqual(before);
  });
});
