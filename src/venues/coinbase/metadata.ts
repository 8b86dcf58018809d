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
    cancel_only: z.boolean().optional(),
    post_only: z.boolean().optional(),
  }),
);

type Product = z.infer<typeof productsSchema>[number];

/**
 * A taker can take the book of an `online` product (older answers give no status: taken as
 * online) that is neither trading_disabled, cancel_only ("only accepts cancel requests") nor
 * post_only ("only maker orders can be placed"). limit_only still matches a marketable limit
 * order against the book, so it is executable. Each word that stops a taker is named.
 */
export function coinbaseProductNotExecutable(p: Product): string | null {
  const why = [
    ...(p.status === undefined || p.status === 'online' ? [] : [`status: ${p.status}`]),
    ...(p.trading_disabled === true ? ['trading_disabled'] : []),
    ...(p.cancel_only === true ? ['cancel_only'] : []),
    ...(p.post_only === true ? ['post_only'] : []),
  ];
  return why.length === 0 ? null : why.join(', ');
}

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
          notExecutable: coinbaseProductNotExecutable(p),
        },
      ]),
    );
  },
};
