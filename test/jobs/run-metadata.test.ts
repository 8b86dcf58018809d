/**
 * RunMetadata: a backfill finds the market list a book's run fetched, in the hour folders from
 * the run's start to the book's arrival, and reads the market's status from it; an object of
 * another run, an error answer or none at all is no answer (undefined: status unknown).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunMetadata, runStart } from '../../src/jobs/run-metadata.ts';
import { openRawStore, writeMeta, type RawStore } from '../../src/raw/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { capturingLogger } from '../helpers/log.ts';

let dir: string;
let store: RawStore;

const exchangeInfo = (status: string) =>
  Buffer.from(
    JSON.stringify({
      symbols: [
        { symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' },
        { symbol: 'ETHUSDT', status, baseAsset: 'ETH', quoteAsset: 'USDT' },
      ],
    }),
  );

async function list(runId: string, at: string, body: Buffer, status = 200): Promise<void> {
  await writeMeta(
    store,
    {
      exchange: 'binance',
      url: 'http://sim/api/v3/exchangeInfo',
      requested_at: at,
      received_at: at,
      status,
      attempt: 1,
      run_id: runId,
      base: null,
      quote: null,
    },
    body,
    'exchangeInfo',
  );
}

// A run that started at 10:59:30 and fetched the list then; its books came after 11:00.
const SPANNING = uuidv7(Date.parse('2026-07-01T10:59:30.000Z'));
const OTHER = uuidv7(Date.parse('2026-07-01T10:59:31.000Z'));
const FAILED = uuidv7(Date.parse('2026-07-01T12:00:00.000Z'));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-runmeta-'));
  store = openRawStore(`file://${dir}`);
  await list(SPANNING, '2026-07-01T10:59:30.500Z', exchangeInfo('BREAK'));
  await list(OTHER, '2026-07-01T10:59:31.500Z', exchangeInfo('TRADING'));
  // An id of another form: looked for in the book's hour and the one before.
  await list('manual-run-1', '2026-07-01T10:20:00.000Z', exchangeInfo('HALT'));
  await list(FAILED, '2026-07-01T12:00:00.500Z', Buffer.from('{"code":-1001,"msg":"Internal error"}'), 503);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RunMetadata', () => {
  it('reads the run start from a UUIDv7 id, and nothing from another id', () => {
    expect(runStart(SPANNING)?.toISOString()).toBe('2026-07-01T10:59:30.000Z');
    expect(runStart('manual-run-1')).toBeNull();
  });

  it("finds the run's own list an hour folder before the book, and each market's status in it", async () => {
    const meta = new RunMetadata(store, capturingLogger().log);
    expect(await meta.marketNotExecutable('binance', 'ETHUSDT', SPANNING, '2026-07-01T11:00:02.000Z')).toBe(
      'status: BREAK',
    );
    expect(
      await meta.marketNotExecutable('binance', 'BTCUSDT', SPANNING, '2026-07-01T11:00:03.000Z'),
    ).toBeNull();
    // The other run's list, in the same folder, says TRADING: each run reads its own.
    expect(
      await meta.marketNotExecutable('binance', 'ETHUSDT', OTHER, '2026-07-01T11:00:04.000Z'),
    ).toBeNull();
    expect(
      await meta.marketNotExecutable('binance', 'ETHUSDT', 'manual-run-1', '2026-07-01T11:05:00.000Z'),
    ).toBe('status: HALT');
    // A market the list does not name.
    expect(
      await meta.marketNotExecutable('binance', 'SOLUSDT', SPANNING, '2026-07-01T11:00:02.000Z'),
    ).toBeUndefined();
  });

  it('no list, an error answer or another venue: unknown, with a warning', async () => {
    const { log, lines } = capturingLogger();
    const meta = new RunMetadata(store, log);
    expect(
      await meta.marketNotExecutable('binance', 'ETHUSDT', FAILED, '2026-07-01T12:00:05.000Z'),
    ).toBeUndefined();
    expect(
      await meta.marketNotExecutable('coinbase', 'ETH-USD', SPANNING, '2026-07-01T11:00:02.000Z'),
    ).toBeUndefined();
    const msgs = lines().map((l) => l.msg);
    expect(msgs).toEqual([
      'run market list is no list: market status of its books unknown',
      'run market list not in the raw store: market status of its books unknown',
    ]);
  });
});
