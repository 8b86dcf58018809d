/** Coinbase `GET /products`: every product with its base and quote currency and whether it trades. */
import { z } from 'zod';
import { VENUE_NAMING } from '../codes.ts';
import type { MarketInfo, VenueMetadata } from '../types.ts';

const productsSchema = z.array(
  z.looseObject({
    id: z.string(),
    base_currency: z.string(),
    quote_currency: z.string(),
    status: z.string().optional(),
    trading_disabled: z.boolean().optional(),
  }),
);

export const coinbaseMetadata: VenueMetadata = {
  endpoint: VENUE_NAMING.coinbase.metadataEndpoint,
  parse(text: string): Map<string, MarketInfo> {
    const products = productsSchema.parse(JSON.parse(text));
    return new Map(
      products.map((p) => [
        p.id,
        {
          symbol: p.id,
          base: p.base_currency.toUpperCase(),
          quote: p.quote_currency.toUpperCase(),
          trading: p.status !== 'delisted' && p.trading_disabled !== true,
        },
      ]),
    );
  },
};
