import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVenueClients, HttpError, USER_AGENT } from '../../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import type { Venue } from '../../src/markets.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, markets: defaultSimMarkets(200) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

function clients(overrides: { retries?: number; timeoutMs?: number; maxBytes?: number } = {}) {
  const { log, lines } = capturingLogger();
  const binanceLimiter = new WeightBudgetLimiter(6000);
  const venues = createVenueClients(
    {
      apiUrl: { coinbase: sim.url, binance: sim.url, kraken: sim.url, okx: sim.url, bybit: sim.url },
      binanceDepthLimit: 100,
      httpTimeoutMs: overrides.timeoutMs ?? 2000,
      httpRetries: overrides.retries ?? 3,
      httpMaxBytes: overrides.maxBytes ?? 16 * 1024 * 1024,
      httpBackoffMs: 5,
    },
    log,
    { coinbase: new RequestRateLimiter(1000), binance: binanceLimiter },
  );
  return { ...venues, binanceLimiter, lines };
}

const bookRequests = (venue: Venue, symbol: string) =>
  sim.requests.filter((r) => r.venue === venue && r.endpoint === 'book' && r.symbol === symbol);

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected an HttpError');
}

describe('retrying GET against the simulator', () => {
  it('retries 5xx and returns the success that follows', async () => {
    const { coinbase } = clients();
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'status', status: 503 }, 2);
    const response = await coinbase.fetchBook('BTC-USD');
    expect(response.status).toBe(200);
    expect(response.attempts).toBe(3);
    expect(bookRequests('coinbase', 'BTC-USD').map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('gives back the last response when retries run out', async () => {
    const { coinbase } = clients({ retries: 2 });
    sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'status', status: 500 }, 10);
    const response = await coinbase.fetchBook('ETH-USD');
    expect(response.status).toBe(500);
    expect(bookRequests('coinbase', 'ETH-USD')).toHaveLength(3);
  });

  it('honours Retry-After on 429 before asking again', async () => {
    const { binance, lines } = clients();
    sim.injectFault({ venue: 'binance', symbol: 'BTCUSDT' }, { kind: 'status', status: 429, retryAfter: 1 });
    const response = await binance.fetchBook('BTCUSDT');
    expect(response.status).toBe(200);
    const [first, second] = bookRequests('binance', 'BTCUSDT').map((r) => r.at);
    expect(first).toBeDefined();
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(lines().some((l) => l.msg === 'request failed, retrying' && l.retryAfterMs === 1000)).toBe(true);
  });

  it('does not retry a Binance 400 (bad symbol) and reports the venue message', async () => {
    const { binance } = clients();
    const response = await binance.fetchBook('NOSUCHPAIR');
    expect(response.status).toBe(400);
    expect(bookRequests('binance', 'NOSUCHPAIR')).toHaveLength(1);
    expect(binance.describeError(response)).toBe('-1121 Invalid symbol.');
  });

  it('does not retry a Coinbase 404 (unknown product)', async () => {
    const { coinbase } = clients();
    const response = await coinbase.fetchBook('NOPE-USD');
    expect(response.status).toBe(404);
    expect(bookRequests('coinbase', 'NOPE-USD')).toHaveLength(1);
    expect(coinbase.describeError(response)).toMatch(/^NotFound \(unknown product/);
  });

  it('does not retry 451 and tells the operator which host to use', async () => {
    const { binance } = clients();
    sim.injectFault({ venue: 'binance', symbol: 'BTCUSDT' }, { kind: 'status', status: 451 }, 5);
    const response = await binance.fetchBook('BTCUSDT');
    expect(response.status).toBe(451);
    expect(bookRequests('binance', 'BTCUSDT')).toHaveLength(1);
    expect(binance.describeError(response)).toMatch(/data-api\.binance\.vision.*api\.binance\.us/);
  });

  it('stops asking a venue for the rest of the run after a 418', async () => {
    const { binance, coinbase } = clients();
    sim.injectFault(
      { venue: 'binance', symbol: 'BTCUSDT' },
      { kind: 'status', status: 418, retryAfter: 7200 },
      5,
    );
    const response = await binance.fetchBook('BTCUSDT');
    expect(response.status).toBe(418);
    expect(binance.blocked).toMatch(/418 IP ban for 7200 s/);
    const error = await failure(binance.fetchBook('ETHUSDT'));
    expect(error.kind).toBe('venue_blocked');
    expect(error.venue).toBe('binance');
    expect(sim.requests.filter((r) => r.venue === 'binance')).toHaveLength(1);
    // Another venue is not affected.
    expect((await coinbase.fetchBook('BTC-USD')).status).toBe(200);
  });

  it('retries timeouts and gives up with a timeout error', async () => {
    const { coinbase } = clients({ retries: 1, timeoutMs: 200 });
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'delay', ms: 1000 }, 2);
    const error = await failure(coinbase.fetchBook('BTC-USD'));
    expect(error.kind).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(
      /coinbase BTC-USD GET http:\/\/127\.0\.0\.1:\d+\/products\/BTC-USD\/book\?level=2: no complete response in 200 ms/,
    );
  });

  it('retries a connection reset mid-body', async () => {
    const { binance } = clients();
    sim.injectFault({ venue: 'binance', symbol: 'ETHUSDT' }, { kind: 'reset' });
    const response = await binance.fetchBook('ETHUSDT');
    expect(response.status).toBe(200);
    expect(bookRequests('binance', 'ETHUSDT')).toHaveLength(2);
  });

  it('refuses a body over the size cap without retrying', async () => {
    const { coinbase } = clients({ maxBytes: 100_000 });
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'oversize', bytes: 500_000 }, 5);
    const error = await failure(coinbase.fetchBook('BTC-USD'));
    expect(error.kind).toBe('too_large');
    expect(bookRequests('coinbase', 'BTC-USD')).toHaveLength(1);
  });

  it('sends a User-Agent (Coinbase answers 400 without one)', async () => {
    const { coinbase } = clients();
    await coinbase.fetchBook('BTC-USD');
    expect(bookRequests('coinbase', 'BTC-USD')[0]?.userAgent).toBe(USER_AGENT);
  });

  it('counts Binance weight from the venue header', async () => {
    const { binance, binanceLimiter } = clients();
    const response = await binance.fetchBook('BTCUSDT');
    expect(Number(response.headers['x-mbx-used-weight-1m'])).toBeGreaterThanOrEqual(5);
    expect(binanceLimiter.usedWeight).toBeGreaterThanOrEqual(
      Number(response.headers['x-mbx-used-weight-1m']),
    );
  });

  it('reads both venues’ market metadata', async () => {
    const { coinbase, binance } = clients();
    const products = coinbase.parseMetadata((await coinbase.fetchMetadata(['BTC-USD'])).body.toString());
    expect(products.get('BTC-USD')).toEqual({
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      trading: true,
      notExecutable: null,
    });
    const info = binance.parseMetadata((await binance.fetchMetadata(['BTCUSDT', 'ETHUSDT'])).body.toString());
    expect([...info.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(info.get('ETHUSDT')).toEqual({
      symbol: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      trading: true,
      notExecutable: null,
    });
  });
});
