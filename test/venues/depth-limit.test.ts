/**
 * Each venue's depthLimit(url): the levels per side a book request asked, as the venue reads it
 * (its default when the parameter is absent, its ceiling past the most it sends), from the URL
 * its own client asks and from URLs an older or hand-made request may have used.
 */
import { describe, expect, it } from 'vitest';
import { venueOf, type Venue } from '../../src/venues/index.ts';
import { bookUrl } from '../helpers/book-url.ts';

const limit = (venue: Venue, url: string) => venueOf(venue).book.depthLimit(url);

describe('depthLimit', () => {
  it('reads what each client asks with the default settings', () => {
    expect({
      coinbase: limit('coinbase', bookUrl('coinbase', 'BTC-USD')),
      binance: limit('binance', bookUrl('binance', 'BTCUSDT')),
      kraken: limit('kraken', bookUrl('kraken', 'XBTUSD')),
      okx: limit('okx', bookUrl('okx', 'BTC-USDT')),
      bybit: limit('bybit', bookUrl('bybit', 'BTCUSDT')),
    }).toEqual({ coinbase: null, binance: 5000, kraken: 500, okx: 5000, bybit: 1000 });
  });

  it('Binance: BINANCE_DEPTH_LIMIT as asked, 100 without a limit, 5000 at most (Binance clamps)', () => {
    expect(limit('binance', bookUrl('binance', 'BTCUSDT', { BINANCE_DEPTH_LIMIT: '20' }))).toBe(20);
    expect(limit('binance', 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT')).toBe(100);
    expect(limit('binance', 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=10000')).toBe(5000);
    expect(() => limit('binance', 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5k')).toThrow(
      'book request https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5k: limit=5k is not a whole number of levels from 1',
    );
    expect(() => limit('binance', 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=0')).toThrow(
      /limit=0 is not a whole number/,
    );
  });

  it('Coinbase: level 2 and 3 are the whole book; level 1 (the default) the best level alone', () => {
    const url = (query: string) => `https://api.exchange.coinbase.com/products/BTC-USD/book${query}`;
    expect(limit('coinbase', url('?level=2'))).toBeNull();
    expect(limit('coinbase', url('?level=3'))).toBeNull();
    expect(limit('coinbase', url('?level=1'))).toBe(1);
    expect(limit('coinbase', url(''))).toBe(1);
    expect(() => limit('coinbase', url('?level=4'))).toThrow(/level=4 is not 1, 2 or 3/);
  });

  it('Kraken: count, 100 without one, 500 at most', () => {
    const url = (query: string) => `https://api.kraken.com/0/public/Depth?pair=XBTUSD${query}`;
    expect(limit('kraken', url('&count=25'))).toBe(25);
    expect(limit('kraken', url(''))).toBe(100);
    expect(limit('kraken', url('&count=1000'))).toBe(500);
  });

  it('OKX: sz, 1 without one; books-full up to 5000, books up to 400', () => {
    expect(limit('okx', 'https://www.okx.com/api/v5/market/books-full?instId=BTC-USDT&sz=300')).toBe(300);
    expect(limit('okx', 'https://www.okx.com/api/v5/market/books-full?instId=BTC-USDT')).toBe(1);
    expect(limit('okx', 'https://www.okx.com/api/v5/market/books?instId=BTC-USDT&sz=400')).toBe(400);
    expect(limit('okx', 'https://www.okx.com/api/v5/market/books?instId=BTC-USDT&sz=5000')).toBe(400);
  });

  it('Bybit: limit, 1 without one, 1000 at most', () => {
    const url = (query: string) =>
      `https://api.bybit.com/v5/market/orderbook?category=spot&symbol=BTCUSDT${query}`;
    expect(limit('bybit', url('&limit=200'))).toBe(200);
    expect(limit('bybit', url(''))).toBe(1);
    expect(limit('bybit', url('&limit=5000'))).toBe(1000);
  });
});
