/** OKX `GET /api/v5/public/instruments?instType=SPOT`: every spot instrument with base, quote and state. */
import { z } from 'zod';
import { VENUE_NAMING } from '../codes.ts';
import type { MarketInfo, VenueMetadata } from '../types.ts';
import { okxError } from './errors.ts';

const instrumentsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      instId: z.string(),
      baseCcy: z.string(),
      quoteCcy: z.string(),
      state: z.string(),
    }),
  ),
});

export const okxMetadata: VenueMetadata = {
  endpoint: VENUE_NAMING.okx.metadataEndpoint,
  parse(text: string): Map<string, MarketInfo> {
    const json: unknown = JSON.parse(text);
    const error = okxError(json);
    if (error) throw new Error(`okx answered an error: ${error}`);
    return new Map(
      instrumentsSchema.parse(json).data.map((i) => [
        i.instId,
        {
          symbol: i.instId,
          base: i.baseCcy.toUpperCase(),
          quote: i.quoteCcy.toUpperCase(),
          trading: i.state === 'live',
          // suspend, preopen (call auction before listing), test: only live matches orders.
          notExecutable: i.state === 'live' ? null : `state: ${i.state}`,
        },
      ]),
    );
  },
};
