/**
 * How far an export is: a line redrawn in place on a terminal, a log line every few seconds
 * otherwise (cron mail and container logs get no carriage returns).
 */
import type { Logger } from '../log.ts';

export type LakePhase = 'books' | 'trades';

export interface LakeProgress {
  phase(name: LakePhase): void;
  /** Raw objects the listing has given so far. */
  listed(total: number): void;
  /** `count` more raw objects dealt with, `levels` level rows among them. */
  objects(count: number, levels: number): void;
  finish(): void;
}

interface Counts {
  phase: LakePhase;
  listed: number;
  done: number;
  levels: number;
  since: number;
}

function perSecond(value: number, since: number, now: number): number {
  const seconds = (now - since) / 1000;
  return seconds > 0 ? Math.round(value / seconds) : 0;
}

class Tracker {
  readonly c: Counts = { phase: 'books', listed: 0, done: 0, levels: 0, since: Date.now() };
  phase(name: LakePhase): void {
    Object.assign(this.c, { phase: name, listed: 0, done: 0, levels: 0, since: Date.now() });
  }
}

/** `lake books   1200/2000+ objects  9,400,000 levels  410,000 levels/s` on one line. */
export class TerminalLakeProgress implements LakeProgress {
  private readonly t = new Tracker();
  private readonly out: NodeJS.WritableStream;
  private drawnAt = 0;
  constructor(out: NodeJS.WritableStream) {
    this.out = out;
  }
  private line(): string {
    const { phase, listed, done, levels, since } = this.t.c;
    const rate = perSecond(levels, since, Date.now()).toLocaleString('en-US');
    const lv = phase === 'books' ? `  ${levels.toLocaleString('en-US')} levels  ${rate} levels/s` : '';
    return `lake ${phase.padEnd(7)} ${done}/${listed} objects${lv}`;
  }
  private draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.drawnAt < 100) return;
    this.drawnAt = now;
    this.out.write(`\r\x1b[2K${this.line()}`);
  }
  phase(name: LakePhase): void {
    if (this.drawnAt > 0) this.out.write(`\r\x1b[2K${this.line()}\n`);
    this.t.phase(name);
    this.draw(true);
  }
  listed(total: number): void {
    this.t.c.listed = total;
    this.draw();
  }
  objects(count: number, levels: number): void {
    this.t.c.done += count;
    this.t.c.levels += levels;
    this.draw();
  }
  finish(): void {
    this.out.write(`\r\x1b[2K${this.line()}\n`);
  }
}

/** A `lake export progress` log line at most every `everyMs`. */
export class LogLakeProgress implements LakeProgress {
  private readonly t = new Tracker();
  private readonly log: Logger;
  private readonly everyMs: number;
  private loggedAt = Date.now();
  constructor(log: Logger, everyMs = 10_000) {
    this.log = log;
    this.everyMs = everyMs;
  }
  phase(name: LakePhase): void {
    this.t.phase(name);
  }
  listed(total: number): void {
    this.t.c.listed = total;
  }
  objects(count: number, levels: number): void {
    this.t.c.done += count;
    this.t.c.levels += levels;
    const now = Date.now();
    if (now - this.loggedAt < this.everyMs) return;
    this.loggedAt = now;
    const { phase, listed, done, levels: rows, since } = this.t.c;
    this.log.info(
      { phase, done, listed, levels: rows, levelsPerSecond: perSecond(rows, since, now) },
      'lake export progress',
    );
  }
  finish(): void {
    // The export's own summary line follows.
  }
}
