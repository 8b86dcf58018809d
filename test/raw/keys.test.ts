import { describe, expect, it } from 'vitest';
import {
  attemptKey,
  metaKey,
  parseAttemptKey,
  parseMetaKey,
  parseSnapshotKey,
  parseTradesKey,
  snapshotKey,
  tradesKey,
} from '../../src/raw/keys.ts';

const LAYOUT =
  /^exchange=(coinbase|binance)\/market=[A-Z0-9-]{1,30}\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/\d{8}T\d{6}\.\d{3}Z-[A-Za-z0-9-]{1,64}\.json\.gz$/;

describe('snapshotKey', () => {
  it('follows the DESIGN §4 layout exactly, in UTC', () => {
    const key = snapshotKey({
      exchange: 'coinbase',
      market: 'BTC-USD',
      at: new Date('2026-09-02T07:01:32.123Z'),
      runId: '20260902T070000Z-3f9a',
    });
    expect(key).toBe(
      'exchange=coinbase/market=BTC-USD/date=2026-09-02/hour=07/20260902T070132.123Z-20260902T070000Z-3f9a.json.gz',
    );
    expect(key).toMatch(LAYOUT);
  });

  it('zero-pads and uses the UTC day and hour, whatever the local zone', () => {
    // 23:59:59.999 UTC on the last day of a leap February, written from a +14:00 offset.
    const key = snapshotKey({
      exchange: 'binance',
      market: 'BTCUSDT',
      at: new Date('2028-03-01T13:59:59.999+14:00'),
      runId: 'r1',
    });
    expect(key).toBe(
      'exchange=binance/market=BTCUSDT/date=2028-02-29/hour=23/20280229T235959.999Z-r1.json.gz',
    );
    expect(
      snapshotKey({ exchange: 'binance', market: 'ETHUSDT', at: new Date(Date.UTC(2026, 0, 5)), runId: 'r' }),
    ).toBe('exchange=binance/market=ETHUSDT/date=2026-01-05/hour=00/20260105T000000.000Z-r.json.gz');
  });

  it('parses back to the same parts', () => {
    const cases = [
      { exchange: 'coinbase', market: 'ETH-USDT', at: new Date('2026-12-31T23:00:00.001Z'), runId: 'a-B-9' },
      {
        exchange: 'binance',
        market: '1000SATSUSDT',
        at: new Date('2026-01-01T00:00:00.000Z'),
        runId: 'x'.repeat(64),
      },
    ] as const;
    for (const parts of cases) {
      const parsed = parseSnapshotKey(snapshotKey(parts));
      expect(parsed).toEqual(parts);
      expect(parsed?.at.getTime()).toBe(parts.at.getTime());
    }
  });

  it('refuses markets and run ids that could escape or distort the layout', () => {
    const at = new Date('2026-09-02T07:01:32.123Z');
    const hostileMarkets = [
      '',
      '../etc',
      'BTC/USD',
      '..',
      'btc-usd',
      'BTC USD',
      'BTC%2FUSD',
      'BTC\nUSD',
      'BTC.USD',
      'A'.repeat(31),
    ];
    for (const market of hostileMarkets) {
      expect(() => snapshotKey({ exchange: 'coinbase', market, at, runId: 'r1' }), market).toThrow(/market/);
    }
    for (const runId of ['', '..', 'a/b', 'run_1', 'r.1', 'r 1', 'x'.repeat(65)]) {
      expect(() => snapshotKey({ exchange: 'coinbase', market: 'BTC-USD', at, runId }), runId).toThrow(
        /run_id/,
      );
    }
    expect(() =>
      snapshotKey({ exchange: 'bitstamp' as 'coinbase', market: 'BTC-USD', at, runId: 'r1' }),
    ).toThrow(/exchange/);
    for (const bad of [new Date('nope'), new Date(Date.UTC(10000, 0, 1)), new Date(Date.UTC(-1, 0, 1))]) {
      expect(() => snapshotKey({ exchange: 'coinbase', market: 'BTC-USD', at: bad, runId: 'r1' })).toThrow(
        /time/,
      );
    }
  });

  it('parses nothing that this code could not have written', () => {
    const good = 'exchange=coinbase/market=BTC-USD/date=2026-09-02/hour=07/20260902T070132.123Z-r1.json.gz';
    expect(parseSnapshotKey(good)).not.toBeNull();
    const bad = [
      `lake/${good}`,
      good.replace('.json.gz', '.json'),
      good.replace('hour=07', 'hour=08'), // folder disagrees with the file name
      good.replace('date=2026-09-02', 'date=2026-09-03'),
      good.replace('coinbase', 'bitstamp'),
      good.replace('BTC-USD', '../x'),
      'exchange=coinbase/market=BTC-USD/date=2026-02-30/hour=07/20260230T070132.123Z-r1.json.gz',
      'exchange=coinbase/market=BTC-USD/date=2026-09-02/hour=24/20260902T240000.000Z-r1.json.gz',
      good.replace('-r1.json.gz', '-r_1.json.gz'),
      `${good}/x`,
    ];
    for (const key of bad) expect(parseSnapshotKey(key), key).toBeNull();
  });
});

