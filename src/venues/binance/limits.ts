/**
 * Binance's depth parameter, shared by the book format (which reads it back from a request URL)
 * and the simulator: `limit` levels per side, 100 when absent, and a limit above 5000 is clamped
 * to 5000 rather than refused.
 */
export const BINANCE_DEPTH_DEFAULT = 100;
export const BINANCE_DEPTH_MAX = 5000;
