/**
 * OKX's public limits, shared by the client's limiter and the simulator. books-full allows 10
 * requests per 2 s per IP, the strictest of the three endpoints asked (trades 100 / 2 s,
 * instruments 20 / 2 s), so one limiter at that pace covers them all.
 */
export const OKX_REQUESTS_PER_WINDOW = 10;
export const OKX_WINDOW_MS = 2000;
/** Levels per side books-full gives at most. */
export const OKX_DEPTH = 5000;
/** Levels per side /books gives at most. */
export const OKX_BOOKS_DEPTH = 400;
/** Levels per side either sends when `sz` is absent. */
export const OKX_DEPTH_DEFAULT = 1;
/** Trades per request at most (`limit` 1-500). */
export const OKX_TRADES_LIMIT = 500;
