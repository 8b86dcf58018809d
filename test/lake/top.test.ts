/**
 * The lake's top of book is fact_top's digit for digit: PostgreSQL itself computes the reference
 * with top.sql's expressions, over prices where its numeric division keeps every digit and where
 * it rounds one away (a sum past 10^8 at 8 decimals keeps 8), and over the tiniest prices.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderBook } from '../../src/book/index.ts';
import { misfit } from '../../src/lake/decimal.ts';
import { PRICE, SIZE } from '../../src/lake/schema.ts';
import { topOfBook } from '../../src/lake/top.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';

let testDb: TestDatabase;
let warehouse: Warehouse;
beforeAll(async () => {
  testDb = await createTestDatabase();
  warehouse = await testDb.open({ migrate: false });
});
afterAll(async () => {
  await warehouse.close();
  await testDb.cleanup();
});

const PAIRS: [string, string][] = [
  ['84705.63', '84705.64'],
  ['84705.63000000', '84705.64000000'],
  ['0.00001234', '0.00001235'],
  ['0.5', '0.50000001'],
  ['1.1', '2'],
  ['123456789.12345677', '123456789.12345678'],
  ['1000000000.00000001', '1000000000.00000004'],
  ['9999999999.99999998', '9999999999.99999999'],
  ['1', '1000000000'],
];

function book(bid: string, ask: string): OrderBook {
  return {
    venue: 'binance',
    symbol: 'BTCUSDT',
    sequence: 1n,
    exchangeTime: null,
    notExecutable: null,
    bids: [{ price: bid, size: '1', orderCount: null }],
    asks: [{ price: ask, size: '2', orderCount: null }],
  };
}

describe('top of book', () => {
  it.each(PAIRS)('%s / %s: mid, spread and spread_bps as PostgreSQL computes them', async (bid, ask) => {
    const { rows } = await sql<{ mid: string; spread: string; bps: string }>`
      select (b + a) / 2 as mid, a - b as spread,
             round((a - b)::numeric(1000, 40) * 10000 / ((b + a) / 2), 18) as bps
      from (select ${bid}::numeric as b, ${ask}::numeric as a) x`.execute(warehouse.db);
    const pg = rows[0];
    const top = topOfBook(book(bid, ask));
    expect([canonical(top.midPrice), canonical(top.spread), canonical(top.spreadBps)]).toEqual([
      canonical(pg?.mid),
      canonical(pg?.spread),
      canonical(pg?.bps),
    ]);
  });

  it('takes a mid PostgreSQL rounds (a sum past 10^8 at 8 decimals) as PostgreSQL does', () => {
    expect(topOfBook(book('1000000000.00000001', '1000000000.00000004')).midPrice).toBe(
      '1000000000.00000003',
    );
  });
});

describe('what fits a lake column', () => {
  it.each([
    ['84705.63000000', PRICE, null],
    ['9999999999.99999999', PRICE, null],
    ['0.000000010000', PRICE, null],
    ['10000000000', PRICE, '"10000000000" has 11 integer digits; DECIMAL(18,8) holds 10'],
    ['0.000000001', PRICE, '"0.000000001" has 9 decimals; DECIMAL(18,8) keeps 8'],
    ['000123.5', PRICE, null],
    ['123456789012345678901234567890.12345678', SIZE, null],
    [
      '1234567890123456789012345678901',
      SIZE,
      '"1234567890123456789012345678901" has 31 integer digits; DECIMAL(38,8) holds 30',
    ],
  ] as const)('%s in %o: %s', (value, type, problem) => {
    expect(misfit(value, type)).toBe(problem);
  });
});
