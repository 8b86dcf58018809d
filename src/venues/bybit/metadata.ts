/** Bybit v5 `GET /v5/market/instruments-info?category=spot`: every spot symbol with base, quote and status. */
import { z } from 'zod';
import { VENUE_NAMING } from '../codes.ts';
import type { MarketInfo, VenueMetadata } from '../types.ts';
import { bybitError } from './errors.ts';

const instrumentsSchema = z.looseObject({
  result: z.looseObject({
    list: z.array(
      z.looseObject({
        symbol: z.string(),
        baseCoin: z.string(),
        quoteCoin: z.string(),
        status: z.string(),
      }),
    ),
  }),
});

export const bybitMetadata: VenueMetadata = {
  endpoint: VENUE_NAMING.bybit.metadataEndpoint,
  parse(text: string): Map<string, MarketInfo> {
    const json: unknown = JSON.parse(text);
    const error = bybitError(json);
    if (error) throw new Error(`bybit answered an error: ${error}`);
    return new Map(
      instrumentsSchema.parse(json).result.list.map((i) => [
        i.symbol,
        {
          symbol: i.symbol,
          base: i.baseCoin.toUpperCase(),
          quote: i.quoteCoin.toUpperCase(),
          trading: i.status === 'Trading',
          // PreLaunch, Delivering, Closed: only Trading matches orders.
          notExecutable: i.status === 'Trading' ? null : `status: ${i.status}`,
        },
      ]),
    );
  },
};
