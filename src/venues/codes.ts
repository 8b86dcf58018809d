/**
 * What every layer may know of a venue without loading it: its code, how its markets are named,
 * and what its metadata endpoint is called in raw keys. Config, raw keys and the lake read this
 * list; the registry (index.ts) holds one full Venue per code here, and the type checker holds
 * the two to the same codes. Nothing is imported here, so any layer may import it.
 */
export interface VenueNaming {
  /**
   * Native symbols allowed. Symbols end up in URLs and raw-store keys, so anything outside the
   * pattern (slashes, dots, percent signs, spaces…) is refused before it gets there.
   */
  readonly symbolPattern: RegExp;
  /** A symbol of the venue, for messages that show what a symbol looks like. */
  readonly exampleSymbol: string;
  /** The `endpoint=` folder of the venue's market-metadata responses in the raw store. */
  readonly metadataEndpoint: string;
}

export const VENUE_NAMING = {
  coinbase: {
    symbolPattern: /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/,
    exampleSymbol: 'BTC-USD',
    metadataEndpoint: 'products',
  },
  binance: { symbolPattern: /^[A-Z0-9]{2,20}$/, exampleSymbol: 'BTCUSDT', metadataEndpoint: 'exchangeInfo' },
  // Kraken's own pair names: the altname (XBTUSD) or the key (XXBTZUSD), both plain capitals.
  kraken: { symbolPattern: /^[A-Z0-9]{4,16}$/, exampleSymbol: 'XBTUSD', metadataEndpoint: 'AssetPairs' },
  okx: {
    symbolPattern: /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/,
    exampleSymbol: 'BTC-USDT',
    metadataEndpoint: 'instruments',
  },
  bybit: {
    symbolPattern: /^[A-Z0-9]{2,20}$/,
    exampleSymbol: 'BTCUSDT',
    metadataEndpoint: 'instruments-info',
  },
} as const satisfies Record<string, VenueNaming>;

export type Venue = keyof typeof VENUE_NAMING;

/** The venue codes in registry order (the order reports and defaults list them in). */
export const VENUES = Object.keys(VENUE_NAMING) as [Venue, ...Venue[]];

export type MetaEndpoint = (typeof VENUE_NAMING)[Venue]['metadataEndpoint'];

export function isVenue(value: string): value is Venue {
  return Object.hasOwn(VENUE_NAMING, value);
}

/**
 * The venues of the default MARKETS: Coinbase and Binance. OKX and Bybit refuse some regions, so
 * the others are asked only when MARKETS names them.
 */
export const DEFAULT_MARKETS_VENUES: readonly Venue[] = ['coinbase', 'binance'];
