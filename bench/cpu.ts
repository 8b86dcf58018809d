/**
 * Where a stage's CPU went: this process's own (user + system) and every core's busy time,
 * between two marks. On a machine running nothing but the bench, busy minus this process is
 * PostgreSQL's share. It tells a stage bound by the CPU (the cores busy all along, so only less
 * work per level makes it faster) from one that waits (idle cores, so overlap would help).
 */
import { cpus } from 'node:os';
import { round } from './stats.ts';

export interface CpuMark {
  processUs: number;
  busyMs: number;
  idleMs: number;
}

export interface CpuSpent {
  /** Cores the machine reports. */
  cores: number;
  /** CPU seconds of this process (the ETL: read, gunzip, parse, COPY data). */
  processS: number;
  /**
   * CPU seconds of the whole machine, every core summed (this process included): user, nice,
   * system and irq time, what `os.cpus` reports (softirq and steal are not in it).
   */
  busyS: number;
  /** Busy share of all cores over the stage, 0–1. */
  busyShare: number;
}

export function cpuMark(): CpuMark {
  let busyMs = 0;
  let idleMs = 0;
  for (const { times } of cpus()) {
    busyMs += times.user + times.nice + times.sys + times.irq;
    idleMs += times.idle;
  }
  const usage = process.cpuUsage();
  return { processUs: usage.user + usage.system, busyMs, idleMs };
}

export function cpuSince(start: CpuMark, end: CpuMark = cpuMark()): CpuSpent {
  const busyMs = end.busyMs - start.busyMs;
  const totalMs = busyMs + (end.idleMs - start.idleMs);
  return {
    cores: cpus().length,
    // To the millisecond: a short stage of the --quick bench takes a few hundredths.
    processS: round((end.processUs - start.processUs) / 1e6, 3),
    busyS: round(busyMs / 1000, 2),
    busyShare: totalMs > 0 ? round(busyMs / totalMs, 3) : 0,
  };
}
