/**
 * Bybit's public limits, shared by the client's limiter and the simulator: 600 requests per 5 s
 * per IP for every public endpoint.
 */
export const BYBIT_REQUESTS_PER_WINDOW = 600;
export const BYBIT_WINDOW_MS = 5000;
/**
 * Levels per side asked of the spot book: the most current docs allow (1-1000; older docs said
 * 200). A venue that refuses it answers a retCode error, kept raw and recorded like any other.
 */
export const BYBIT_DEPTH = 1000;
/** Levels per side of a spot book when `limit` is absent. */
export const BYBIT_DEPTH_DEFAULT = 1;
/** Spot trades per request at most (`limit` 1-60). */
export const BYBIT_TRADES_LIMIT = 60;
