/**
 * MarketInfo.notExecutable: what each venue's market list says of a taker's chances, in its own
 * status words. Live lists recorded from the venues, and hand-written ones with the other words
 * each venue documents.
 */
import { describe, expect, it } from 'vitest';
import { venueOf } from '../../src/venues/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

const reasons = (venue: Parameters<typeof venueOf>[0], text: string) =>
  Object.fromEntries(
    [...venueOf(venue).metadata.parse(text)].map(([symbol, info]) => [symbol, info.notExecutable]),
  );

describe('market status from the market list', () => {
  it('Coinbase /products (live, 497 products): the 12 delisted ones, limit_only still executable', () => {
    const products = venueOf('coinbase').metadata.parse(fixtureText('coinbase-products-openbb.json'));
    const not = [...products.values()].filter((p) => p.notExecutable !== null);
    expect(not).toHaveLength(12);
    expect(products.get('UST-USD')?.notExecutable).toBe('status: delisted, trading_disabled');
    // 52 products of the list are limit_only: a marketable limit order still takes their book.
    expect(products.get('BTC-USD')?.notExecutable).toBeNull();
  });

  it('Coinbase: cancel_only, post_only, trading_disabled and a status other than online, each named', () => {
    const p = (id: string, extra: Record<string, unknown>) => ({
      id,
      base_currency: 'btc',
      quote_currency: 'usd',
      status: 'online',
      trading_disabled: false,
      cancel_only: false,
      post_only: false,
      limit_only: false,
      ...extra,
    });
    const text = JSON.stringify([
      p('A-USD', {}),
      p('B-USD', { cancel_only: true }),
      p('C-USD', { post_only: true }),
      p('D-USD', { limit_only: true }),
      p('E-USD', { status: 'offline', trading_disabled: true }),
      { id: 'F-USD', base_currency: 'F', quote_currency: 'USD' },
    ]);
    expect(reasons('coinbase', text)).toEqual({
      'A-USD': null,
      'B-USD': 'cancel_only',
      'C-USD': 'post_only',
      'D-USD': null,
      'E-USD': 'status: offline, trading_disabled',
      // No status and no flags (older answers): nothing says a taker cannot.
      'F-USD': null,
    });
  });

  it('Binance exchangeInfo: only TRADING', () => {
    const s = (symbol: string, status: string) => ({ symbol, status, baseAsset: 'BTC', quoteAsset: 'USDT' });
    const text = JSON.stringify({
      symbols: [s('BTCUSDT', 'TRADING'), s('ETHUSDT', 'BREAK'), s('XUSDT', 'HALT')],
    });
    expect(reasons('binance', text)).toEqual({
      BTCUSDT: null,
      ETHUSDT: 'status: BREAK',
      XUSDT: 'status: HALT',
    });
    expect(reasons('binance', fixtureText('binance-exchangeinfo-nautilus.json'))).toEqual({
      BTCUSDT: null,
      ETHUSDT: null,
    });
  });

  it('Kraken AssetPairs: online and limit_only executable; cancel_only, post_only, reduce_only not', () => {
    const pair = (altname: string, status?: string) => ({
      altname,
      base: 'XXBT',
      quote: 'ZUSD',
      ...(status === undefined ? {} : { status }),
    });
    const text = JSON.stringify({
      error: [],
      result: {
        P1: pair('A1', 'online'),
        P2: pair('A2', 'limit_only'),
        P3: pair('A3', 'cancel_only'),
        P4: pair('A4', 'post_only'),
        P5: pair('A5', 'reduce_only'),
        P6: pair('A6'),
      },
    });
    const r = reasons('kraken', text);
    expect([r.A1, r.A2, r.A3, r.A4, r.A5, r.A6]).toEqual([
      null,
      null,
      'status: cancel_only',
      'status: post_only',
      'status: reduce_only',
      null,
    ]);
    // Found under its key too, with the same reason.
    expect(r.P3).toBe('status: cancel_only');
  });

  it('OKX instruments: only live', () => {
    const i = (instId: string, state: string) => ({ instId, baseCcy: 'BTC', quoteCcy: 'USDT', state });
    const text = JSON.stringify({
      code: '0',
      msg: '',
      data: [i('BTC-USDT', 'live'), i('ETH-USDT', 'suspend')],
    });
    expect(reasons('okx', text)).toEqual({ 'BTC-USDT': null, 'ETH-USDT': 'state: suspend' });
  });

  it('Bybit instruments-info: only Trading', () => {
    const i = (symbol: string, status: string) => ({ symbol, baseCoin: 'BTC', quoteCoin: 'USDT', status });
    const text = JSON.stringify({
      retCode: 0,
      retMsg: 'OK',
      result: { list: [i('BTCUSDT', 'Trading'), i('NEWUSDT', 'PreLaunch')] },
    });
    expect(reasons('bybit', text)).toEqual({ BTCUSDT: null, NEWUSDT: 'status: PreLaunch' });
    expect(reasons('bybit', fixtureText('bybit-instruments-info-spot-xchange.json'))).toMatchObject({
      BTCUSDT: null,
      ETHUSDT: null,
    });
  });
});
