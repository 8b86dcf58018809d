import { describe, expect, it } from 'vitest';
import { parseTrades, TradesError } from '../../src/venues/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

function expectError(fn: () => unknown, kind: string, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TradesError);
    expect((error as TradesError).kind).toBe(kind);
    expect((error as TradesError).message).toMatch(message);
    return;
  }
  throw new Error('expected a TradesError');
}

describe('Coinbase /products/{id}/trades', () => {
  it('normalizes the fixture: ascending ids, exact decimals, the taker opposite the maker side', () => {
    const batch = parseTrades('coinbase', 'BTC-USD', fixtureText('coinbase-trades-BTC-USD-handwritten.json'));
    expect(batch).toEqual({
      venue: 'coinbase',
      symbol: 'BTC-USD',
      trades: [
        // side "sell" = the maker sold, at the ask: the taker bought.
        {
          tradeId: '921154004',
          tradedAt: '2026-11-21T13:00:00.500000Z',
          price: '84712.36000000',
          size: '0.10000000',
          takerSide: 'buy',
        },
        // side "buy" = the maker bought, at the bid: the taker sold.
        {
          tradeId: '921154005',
          tradedAt: '2026-11-21T13:00:00.998001Z',
          price: '84712.35000000',
          size: '0.00032116',
          takerSide: 'sell',
        },
        {
          tradeId: '921154006',
          tradedAt: '2026-11-21T13:00:01.204556Z',
          price: '84712.35000000',
          size: '0.02000000',
          takerSide: 'sell',
        },
        {
          tradeId: '921154007',
          tradedAt: '2026-11-21T13:00:01.482113Z',
          price: '84712.36000000',
          size: '0.00150000',
          takerSide: 'buy',
        },
      ],
    });
  });

  it('reads trade_id as a string of digits too, and cuts nanoseconds without rounding', () => {
    const text =
      '[{"trade_id":"18502034","side":"sell","size":"0.00007448","price":"73271.63000000","time":"2024-03-13T11:00:17.710679999Z"}]';
    const [trade] = parseTrades('coinbase', 'BTC-USDT', text).trades;
    expect(trade).toEqual({
      tradeId: '18502034',
      tradedAt: '2024-03-13T11:00:17.710679Z',
      price: '73271.63000000',
      size: '0.00007448',
      takerSide: 'buy',
    });
  });

  it('an empty list is a valid answer: no trades', () => {
    expect(parseTrades('coinbase', 'BTC-USD', '[]').trades).toEqual([]);
  });

  it('refuses the wrong shape, a bad time and a non-positive size', () => {
    expectError(
      () => parseTrades('coinbase', 'BTC-USD', '{"message":"NotFound"}'),
      'schema',
      /unexpected payload/,
    );
    expectError(
      () =>
        parseTrades(
          'coinbase',
          'BTC-USD',
          '[{"trade_id":1,"side":"buy","size":0.1,"price":"1","time":"2026-01-01T00:00:00Z"}]',
        ),
      'schema',
      /0\.size/,
    );
    expectError(
      () =>
        parseTrades(
          'coinbase',
          'BTC-USD',
          '[{"trade_id":1,"side":"buy","size":"1","price":"1","time":"yesterday"}]',
        ),
      'schema',
      /trade 1: time "yesterday"/,
    );
    expectError(
      () =>
        parseTrades(
          'coinbase',
          'BTC-USD',
          '[{"trade_id":7,"side":"buy","size":"0.000","price":"1","time":"2026-01-01T00:00:00Z"}]',
        ),
      'invalid_trade',
      /trade 7: size "0.000" is not a positive decimal/,
    );
    expectError(() => parseTrades('coinbase', 'BTC-USD', '<html>'), 'not_json', /not JSON/);
  });
});

describe('Binance /api/v3/trades', () => {
  it('normalizes the fixture: ms times, isBuyerMaker = the taker sold', () => {
    const batch = parseTrades('binance', 'BTCUSDT', fixtureText('binance-trades-BTCUSDT-handwritten.json'));
    expect(batch.trades).toEqual([
      {
        tradeId: '5230001001',
        tradedAt: '2026-11-21T13:00:00.123Z',
        price: '84705.63000000',
        size: '0.00120000',
        takerSide: 'sell',
      },
      {
        tradeId: '5230001002',
        tradedAt: '2026-11-21T13:00:00.123Z',
        price: '84705.64000000',
        size: '0.05000000',
        takerSide: 'buy',
      },
      {
        tradeId: '5230001003',
        tradedAt: '2026-11-21T13:00:00.577Z',
        price: '84705.64000000',
        size: '0.00007000',
        takerSide: 'buy',
      },
    ]);
  });

  it('keeps an id beyond 2^53 exact, inside the array', () => {
    const text =
      '[{"id":1152921504606846977,"price":"1.5","qty":"2","quoteQty":"3","time":0,"isBuyerMaker":false,"isBestMatch":true}]';
    expect(parseTrades('binance', 'BTCUSDT', text).trades[0]?.tradeId).toBe('1152921504606846977');
  });

  it('refuses a repeated id, an id past bigint and a negative price', () => {
    const row = (id: string, price = '"1"') =>
      `{"id":${id},"price":${price},"qty":"1","quoteQty":"1","time":1,"isBuyerMaker":true,"isBestMatch":true}`;
    expectError(
      () => parseTrades('binance', 'BTCUSDT', `[${row('5')},${row('5')}]`),
      'invalid_trade',
      /trade 5 appears twice/,
    );
    expectError(
      () => parseTrades('binance', 'BTCUSDT', `[${row('9223372036854775808')}]`),
      'invalid_trade',
      /not an integer the warehouse can store/,
    );
    expectError(
      () => parseTrades('binance', 'BTCUSDT', `[${row('6', '"-1.5"')}]`),
      'invalid_trade',
      /trade 6: price "-1.5"/,
    );
    expectError(() => parseTrades('binance', 'BTCUSDT', `[${row('6', '1.5')}]`), 'schema', /0\.price/);
  });
});
