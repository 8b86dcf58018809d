/**
 * Hostile input, end to end: books a venue (or something posing as one) could send, served over
 * real HTTP and taken through a whole run; and market symbols built to escape a URL or a key.
 * What is refused is refused with the reason and kept raw; what is accepted is stored exactly.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/raw/index.ts';
import { startSimulator, type SimMarket } from '../../src/simulator/index.ts';
import { startCli } from '../helpers/child.ts';
import {
  errorRows,
  expectAccountedFor,
  loadedSnapshots,
  outcomeOf,
  startHarness,
  type Harness,
} from './harness.ts';

type Side = [string, string][];
const binance = (bids: Side, asks: Side, lastUpdateId = '1') =>
  `{"lastUpdateId":${lastUpdateId},"bids":${JSON.stringify(bids)},"asks":${JSON.stringify(asks)}}`;

const FORTY_DIGITS = '1234567890123456789012345678901.123456789'; // 31 + 9 digits
const HUGE = 100_000;

/** Binance-shaped bodies, each served as the only book of its own market. */
const BODIES: Record<string, string> = {
  EXPUSDT: binance([['1e5', '1']], [['200000', '1']]),
  NANUSDT: binance([['NaN', '1']], [['2', '1']]),
  INFUSDT: binance([['1', 'Infinity']], [['2', '1']]),
  NEGUSDT: binance([['1', '-1']], [['2', '1']]),
  ZERUSDT: binance([['0', '1']], [['2', '1']]),
  DUPUSDT: binance(
    [
      ['1.5', '1'],
      ['1.50', '2'],
    ],
    [['2', '1']],
  ),
  UNSUSDT: binance(
    [['1', '1']],
    [
      ['2', '1'],
      ['3', '1'],
      ['2.5', '1'],
    ],
  ),
  SEQUSDT: binance([['1', '1']], [['2', '1']], '9223372036854775808'),
  BIGUSDT: binance(
    [[FORTY_DIGITS, '0.0000000000000000000000000000000000000001']],
    [['1234567890123456789012345678901.123456790', '9876543210987654321098765432109.876543210']],
    '9223372036854775807',
  ),
  HUGEUSDT: binance(
    Array.from({ length: HUGE }, (_, i) => [(1_000_000 - i).toFixed(2), '0.5']),
    Array.from({ length: HUGE }, (_, i) => [(1_000_001 + i).toFixed(2), '0.5']),
    '9007199254740993',
  ),
};

const REFUSED: Record<string, { kind: string; reason: RegExp }> = {
  EXPUSDT: { kind: 'invalid_book', reason: /price "1e5"/ },
  NANUSDT: { kind: 'invalid_book', reason: /price "NaN"/ },
  INFUSDT: { kind: 'invalid_book', reason: /size "Infinity"/ },
  NEGUSDT: { kind: 'invalid_book', reason: /size "-1"/ },
  ZERUSDT: { kind: 'invalid_book', reason: /price "0"/ },
  DUPUSDT: {
    kind: 'invalid_book',
    reason: /bids level 2: price 1\.50 after 1\.5 is not strictly descending/,
  },
  UNSUSDT: { kind: 'invalid_book', reason: /asks level 3: price 2\.5 after 3 is not strictly ascending/ },
  SEQUSDT: { kind: 'schema', reason: /lastUpdateId/ },
};

