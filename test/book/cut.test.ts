import { describe, expect, it } from 'vitest';
import { levelsWithin } from '../../src/book/cut.ts';
import { compareDecimal, withinBpsOfMid } from '../../src/util/decimal.ts';
import { parseBook, type OrderBook } from '../../src/venues/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

const book = (bids: string[], asks: string[]): OrderBook => ({
  venue: 'binance',
  symbol: 'BTCUSDT',
  sequence: 1n,
  exchangeTime: null,
  notExecutable: null,
  bids: bids.map((price) => ({ price, size: '1', orderCount: null })),
  asks: asks.map((price) => ({ price, size: '1', orderCount: null })),
});

describe('LEVELS_WITHIN_BPS', () => {
  // mid = (99 + 101) / 2 = 100; 100 bps → bids ≥ 99, asks ≤ 101; 200 bps → bids ≥ 98, asks ≤ 102.
  const b = book(['99', '98.5', '98', '97.99', '50'], ['101', '101.5', '102', '102.000001']);

  it('keeps levels exactly on the boundary and cuts the first beyond it', () => {
    expect(levelsWithin(b, 'bids', 200)).toBe(3); // 99, 98.5, 98
    expect(levelsWithin(b, 'asks', 200)).toBe(3); // 101, 101.5, 102
    expect(levelsWithin(b, 'bids', 150)).toBe(2); // ≥ 98.5
    expect(levelsWithin(b, 'asks', 150)).toBe(2); // ≤ 101.5
  });

  it('always keeps the best level, keeps all with null', () => {
    expect(levelsWithin(b, 'bids', 1)).toBe(1);
    expect(levelsWithin(b, 'asks', 1)).toBe(1);
    expect(levelsWithin(b, 'bids', null)).toBe(5);
    expect(levelsWithin(b, 'bids', 10000)).toBe(5);
  });

  it('is exact where floats are not: a boundary one unit in the 12th decimal away', () => {
    // mid = 0.100000000001; 100 bps → bids ≥ 0.09900000000099
    const tiny = book(['0.1', '0.09900000000099', '0.09900000000098'], ['0.100000000002']);
    expect(levelsWithin(tiny, 'bids', 100)).toBe(2);
    expect(withinBpsOfMid('bids', '0.09900000000099', '0.1', '0.100000000002', 100)).toBe(true);
    expect(withinBpsOfMid('bids', '0.09900000000098', '0.1', '0.100000000002', 100)).toBe(false);
  });

  it('cuts the recorded 2022 ETH-USDT book to 10% around mid', () => {
    const eth = parseBook('coinbase', 'ETH-USDT', fixtureText('coinbase-book-l2-ETH-USDT-openbb.json'));
    // mid = (1124.64 + 1126) / 2 = 1125.32; 10%: bids ≥ 1012.788, asks ≤ 1237.852
    const bids = levelsWithin(eth, 'bids', 1000);
    const asks = levelsWithin(eth, 'asks', 1000);
    const price = (side: 'bids' | 'asks', i: number) => eth[side][i]?.price ?? '';
    expect(compareDecimal(price('bids', bids - 1), '1012.788')).toBeGreaterThanOrEqual(0);
    expect(compareDecimal(price('bids', bids), '1012.788')).toBe(-1);
    expect(compareDecimal(price('asks', asks - 1), '1237.852')).toBeLessThanOrEqual(0);
    expect(compareDecimal(price('asks', asks), '1237.852')).toBe(1);
    expect(bids).toBeLessThan(eth.bids.length);
    expect(asks).toBeLessThan(eth.asks.length);
  });
});
