/** Medians and timers: every figure the bench reports is a median of repetitions after a warm-up. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A measure: its median and every repetition it came from (milliseconds, rates, MB…). */
export interface Sampled {
  median: number;
  samples: number[];
}

export function sampled(samples: number[]): Sampled {
  return { median: round(median(samples)), samples: samples.map((v) => round(v)) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const MB = 1024 * 1024;
