/**
 * Resident set size, sampled: a timer every few milliseconds plus explicit marks between stages
 * (a synchronous stage such as a JSON.parse blocks the timer, so its peak is caught by the mark
 * right after it). `process.resourceUsage().maxRSS` is the kernel's own lifetime peak and is
 * reported too, as the ceiling nothing in the run went above.
 */
import { MB, round } from './stats.ts';

export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 5) {
    this.timer = setInterval(() => {
      this.mark();
    }, everyMs);
    this.timer.unref();
  }

  /** Samples now; returns the current RSS in MB. */
  mark(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return round(rss / MB, 1);
  }

  /** Peak RSS in MB since the last reset (or since start), and starts a new window. */
  reset(): number {
    this.mark();
    const peak = this.peak;
    this.peak = 0;
    return round(peak / MB, 1);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The process's lifetime peak RSS in MB, from the kernel. */
export function lifetimePeakRssMb(): number {
  return round((process.resourceUsage().maxRSS * 1024) / MB, 1);
}
