/** Binance `GET /api/v3/exchangeInfo?symbols=[…]`: the named symbols with base and quote asset and status. */
import { z } from 'zod';
import { VENUE_NAMING } from '../codes.ts';
import type { MarketInfo, VenueMetadata } from '../types.ts';

const exchangeInfoSchema = z.looseObject({
  symbols: z.array(
    z.looseObject({
      symbol: z.string(),
      status: z.string(),
      baseAsset: z.string(),
      quoteAsset: z.string(),
    }),
  ),
});

export const binanceMetadata: VenueMetadata = {
  endpoint: VENUE_NAMING.binance.metadataEndpoint,
  parse(text: string): Map<string, MarketInfo> {
    const info = exchangeInfoSchema.parse(JSON.parse(text));
    return new Map(
      info.symbols.map((s) => [
        s.symbol,
        {
          symbol: s.symbol,
          base: s.baseAsset.toUpperCase(),
          quote: s.quoteAsset.toUpperCase(),
          trading: s.status === 'TRADING',
          // BREAK, HALT, AUCTION_MATCH, PRE_TRADING, END_OF_DAY…: only TRADING matches orders.
          notExecutable: s.status === 'TRADING' ? null : `status: ${s.status}`,
        },
      ]),
    );
  },
};
