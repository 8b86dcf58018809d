import { describe, expect, it } from 'vitest';
import { BookError, parseBook } from '../../src/venues/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

type Raw = { bids: unknown[][]; asks: unknown[][] };

/** The levels as the venue sent them, read independently of the parser under test. */
function rawLevels(text: string): Raw {
  return JSON.parse(text) as Raw;
}

function expectError(fn: () => unknown, kind: string, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BookError);
    expect((error as BookError).kind).toBe(kind);
    expect((error as BookError).message).toMatch(message);
    return;
  }
  throw new Error('expected a BookError');
}

describe('recorded Coinbase books', () => {
  it('normalizes the live BTC-USD capture exactly, time truncated to microseconds', () => {
    const text = fixtureText('coinbase-book-l2-BTC-USD-senken.json');
    const book = parseBook('coinbase', 'BTC-USD', text);
    expect(book.venue).toBe('coinbase');
    expect(book.symbol).toBe('BTC-USD');
    expect(book.sequence).toBe(135436302345n);
    // 07:01:32.019204671Z: nanoseconds cut, not rounded (a Date would give .019Z).
    expect(book.exchangeTime).toBe('2026-09-02T07:01:32.019204Z');
    expect(book.bids).toHaveLength(30);
    expect(book.asks).toHaveLength(30);
    expect(book.bids[0]).toEqual({ price: '77588.84', size: '0.02001939', orderCount: 3 });
    expect(book.asks[0]).toEqual({ price: '77588.85', size: '0.04411574', orderCount: 3 });
    expect(book.bids[29]).toEqual({ price: '77572.15', size: '0.12891223', orderCount: 1 });
    expect(book.asks[29]).toEqual({ price: '77607.58', size: '0.021764', orderCount: 1 });
    const raw = rawLevels(text);
    expect(book.bids.map((l) => [l.price, l.size, l.orderCount])).toEqual(raw.bids);
    expect(book.asks.map((l) => [l.price, l.size, l.orderCount])).toEqual(raw.asks);
  });

  it('normalizes the full 2022 ETH-USDT book (839 bids, 5586 asks, no time field)', () => {
    const text = fixtureText('coinbase-book-l2-ETH-USDT-openbb.json');
    const book = parseBook('coinbase', 'ETH-USDT', text);
    expect(book.sequence).toBe(4480290368n);
    expect(book.exchangeTime).toBeNull();
    expect(book.bids).toHaveLength(839);
    expect(book.asks).toHaveLength(5586);
    expect(book.bids[0]).toEqual({ price: '1124.64', size: '0.399', orderCount: 1 });
    expect(book.bids.at(-1)).toEqual({ price: '0.01', size: '15697.03266118', orderCount: 88 });
    expect(book.asks[0]).toEqual({ price: '1126', size: '2.22435149', orderCount: 1 });
    expect(book.asks.at(-1)).toEqual({ price: '1000000000', size: '0.0017', orderCount: 1 });
    const raw = rawLevels(text);
    expect(book.asks.map((l) => [l.price, l.size, l.orderCount])).toEqual(raw.asks);
  });

  it('reads the pretty-printed sandbox books', () => {
    const benny = parseBook('coinbase', 'BTC-USD', fixtureText('coinbase-book-l2-BTC-USD-bennycode.json'));
    expect(benny.sequence).toBe(115151757n);
    expect(benny.bids).toHaveLength(50);
    expect(benny.asks[0]?.price).toBe('9739.02');
    const ldalonzo = parseBook('coinbase', 'BTC-USD', fixtureText('coinbase-book-l2-BTC-USD-ldalonzo.json'));
    expect(ldalonzo.bids).toHaveLength(50);
    expect(ldalonzo.asks).toHaveLength(50);
    const eur = parseBook('coinbase', 'BTC-EUR', fixtureText('coinbase-book-l2-BTC-EUR-bennycode.json'));
    expect(eur.asks).toEqual([{ price: '100000', size: '740.94423141', orderCount: 1 }]);
    expect(eur.bids.at(-1)?.price).toBe('0.01');
  });

  it('refuses a level-3 book (order ids where level 2 has order counts)', () => {
    expectError(
      () => parseBook('coinbase', 'BTC-USD', fixtureText('coinbase-book-l3-BTC-USD-bennycode.json')),
      'schema',
      /bids\.0\.2/,
    );
  });
});

