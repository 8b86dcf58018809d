/** Coinbase's public limit: requests per rolling second, counted per caller (here: per simulator). */
export interface RequestRateLimiter {
  /** Records the request and returns true if it is within the limit; rejected requests are not counted. */
  tryAcquire(now: number): boolean;
  reset(): void;
}

export function createRequestRateLimiter(limit: number, windowMs: number): RequestRateLimiter {
  let accepted: number[] = [];
  return {
    tryAcquire(now) {
      accepted = accepted.filter((at) => at > now - windowMs);
      if (accepted.length >= limit) return false;
      accepted.push(now);
      return true;
    },
    reset() {
      accepted = [];
    },
  };
}

export const MINUTE_MS = 60_000;

/**
 * Binance's REQUEST_WEIGHT per clock minute. The window resets on the minute boundary, which is
 * why Retry-After counts the seconds to the next minute.
 */
export interface WeightMeter {
  /**
   * Charges `weight` unless `limit` would be exceeded. `used` is the minute's total after this
   * request (what X-MBX-USED-WEIGHT-1M reports).
   */
  charge(
    weight: number,
    now: number,
    limit: number | null,
  ): { ok: boolean; used: number; retryAfterSeconds: number };
  reset(): void;
}

export function createWeightMeter(): WeightMeter {
  let minute = -1;
  let used = 0;
  return {
    charge(weight, now, limit) {
      const current = Math.floor(now / MINUTE_MS);
      if (current !== minute) {
        minute = current;
        used = 0;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(((current + 1) * MINUTE_MS - now) / 1000));
      if (limit !== null && used + weight > limit) return { ok: false, used, retryAfterSeconds };
      used += weight;
      return { ok: true, used, retryAfterSeconds };
    },
    reset() {
      used = 0;
    },
  };
}
