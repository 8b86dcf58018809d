/**
 * Coinbase `auction_mode`: a book in an auction holds the auction's indicative quote, so it is
 * not executable as shown (OrderBook.notExecutable 'auction_mode'). The fast scanner and the
 * general way (JSON.parse + zod) must say the same of every form the key takes.
 */
import { describe, expect, it } from 'vitest';
import { parseBook, parseGeneral, scanBook } from '../../src/venues/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

const body = (flag: string) =>
  `{"bids":[["100.5","0.1",3]],"asks":[["101","1.5",2]],"sequence":42${flag},"time":"2026-11-21T10:00:00.5Z"}`;

describe('auction_mode', () => {
  it.each([
    ['true', ',"auction_mode":true', 'auction_mode'],
    ['false', ',"auction_mode":false', null],
    ['null', ',"auction_mode":null', null],
    ['absent (2022 answers)', '', null],
  ])('%s: the scanner and the general way agree', (_name, flag, expected) => {
    const text = body(flag);
    const fast = scanBook('coinbase', 'BTC-USD', text);
    const general = parseGeneral('coinbase', 'BTC-USD', text);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(general);
    expect(general.notExecutable).toBe(expected);
    expect(parseBook('coinbase', 'BTC-USD', text).notExecutable).toBe(expected);
  });

  it('true with a key order and spacing the scanner still reads: same book both ways', () => {
    const text =
      ' { "auction_mode" : true , "auction":{"open_price":"100.9"},"sequence":7,' +
      '"asks":[["101","1",1]],"bids":[["100","1",1]] } ';
    const fast = scanBook('coinbase', 'BTC-USD', text);
    expect(fast?.notExecutable).toBe('auction_mode');
    expect(fast).toEqual(parseGeneral('coinbase', 'BTC-USD', text));
  });

  it('a body the scanner declines (escaped key) still gets the flag the general way', () => {
    const text = '{"bids":[["1","1",1]],"asks":[["2","1",1]],"sequence":5,"auction\\u005fmode":true}';
    expect(scanBook('coinbase', 'X', text)).toBeNull();
    expect(parseBook('coinbase', 'X', text).notExecutable).toBe('auction_mode');
  });

  it('recorded live books (auction_mode false) are executable; other venues have no such flag', () => {
    expect(
      parseBook('coinbase', 'ETH-USDT', fixtureText('coinbase-book-l2-ETH-USDT-openbb.json')).notExecutable,
    ).toBe(null);
    expect(
      parseBook('binance', 'BTCUSDT', fixtureText('binance-depth-BTCUSDT-5-soworks.json')).notExecutable,
    ).toBe(null);
    expect(
      parseBook('kraken', 'XBTUSD', fixtureText('kraken-depth-XBTUSD-5-senken.json')).notExecutable,
    ).toBe(null);
    expect(parseBook('okx', 'BTC-USDT', fixtureText('okx-books-BTC-USDT-5-senken.json')).notExecutable).toBe(
      null,
    );
    expect(
      parseBook('bybit', 'BTCUSDT', fixtureText('bybit-orderbook-BTCUSDT-3-salimov.json')).notExecutable,
    ).toBe(null);
  });
});