describe('recorded Binance books', () => {
  it('keeps 8-decimal strings exactly as sent', () => {
    const text = fixtureText('binance-depth-BTCUSDT-5-soworks.json');
    const book = parseBook('binance', 'BTCUSDT', text);
    expect(book.sequence).toBe(101012879323n);
    expect(book.exchangeTime).toBeNull();
    expect(book.bids[0]).toEqual({ price: '84705.63000000', size: '5.70639000', orderCount: null });
    expect(book.asks[4]).toEqual({ price: '84707.53000000', size: '0.00250000', orderCount: null });
  });

  it.each([
    ['binance-depth-BTCUSDT-10-nautilus.json', 14527958487n, 10, '60650.00000000', '60650.01000000'],
    ['binance-depth-BTCUSDT-20-mdolmen.json', 99731511434n, 20, '79762.78000000', '79762.79000000'],
  ])('%s', (file, sequence, levels, bestBid, bestAsk) => {
    const text = fixtureText(file);
    const book = parseBook('binance', 'BTCUSDT', text);
    expect(book.sequence).toBe(sequence);
    expect(book.bids).toHaveLength(levels);
    expect(book.asks).toHaveLength(levels);
    expect(book.bids[0]?.price).toBe(bestBid);
    expect(book.asks[0]?.price).toBe(bestAsk);
    const raw = rawLevels(text);
    expect(book.bids.map((l) => [l.price, l.size])).toEqual(raw.bids);
    expect(book.asks.map((l) => [l.price, l.size])).toEqual(raw.asks);
  });

  it('keeps a lastUpdateId beyond 2^53 exact', () => {
    const text = '{"lastUpdateId":9007199254740993123,"bids":[["1.00","2"]],"asks":[["1.01","3"]]}';
    expect(parseBook('binance', 'BTCUSDT', text).sequence).toBe(9007199254740993123n);
    const at2p53plus1 = '{"lastUpdateId":9007199254740993,"bids":[["1.00","2"]],"asks":[["1.01","3"]]}';
    expect(parseBook('binance', 'BTCUSDT', at2p53plus1).sequence).toBe(9007199254740993n);
  });
});

describe('invalid books are rejected with a precise reason', () => {
  const binance = (bids: string[][], asks: string[][]) => JSON.stringify({ lastUpdateId: 1, bids, asks });

  it.each([
    ['empty bids', binance([], [['2', '1']]), 'invalid_book', /^bids is empty$/],
    ['empty asks', binance([['1', '1']], []), 'invalid_book', /^asks is empty$/],
    [
      'crossed',
      binance([['2', '1']], [['2', '1']]),
      'invalid_book',
      /crossed book: best bid 2 >= best ask 2/,
    ],
    ['crossed by trailing zeros', binance([['2.10', '1']], [['2.1', '1']]), 'invalid_book', /crossed/],
    [
      'zero price',
      binance([['0.000', '1']], [['2', '1']]),
      'invalid_book',
      /bids level 1: price "0.000" is not a positive decimal/,
    ],
    [
      'negative size',
      binance([['1', '-1']], [['2', '1']]),
      'invalid_book',
      /bids level 1: size "-1" is not a positive decimal/,
    ],
    [
      'exponent',
      binance(
        [['1', '1']],
        [
          ['2', '1'],
          ['3e2', '1'],
        ],
      ),
      'invalid_book',
      /asks level 2: price "3e2"/,
    ],
    ['NaN', binance([['NaN', '1']], [['2', '1']]), 'invalid_book', /price "NaN"/],
    ['Infinity', binance([['1', 'Infinity']], [['2', '1']]), 'invalid_book', /size "Infinity"/],
    ['zero size', binance([['1', '0']], [['2', '1']]), 'invalid_book', /size "0"/],
    [
      'duplicate bid level',
      binance(
        [
          ['1.5', '1'],
          ['1.50', '2'],
        ],
        [['2', '1']],
      ),
      'invalid_book',
      /bids level 2: price 1.50 after 1.5 is not strictly descending/,
    ],
    [
      'unsorted asks',
      binance(
        [['1', '1']],
        [
          ['2', '1'],
          ['3', '1'],
          ['2.5', '1'],
        ],
      ),
      'invalid_book',
      /asks level 3: price 2.5 after 3 is not strictly ascending/,
    ],
    ['numbers for prices', '{"lastUpdateId":1,"bids":[[1,2]],"asks":[["2","1"]]}', 'schema', /bids\.0\.0/],
    ['missing asks', '{"lastUpdateId":1,"bids":[["1","2"]]}', 'schema', /asks/],
    ['truncated', '{"lastUpdateId":1,"bids":[["1","2"]],"as', 'not_json', /not JSON/],
    ['html', '<html><body>502 Bad Gateway</body></html>', 'not_json', /not JSON/],
  ])('%s', (_name, text, kind, message) => {
    expectError(() => parseBook('binance', 'BTCUSDT', text), kind, message);
  });

  it('accepts 40-digit decimals and orders them exactly', () => {
    const bid = '1234567890123456789012345678.901234567890';
    const ask = '1234567890123456789012345678.901234567891';
    const book = parseBook('binance', 'BTCUSDT', binance([[bid, '1']], [[ask, '1']]));
    expect(book.bids[0]?.price).toBe(bid);
    // A float would see these as equal and call the book crossed.
    expectError(
      () => parseBook('binance', 'BTCUSDT', binance([[ask, '1']], [[bid, '1']])),
      'invalid_book',
      /crossed/,
    );
  });

  it('rejects a Coinbase time that is not ISO UTC', () => {
    const text = JSON.stringify({
      bids: [['1', '1', 1]],
      asks: [['2', '1', 1]],
      sequence: 5,
      time: 'yesterday',
    });
    expectError(() => parseBook('coinbase', 'BTC-USD', text), 'schema', /time "yesterday"/);
  });
});
