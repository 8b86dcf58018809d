import { describe, expect, it } from 'vitest';
import {
  RequestRateLimiter,
  WeightBudgetLimiter,
  type Clock,
  type RateLimiter,
} from '../../src/http/ratelimit.ts';
import { depthWeight as binanceDepthWeight } from '../../src/venues/binance/weights.ts';

/** A clock whose sleeps pass instantly but are counted, so pacing is checked without waiting. */
function fakeClock(start = 1_700_000_000_000): Clock & { slept: number[]; t: number } {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('RequestRateLimiter (Coinbase, 10 requests/s)', () => {
  it('lets a burst of 10 through, then paces at 100 ms', async () => {
    const clock = fakeClock();
    const limiter = new RequestRateLimiter(10, 10, clock);
    const start = clock.t;
    for (let i = 0; i < 10; i++) await limiter.acquire(1);
    expect(clock.t).toBe(start);
    for (let i = 0; i < 15; i++) await limiter.acquire(1);
    expect(clock.t - start).toBe(1500);
  });

  it('serializes concurrent callers in order', async () => {
    const clock = fakeClock();
    const limiter = new RequestRateLimiter(2, 1, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire(1).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(1500);
  });

  it('holds every request through a Retry-After pause', async () => {
    const clock = fakeClock();
    const limiter = new RequestRateLimiter(10, 10, clock);
    limiter.pauseFor(3000);
    const start = clock.t;
    await limiter.acquire(1);
    expect(clock.t - start).toBe(3000);
  });
});

describe('WeightBudgetLimiter (Binance, 6000 weight/min)', () => {
  it('waits for the next minute before crossing 90% of the budget', async () => {
    const clock = fakeClock(60_000 * 1000 + 5_000); // 5 s into a minute
    const limiter = new WeightBudgetLimiter(6000, clock);
    for (let i = 0; i < 21; i++) await limiter.acquire(250); // 5250 ≤ 5400
    expect(clock.slept).toEqual([]);
    await limiter.acquire(250);
    expect(clock.slept).toHaveLength(1);
    expect(clock.t % 60_000).toBe(50); // just past the minute boundary
    expect(limiter.usedWeight).toBe(250);
  });

  it('believes the venue when it says more weight is used than we counted', async () => {
    const clock = fakeClock(60_000 * 1000);
    const limiter = new WeightBudgetLimiter(6000, clock);
    await limiter.acquire(5);
    limiter.observe({ 'x-mbx-used-weight-1m': '5300' });
    expect(limiter.usedWeight).toBe(5300);
    await limiter.acquire(250);
    expect(clock.slept).toHaveLength(1);
    limiter.observe({ 'x-mbx-used-weight-1m': 'garbage' });
    expect(limiter.usedWeight).toBe(250);
  });

  it('uses the documented depth weights', () => {
    expect([1, 100, 101, 500, 501, 1000, 1001, 5000].map(binanceDepthWeight)).toEqual([
      5, 5, 25, 25, 50, 50, 250, 250,
    ]);
  });
});

describe('stopping', () => {
  /** Starts the wait, aborts once it is under way, and resolves with how the wait ended. */
  async function abortMidWait(limiter: RateLimiter, weight: number) {
    const controller = new AbortController();
    const waiting = limiter.acquire(weight, controller.signal).then(
      () => 'granted',
      (error: unknown) => (error as Error).message,
    );
    // The wait is real (system clock): nothing settles it but the abort.
    const early = await Promise.race([waiting, new Promise((resolve) => setImmediate(resolve, 'waiting'))]);
    controller.abort(new Error('stopped'));
    const ended = await waiting;
    return { early, aborted: /aborted/.test(ended) };
  }

  it('ends a wait for the next Binance weight minute at once', async () => {
    const limiter = new WeightBudgetLimiter(100);
    await limiter.acquire(80);
    expect(await abortMidWait(limiter, 50)).toEqual({ early: 'waiting', aborted: true });
  });

  it('ends a wait for a Coinbase token at once', async () => {
    const limiter = new RequestRateLimiter(0.01, 1);
    await limiter.acquire(1);
    expect(await abortMidWait(limiter, 1)).toEqual({ early: 'waiting', aborted: true });
  });

  it('ends a Retry-After pause at once', async () => {
    const limiter = new RequestRateLimiter(1000);
    limiter.pauseFor(120_000);
    expect(await abortMidWait(limiter, 1)).toEqual({ early: 'waiting', aborted: true });
  });
});
