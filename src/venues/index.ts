/**
 * The venues: one folder per exchange (coinbase/, binance/), each exporting one VenueModule, and
 * the registry that selects them by code. The rest of the code asks here, never `venue === …`.
 */
export { isVenue, VENUE_NAMING, VENUES, type MetaEndpoint, type Venue } from './codes.ts';
export { allVenues, REGISTRY, venueOf } from './registry.ts';
export { createVenueClients, defaultLimiters, USER_AGENT } from './clients.ts';
export { parseBook, parseGeneral, parseTrades, scanBook } from './parse.ts';
export { TRADES_LIMIT } from './types.ts';
export type {
  MarketInfo,
  MetadataEndpoint,
  VenueClient,
  VenueMetadata,
  VenueModule,
  VenueSettings,
  VenueSimulator,
} from './types.ts';
export { HttpError, type HttpResponse } from '../http/get.ts';
export { BookError, type Level, type OrderBook } from '../book/index.ts';
export { TradesError, type Trade, type TradeBatch } from '../trades/index.ts';
