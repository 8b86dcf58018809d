/**
 * Kraken's public REST limit, shared by the client's limiter and the simulator: about one call a
 * second per IP ("EGeneral:Too many requests" past it).
 */
export const KRAKEN_REQUESTS_PER_SECOND = 1;
/** Levels per side of a Depth answer when `count` is absent (the most is KRAKEN_DEPTH_COUNT). */
export const KRAKEN_DEPTH_DEFAULT = 100;
