/**
 * Per-venue pacing, shared by every request of a run to that venue. Requests take their turn
 * in order (a FIFO chain), so concurrent markets cannot all slip through at once. Every wait
 * ends at once when the run's signal is aborted, so a shutdown never sits out a weight window.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Rejects with the signal's reason as soon as it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
};

export interface RateLimiter {
  /** Resolves when a request of this weight may be sent; rejects once `signal` is aborted. */
  acquire(weight: number, signal?: AbortSignal): Promise<void>;
  /** Reads what the venue says about our usage from a response's headers. */
  observe(headers: Record<string, string | undefined>): void;
  /** Holds every request to the venue for this long (a 429's Retry-After). */
  pauseFor(ms: number): void;
}

abstract class QueuedLimiter implements RateLimiter {
  protected readonly clock: Clock;
  private tail: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  acquire(weight: number, signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(async () => {
      signal?.throwIfAborted();
      const pause = this.pausedUntil - this.clock.now();
      if (pause > 0) await this.clock.sleep(pause, signal);
      await this.take(weight, signal);
    });
    // A failed turn must not wedge the queue for the requests behind it.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  observe(_headers: Record<string, string | undefined>): void {
    // Most venues say nothing useful in headers.
  }

  protected abstract take(weight: number, signal?: AbortSignal): Promise<void>;
}

/** A token bucket: `perSecond` requests a second on average, bursts up to `burst`. Coinbase public: 10/s. */
export class RequestRateLimiter extends QueuedLimiter {
  private readonly perSecond: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(perSecond: number, burst = perSecond, clock: Clock = systemClock) {
    super(clock);
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.now();
  }

  protected async take(_weight: number, signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000), signal);
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/**
 * Binance's request-weight budget: `limit` per clock minute, counted by us and corrected by
 * the venue's own `X-MBX-USED-WEIGHT-1M`. We stop short of the limit (by `headroom`) and wait
 * for the next minute rather than earn a 429 and, repeated, a 418 ban.
 */
export class WeightBudgetLimiter extends QueuedLimiter {
  private readonly limit: number;
  private readonly headroom: number;
  private readonly header: string;
  private window = -1;
  private used = 0;

  constructor(limit = 6000, clock: Clock = systemClock, headroom = 0.9, header = 'x-mbx-used-weight-1m') {
    super(clock);
    this.limit = limit;
    this.headroom = headroom;
    this.header = header;
  }

  /** Weight used in the current minute, as far as we know. */
  get usedWeight(): number {
    this.roll();
    return this.used;
  }

  protected async take(weight: number, signal?: AbortSignal): Promise<void> {
    this.roll();
    const budget = Math.floor(this.limit * this.headroom);
    if (this.used > 0 && this.used + weight > budget) {
      const nextMinute = (this.window + 1) * 60_000;
      await this.clock.sleep(nextMinute - this.clock.now() + 50, signal);
      this.roll();
    }
    this.used += weight;
  }

  override observe(headers: Record<string, string | undefined>): void {
    const value = headers[this.header];
    if (value === undefined || !/^\d+$/.test(value)) return;
    this.roll();
    this.used = Math.max(this.used, Number(value));
  }

  private roll(): void {
    const window = Math.floor(this.clock.now() / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
  }
}
