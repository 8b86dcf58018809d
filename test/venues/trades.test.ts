import { describe, expect, it } from 'vitest';
import { BinanceClient } from '../../src/venues/binance/client.ts';
import { CoinbaseClient } from '../../src/venues/coinbase/client.ts';
import type { GetRequest, HttpResponse, VenueHttp } from '../../src/http/get.ts';

/** Records what a client asks its VenueHttp for (URL, market, rate-limit weight). */
function recordingHttp(): { http: VenueHttp; asked: GetRequest[] } {
  const asked: GetRequest[] = [];
  const http = {
    get: (request: GetRequest) => {
      asked.push(request);
      return Promise.resolve({ status: 200 } as HttpResponse);
    },
    blocked: null,
  } as unknown as VenueHttp;
  return { http, asked };
}

describe('fetchTrades', () => {
  it('Coinbase: GET /products/{id}/trades for the newest 1000, one request of the 10/s', async () => {
    const { http, asked } = recordingHttp();
    await new CoinbaseClient('https://api.exchange.coinbase.com', http).fetchTrades('BTC-USD');
    expect(asked).toEqual([
      { url: 'https://api.exchange.coinbase.com/products/BTC-USD/trades?limit=1000', market: 'BTC-USD' },
    ]);
  });

  it('Binance: GET /api/v3/trades for the newest 1000 at weight 25', async () => {
    const { http, asked } = recordingHttp();
    await new BinanceClient('https://data-api.binance.vision', http, 5000).fetchTrades('BTCUSDT');
    expect(asked).toEqual([
      {
        url: 'https://data-api.binance.vision/api/v3/trades?symbol=BTCUSDT&limit=1000',
        market: 'BTCUSDT',
        weight: 25,
      },
    ]);
  });
});