let dir: string;
let h: Harness;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-hostile-'));
  const markets: SimMarket[] = [];
  for (const [symbol, body] of Object.entries(BODIES)) {
    const file = path.join(dir, `${symbol}.json`);
    await writeFile(file, body);
    markets.push({
      venue: 'binance',
      symbol,
      base: symbol.replace(/USDT$/, ''),
      quote: 'USDT',
      startMid: '100',
      tickSize: '0.01',
      levels: 10,
      recorded: file,
    });
  }
  h = await startHarness(markets, { LEVELS_WITHIN_BPS: 'all', HTTP_TIMEOUT_MS: '20000' });
}, 120_000);
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hostile books through a whole run', () => {
  it('refuses each bad book with its reason, keeps it byte-exact, and stores the good ones exactly', async () => {
    const summary = await h.run({ CONCURRENCY: '2' });
    expect(summary.exitCode).toBe(2);

    const errors = await errorRows(h.warehouse, summary.runId);
    expect(errors.map((e) => e.market).sort()).toEqual(Object.keys(REFUSED).sort());
    for (const e of errors) {
      const expected = REFUSED[e.market];
      expect([e.stage, e.kind]).toEqual(['parse', expected?.kind]);
      expect(e.message).toMatch(expected?.reason ?? /never/);
      const raw = await readSnapshot(h.store, e.raw_key ?? '');
      expect(raw.payloadText).toBe(BODIES[e.market]);
    }

    const loaded = await loadedSnapshots(h.warehouse, summary.runId);
    expect(loaded.map((s) => s.symbol)).toEqual(['BIGUSDT', 'HUGEUSDT']);
    await expectAccountedFor(h, summary, () => 4);

    // 40 significant digits and a sequence at bigint's top, exactly as sent.
    const big = await h.warehouse.db
      .selectFrom('orderbook.fact_level as l')
      .innerJoin('orderbook.fact_snapshot as s', 's.snapshot_id', 'l.snapshot_id')
      .select(['l.side', 'l.price', 'l.size', 's.exchange_sequence'])
      .where('s.raw_key', '=', outcomeOf(summary, 'BIGUSDT').rawKey ?? '')
      .orderBy('l.side')
      .execute();
    expect(big.map((r) => [r.side, r.price, r.size, r.exchange_sequence])).toEqual([
      [
        'ask',
        '1234567890123456789012345678901.123456790',
        '9876543210987654321098765432109.876543210',
        '9223372036854775807',
      ],
      ['bid', FORTY_DIGITS, '0.0000000000000000000000000000000000000001', '9223372036854775807'],
    ]);

    // 100,000 levels a side: every one stored, the sequence beyond 2^53 exact.
    const huge = loaded.find((s) => s.symbol === 'HUGEUSDT');
    expect(huge?.stored_levels).toBe(2 * HUGE);
    const sequence = await h.warehouse.db
      .selectFrom('orderbook.fact_snapshot')
      .select(['exchange_sequence', 'bid_levels', 'ask_levels'])
      .where('raw_key', '=', huge?.raw_key ?? '')
      .executeTakeFirstOrThrow();
    expect(sequence).toEqual({ exchange_sequence: '9007199254740993', bid_levels: HUGE, ask_levels: HUGE });
  }, 120_000);
});

const HOSTILE_SYMBOLS = [
  'binance:../../etc/passwd',
  'coinbase:BTC-USD/../../x',
  "binance:BTC';drop table orderbook.fact_level;--",
  'coinbase:BTC%2FUSD',
  'binance:BTC USDT',
  'coinbase:BTC-USD?level=3',
  'binance:BTC\nUSDT',
  'kraken:XBTUSD',
];

// Each is refused by the settings with its reason in test/config/config.test.ts; here, the whole CLI.
describe('hostile market symbols', () => {
  it('npm run etl with them exits 1 before asking any venue or writing any key', async () => {
    const sim = await startSimulator({ seed: 1 });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'obetl-hostile-cli-'));
    try {
      const child = startCli(['etl'], {
        DATA_DIR: dataDir,
        COINBASE_API_URL: sim.url,
        BINANCE_API_URL: sim.url,
        MARKETS: HOSTILE_SYMBOLS.join(','),
      });
      expect((await child.exited).code).toBe(1);
      expect(child.output()).toMatch(/MARKETS=/);
      expect(sim.requests).toEqual([]);
      expect(existsSync(path.join(dataDir, 'raw'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
    } finally {
      await sim.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
