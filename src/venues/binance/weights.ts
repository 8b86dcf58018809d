/**
 * Binance's documented REQUEST_WEIGHT costs and budget: the client spends them against its
 * limiter and the simulator charges them, so the two cannot drift apart.
 */

/** Weight per minute an IP may use. */
export const WEIGHT_LIMIT_PER_MINUTE = 6000;

/** exchangeInfo costs 20 weight whether it names 1 symbol or 100. */
export const EXCHANGE_INFO_WEIGHT = 20;

/** GET /api/v3/trades, whatever its `limit` (1-1000). */
export const TRADES_WEIGHT = 25;

/** GET /api/v3/depth by `limit`. */
export function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}
