import type { Venue } from '../venues/codes.ts';

export type TakerSide = 'buy' | 'sell';

/** One public trade, normalized: decimal strings stay exact, the id stays a string of digits. */
export interface Trade {
  /** The venue's trade id (Coinbase trade_id, Binance id): digits, may pass 2^53. */
  tradeId: string;
  /** ISO 8601 UTC with at most microseconds, e.g. `2026-11-21T13:00:00.123456Z`. */
  tradedAt: string;
  price: string;
  size: string;
  /** The side of the order that took liquidity. */
  takerSide: TakerSide;
}

/** One trades response of a market, ascending by trade id. */
export interface TradeBatch {
  venue: Venue;
  symbol: string;
  trades: Trade[];
}
