/**
 * Kraken, OKX and Bybit: their recorded payloads parse exactly, their error bodies (HTTP 200 with
 * the venue's error shape) fail with the venue's words, and the simulator speaks them over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookError, parseBook, parseTrades, TradesError, venueOf } from '../../src/venues/index.ts';
import { krakenAsset } from '../../src/venues/kraken/assets.ts';
import { allSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { fixtureText } from '../helpers/fixtures.ts';

describe('Kraken', () => {
  it('reads the recorded XBTUSD depth under its XXBTZUSD key, newest level second as exchange time', () => {
    const book = parseBook('kraken', 'XBTUSD', fixtureText('kraken-depth-XBTUSD-5-senken.json'));
    expect(book.bids).toHaveLength(5);
    expect(book.asks).toHaveLength(5);
    expect(book.bids[0]).toEqual({ price: '77586.30000', size: '0.864', orderCount: null });
    expect(book.asks[0]).toEqual({ price: '77586.40000', size: '0.001', orderCount: null });
    // Newest level timestamp 1788332500 = 2026-09-02T07:01:40Z.
    expect(book.exchangeTime).toBe('2026-09-02T07:01:40.000000Z');
    expect(book.sequence).toBe(1788332500n);
  });

  it('reads recorded trades: seconds with a fraction truncated as text, trade ids, taker side', () => {
    const batch = parseTrades('kraken', 'XBTUSD', fixtureText('kraken-trades-XBTUSD-eugenelo.json'));
    expect(batch.trades).toHaveLength(5);
    expect(batch.trades[0]).toEqual({
      tradeId: '33185849',
      tradedAt: '2021-03-25T10:00:42.295170Z',
      price: '53018.10000',
      size: '0.04628248',
      takerSide: 'buy',
    });
  });

  it('names assets as the other venues do and finds markets by altname', () => {
    expect(['XXBT', 'XBT', 'ZUSD', 'XETH', 'XXDG', 'USDT', 'SOL'].map(krakenAsset)).toEqual([
      'BTC',
      'BTC',
      'USD',
      'ETH',
      'DOGE',
      'USDT',
      'SOL',
    ]);
    const pairs = venueOf('kraken').metadata.parse(
      fixtureText('../../../shared/fixtures/real/kraken-assetpairs-cryptofeed.json'),
    );
    expect(pairs.get('XBTUSD')).toEqual({
      symbol: 'XBTUSD',
      base: 'BTC',
      quote: 'USD',
      trading: true,
      notExecutable: null,
    });
    expect(pairs.get('XXBTZUSD')?.base).toBe('BTC');
    expect(pairs.get('ETHUSD')).toMatchObject({ base: 'ETH', quote: 'USD' });
  });

  it('fails a 200 error body with the venue words', () => {
    const body = '{"error":["EQuery:Unknown asset pair"]}';
    expect(() => parseBook('kraken', 'NOPE', body)).toThrow(BookError);
    expect(() => parseBook('kraken', 'NOPE', body)).toThrow(
      /kraken answered an error: EQuery:Unknown asset pair/,
    );
    expect(() => parseTrades('kraken', 'NOPE', body)).toThrow(TradesError);
    expect(() => venueOf('kraken').metadata.parse(body)).toThrow(/EQuery:Unknown asset pair/);
  });
});

describe('OKX', () => {
  it('reads recorded books: order counts, ts as exchange time, seqId as sequence', () => {
    const book = parseBook('okx', 'BTC-USDT', fixtureText('okx-books-BTC-USDT-5-senken.json'));
    expect(book.asks[0]).toEqual({ price: '77927.5', size: '1.53603807', orderCount: 12 });
    expect(book.bids[4]).toEqual({ price: '77919.5', size: '0.00001289', orderCount: 1 });
    expect(book.exchangeTime).toBe('2026-09-01T09:00:13.356000Z');
    expect(book.sequence).toBe(80632135948n);
    const other = parseBook('okx', 'BTC-USDT', fixtureText('okx-books-BTC-USDT-3-salimov.json'));
    expect(other.bids.map((l) => l.size)).toEqual(['0.0367749', '0.0000102', '0.03454624']);
    expect(other.sequence).toBe(81255615354n);
  });

  it('reads recorded trades and instruments', () => {
    const batch = parseTrades('okx', 'BTC-USDT', fixtureText('okx-trades-BTC-USDT-nautilus.json'));
    expect(batch.trades.map((t) => [t.tradeId, t.takerSide, t.price, t.tradedAt])).toEqual([
      ['734864332', 'buy', '102537.9', '2025-05-12T21:59:21.666000Z'],
      ['734864333', 'sell', '102537.9', '2025-05-12T21:59:23.557000Z'],
    ]);
    const list = venueOf('okx').metadata.parse(
      fixtureText('../../../shared/fixtures/real/okx-instruments-SPOT-cryptofeed.json'),
    );
    expect(list.get('BTC-USDT')).toEqual({
      symbol: 'BTC-USDT',
      base: 'BTC',
      quote: 'USDT',
      trading: true,
      notExecutable: null,
    });
  });

  it('fails a 200 error body with the venue words', () => {
    const body = '{"code":"51001","msg":"Instrument ID doesn\'t exist.","data":[]}';
    expect(() => parseBook('okx', 'NOPE-USDT', body)).toThrow(/okx answered an error: 51001 Instrument ID/);
    expect(() => parseTrades('okx', 'NOPE-USDT', body)).toThrow(/51001/);
    expect(() => venueOf('okx').metadata.parse(body)).toThrow(/51001/);
  });
});

describe('Bybit', () => {
  it('reads recorded books: ts as exchange time, seq (else u) as sequence', () => {
    const book = parseBook('bybit', 'BTCUSDT', fixtureText('bybit-orderbook-BTCUSDT-3-salimov.json'));
    expect(book.asks[0]).toEqual({ price: '76258.3', size: '1.554774', orderCount: null });
    expect(book.bids[0]).toEqual({ price: '76258.2', size: '0.026561', orderCount: null });
    expect(book.exchangeTime).toBe('2026-09-17T22:27:03.153000Z');
    expect(book.sequence).toBe(114163037531n);
    const old = parseBook('bybit', 'BTCUSDT', fixtureText('bybit-orderbook-BTCUSDT-2-xchange.json'));
    expect(old.sequence).toBe(47685744n);
  });

  it('reads recorded trades and instruments', () => {
    const batch = parseTrades('bybit', 'BTCUSDT', fixtureText('bybit-recent-trade-BTCUSDT-bybitdocs.json'));
    expect(batch.trades).toEqual([
      {
        tradeId: '2100000000007764263',
        tradedAt: '2022-12-26T11:09:15.758000Z',
        price: '16618.49',
        size: '0.00012',
        takerSide: 'buy',
      },
    ]);
    const list = venueOf('bybit').metadata.parse(fixtureText('bybit-instruments-info-spot-xchange.json'));
    expect(list.get('ETHUSDT')).toEqual({
      symbol: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      trading: true,
      notExecutable: null,
    });
  });

  it('fails the recorded 200 error body with the venue words', () => {
    const body = fixtureText('bybit-error-tickers-BLABLA-xchange.json');
    expect(() => parseBook('bybit', 'BLABLA', body)).toThrow(
      /bybit answered an error: 10001 Not supported symbols/,
    );
    expect(() => parseTrades('bybit', 'BLABLA', body)).toThrow(/10001/);
    expect(() => venueOf('bybit').metadata.parse(body)).toThrow(/10001/);
  });
});

describe('the simulator speaks the three venues over HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, markets: allSimMarkets(), enforceRateLimits: true });
  });
  afterAll(async () => {
    await sim.close();
  });
  const text = async (path: string) => {
    // Kraken allows about one request a second; these tests check answers, not that pace.
    if (path.startsWith('/0/')) sim.resetRateLimits();
    const res = await fetch(`${sim.url}${path}`);
    return { status: res.status, body: await res.text() };
  };

  it('serves full-depth books that parse, and market lists', async () => {
    const cases = [
      ['kraken', 'XBTUSD', '/0/public/Depth?pair=XBTUSD&count=500', 500],
      ['okx', 'BTC-USDT', '/api/v5/market/books-full?instId=BTC-USDT&sz=5000', 5000],
      ['bybit', 'BTCUSDT', '/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=1000', 1000],
    ] as const;
    for (const [venue, symbol, path, levels] of cases) {
      const { status, body } = await text(path);
      expect(status).toBe(200);
      const book = parseBook(venue, symbol, body);
      expect(book.bids).toHaveLength(levels);
      expect(book.asks).toHaveLength(levels);
      expect(book.exchangeTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    const pairs = venueOf('kraken').metadata.parse((await text('/0/public/AssetPairs')).body);
    expect(pairs.get('XBTUSD')).toMatchObject({ base: 'BTC', quote: 'USD' });
    const trades = parseTrades(
      'okx',
      'BTC-USDT',
      (await text('/api/v5/market/trades?instId=BTC-USDT&limit=500')).body,
    );
    expect(trades.trades.length).toBeGreaterThan(0);
    const bybitTrades = parseTrades(
      'bybit',
      'BTCUSDT',
      (await text('/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=60')).body,
    );
    expect(bybitTrades.trades).toHaveLength(60);
  });

  it('answers unknown markets with HTTP 200 and the venue error body', async () => {
    expect(await text('/0/public/Depth?pair=NOPEUSD')).toEqual({
      status: 200,
      body: '{"error":["EQuery:Unknown asset pair"]}',
    });
    const okx = await text('/api/v5/market/books-full?instId=NOPE-USDT&sz=5');
    expect(okx.status).toBe(200);
    expect(() => parseBook('okx', 'NOPE-USDT', okx.body)).toThrow(/51001/);
    const bybit = await text('/v5/market/orderbook?category=spot&symbol=NOPEUSDT&limit=5');
    expect(bybit.status).toBe(200);
    expect(() => parseBook('bybit', 'NOPEUSDT', bybit.body)).toThrow(/10001/);
  });

  it("enforces OKX's 10 requests per 2 s with a 429 in OKX's shape", async () => {
    sim.resetRateLimits();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await text('/api/v5/market/books-full?instId=BTC-USDT&sz=1')).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
    sim.resetRateLimits();
  });

  it('answers every fault kind on the new venues', async () => {
    sim.injectFault({ venue: 'okx', endpoint: 'book' }, { kind: 'crossed' });
    const crossed = await text('/api/v5/market/books-full?instId=BTC-USDT&sz=50');
    expect(() => parseBook('okx', 'BTC-USDT', crossed.body)).toThrow(/best bid/);
    sim.injectFault({ venue: 'bybit', endpoint: 'book' }, { kind: 'empty', side: 'asks' });
    const empty = await text('/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=50');
    expect(() => parseBook('bybit', 'BTCUSDT', empty.body)).toThrow(/asks is empty/);
    sim.injectFault({ venue: 'kraken', endpoint: 'book' }, { kind: 'schema' });
    const schema = await text('/0/public/Depth?pair=XBTUSD&count=50');
    expect(() => parseBook('kraken', 'XBTUSD', schema.body)).toThrow(BookError);
    sim.injectFault({ venue: 'kraken', endpoint: 'trades' }, { kind: 'status', status: 503 });
    expect((await text('/0/public/Trades?pair=XBTUSD')).body).toBe('{"error":["EService:Unavailable"]}');
    sim.injectFault({ venue: 'okx', endpoint: 'instruments' }, { kind: 'malformed' });
    expect((await text('/api/v5/public/instruments?instType=SPOT')).status).toBe(200);
    sim.injectFault({ venue: 'bybit', endpoint: 'instruments-info' }, { kind: 'schema' });
    const bad = await text('/v5/market/instruments-info?category=spot');
    expect(() => venueOf('bybit').metadata.parse(bad.body)).toThrow();
  });
});
