import { describe, expect, it } from 'vitest';
import { BinanceClient } from '../../src/venues/binance/client.ts';
import { CoinbaseClient } from '../../src/venues/coinbase/client.ts';
import type { HttpResponse, VenueHttp } from '../../src/http/get.ts';
import { fixtureText } from '../helpers/fixtures.ts';

// Parsing needs no HTTP; a client that would throw if it tried proves it does not.
const noHttp = {
  get: () => Promise.reject(new Error('no HTTP in this test')),
  blocked: null,
} as unknown as VenueHttp;

const response = (status: number, body: string): HttpResponse => ({
  url: 'http://venue/x',
  status,
  headers: {},
  body: Buffer.from(body),
  requestedAt: new Date(),
  receivedAt: new Date(),
  attempts: 1,
  earlier: [],
});

describe('recorded venue metadata', () => {
  it('reads the live Coinbase /products list (497 products)', () => {
    const products = new CoinbaseClient('http://x', noHttp).parseMetadata(
      fixtureText('coinbase-products-openbb.json'),
    );
    expect(products.size).toBe(497);
    expect(products.get('BTC-USD')).toEqual({
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      trading: true,
      notExecutable: null,
    });
    expect(products.get('ETH-USDT')).toMatchObject({ base: 'ETH', quote: 'USDT' });
    const disabled = [...products.values()].filter((p) => !p.trading);
    expect(disabled.length).toBeGreaterThan(0);
  });

  it('reads the live Binance exchangeInfo', () => {
    const info = new BinanceClient('http://x', noHttp, 5000).parseMetadata(
      fixtureText('binance-exchangeinfo-nautilus.json'),
    );
    expect([...info.keys()]).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(info.get('BTCUSDT')).toEqual({
      symbol: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
      trading: true,
      notExecutable: null,
    });
  });
});

describe('venue error messages', () => {
  it('Coinbase: its message, with advice for a missing User-Agent', () => {
    const client = new CoinbaseClient('http://x', noHttp);
    expect(client.describeError(response(400, '{"message":"User-Agent header is required."}'))).toBe(
      'User-Agent header is required. (Coinbase requires a User-Agent header)',
    );
    expect(client.describeError(response(502, '<html>Bad gateway</html>'))).toBe('<html>Bad gateway</html>');
    expect(client.describeError(response(503, ''))).toBe('no message');
  });

  it('Binance: code and msg', () => {
    const client = new BinanceClient('http://x', noHttp, 5000);
    expect(client.describeError(response(429, '{"code":-1003,"msg":"Too many requests."}'))).toBe(
      '-1003 Too many requests. (request weight limit exceeded)',
    );
  });
});
