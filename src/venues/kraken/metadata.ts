/**
 * Kraken `GET /0/public/AssetPairs`: every pair under its key (XXBTZUSD) with its `altname`
 * (XBTUSD), `base`/`quote` asset (XXBT, ZUSD) and, in current answers, a `status`. A market is
 * found under either name; its assets are named as the other venues name them (assets.ts).
 */
import { z } from 'zod';
import { VENUE_NAMING } from '../codes.ts';
import type { MarketInfo, VenueMetadata } from '../types.ts';
import { krakenAsset } from './assets.ts';
import { krakenErrors } from './errors.ts';

const assetPairsSchema = z.looseObject({
  result: z.record(
    z.string(),
    z.looseObject({
      altname: z.string(),
      base: z.string(),
      quote: z.string(),
      // Absent in 2021 answers; "online", "cancel_only", "post_only", "limit_only", "reduce_only" now.
      status: z.string().optional(),
    }),
  ),
});

/**
 * online (or no status, 2021 answers) and limit_only (a marketable limit order still takes the
 * book) are executable; cancel_only, post_only (maker orders only), reduce_only (margin
 * position reductions only), and any other word (maintenance, delisted…) are not.
 */
function krakenPairNotExecutable(status: string | undefined): string | null {
  return status === undefined || status === 'online' || status === 'limit_only' ? null : `status: ${status}`;
}

export const krakenMetadata: VenueMetadata = {
  endpoint: VENUE_NAMING.kraken.metadataEndpoint,
  parse(text: string): Map<string, MarketInfo> {
    const json: unknown = JSON.parse(text);
    const errors = krakenErrors(json);
    if (errors) throw new Error(`kraken answered an error: ${errors.join('; ')}`);
    const pairs = assetPairsSchema.parse(json).result;
    const out = new Map<string, MarketInfo>();
    for (const [key, pair] of Object.entries(pairs)) {
      const info = {
        base: krakenAsset(pair.base),
        quote: krakenAsset(pair.quote),
        trading: pair.status === undefined || pair.status === 'online',
        notExecutable: krakenPairNotExecutable(pair.status),
      };
      out.set(key, { symbol: key, ...info });
      out.set(pair.altname, { symbol: pair.altname, ...info });
    }
    return out;
  },
};