describe('metaKey', () => {
  it('keeps venue metadata under _meta/, outside the book lake', () => {
    const at = new Date('2026-09-02T07:00:01.500Z');
    const key = metaKey({ exchange: 'binance', endpoint: 'exchangeInfo', at, runId: 'r1' });
    expect(key).toBe(
      '_meta/exchange=binance/endpoint=exchangeInfo/date=2026-09-02/hour=07/20260902T070001.500Z-r1.json.gz',
    );
    expect(parseMetaKey(key)).toEqual({ exchange: 'binance', endpoint: 'exchangeInfo', at, runId: 'r1' });
    expect(parseSnapshotKey(key)).toBeNull();
    expect(metaKey({ exchange: 'coinbase', endpoint: 'products', at, runId: 'r1' })).toMatch(
      /^_meta\/exchange=coinbase\/endpoint=products\/date=2026-09-02\/hour=07\/20260902T070001\.500Z-r1\.json\.gz$/,
    );
    expect(() => metaKey({ exchange: 'binance', endpoint: '../x' as 'products', at, runId: 'r1' })).toThrow(
      /endpoint/,
    );
  });
});

describe('tradesKey', () => {
  it('mirrors the book layout under _trades/, and parses back only there', () => {
    const at = new Date('2026-09-02T07:00:01.500Z');
    const key = tradesKey({ exchange: 'coinbase', market: 'BTC-USD', at, runId: 'r1' });
    expect(key).toBe(
      '_trades/exchange=coinbase/market=BTC-USD/date=2026-09-02/hour=07/20260902T070001.500Z-r1.json.gz',
    );
    expect(parseTradesKey(key)).toEqual({ exchange: 'coinbase', market: 'BTC-USD', at, runId: 'r1' });
    // A trades object is never taken for a book, nor a book for trades.
    expect(parseSnapshotKey(key)).toBeNull();
    expect(parseTradesKey(key.slice('_trades/'.length))).toBeNull();
    expect(parseTradesKey(`x${key}`)).toBeNull();
    expect(() => tradesKey({ exchange: 'coinbase', market: '../BTC', at, runId: 'r1' })).toThrow(/market/);
  });
});

describe('attempt keys', () => {
  const at = new Date('2026-11-21T13:00:00.123Z');
  const book = snapshotKey({ exchange: 'coinbase', market: 'BTC-USD', at, runId: 'r1' });

  it('put a retried attempt under _attempts/ with its number, and read both back', () => {
    const key = attemptKey(book, 2);
    expect(key).toBe(
      '_attempts/exchange=coinbase/market=BTC-USD/date=2026-11-21/hour=13/20261121T130000.123Z-r1.attempt2.json.gz',
    );
    expect(parseAttemptKey(key)).toEqual({ of: book, attempt: 2 });
    expect(parseSnapshotKey(key)).toBeNull();
    expect(parseAttemptKey(book)).toBeNull();
  });

  it('refuse what is not a raw key, and attempt numbers out of range', () => {
    expect(() => attemptKey('exchange=coinbase/../x.json.gz', 1)).toThrow(/not a snapshot/);
    expect(() => attemptKey(book, 0)).toThrow(/attempt 0/);
    expect(parseAttemptKey('_attempts/exchange=coinbase/x.attempt1.json.gz')).toBeNull();
  });
});
