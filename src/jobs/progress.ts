/**
 * Progress of a long job: a bar rewritten in place on a terminal, a log line every few seconds
 * elsewhere (cron mail and container logs must not fill with carriage returns).
 */
import type { Logger } from '../log.ts';

export interface ProgressSink {
  phase(name: Phase): void;
  /** Objects seen by the listing so far. */
  listed(total: number): void;
  /** The listing is complete: the total is known from here on. */
  listingDone(total: number): void;
  /** One object dealt with (loaded, present, invalid or failed). */
  object(): void;
  derived(total: number): void;
  finish(): void;
}

/** Books are loaded, then trades, then derived. */
export type Phase = 'load' | 'trades' | 'derive';

interface State {
  phase: Phase;
  listed: number;
  total: number | null;
  done: number;
  derived: number;
  startedAt: number;
}

function rate(state: State, now: number): number {
  const seconds = (now - state.startedAt) / 1000;
  return seconds > 0 ? state.done / seconds : 0;
}

function eta(state: State, now: number): string {
  const r = rate(state, now);
  if (state.total === null || r === 0) return '';
  const left = Math.max(0, state.total - state.done) / r;
  return left >= 60
    ? ` ETA ${Math.floor(left / 60)}m${String(Math.round(left % 60)).padStart(2, '0')}s`
    : ` ETA ${Math.round(left)}s`;
}

abstract class BaseProgress implements ProgressSink {
  protected readonly state: State = {
    phase: 'load',
    listed: 0,
    total: null,
    done: 0,
    derived: 0,
    startedAt: Date.now(),
  };
  phase(name: Phase): void {
    if (name === 'trades') {
      // A listing of its own: counts and rate start over.
      Object.assign(this.state, { listed: 0, total: null, done: 0, startedAt: Date.now() });
    }
    this.state.phase = name;
    this.changed();
  }
  listed(total: number): void {
    this.state.listed = total;
  }
  listingDone(total: number): void {
    this.state.total = total;
    this.changed();
  }
  object(): void {
    this.state.done++;
    this.changed();
  }
  derived(total: number): void {
    this.state.derived = total;
    this.changed();
  }
  abstract finish(): void;
  protected abstract changed(): void;
}

/** `load [██████░░░░] 1200/2000 objects  310/s ETA 3s` on one terminal line. */
export class TerminalProgress extends BaseProgress {
  private readonly out: NodeJS.WritableStream;
  private lastDraw = 0;
  private drawn = false;
  constructor(out: NodeJS.WritableStream) {
    super();
    this.out = out;
  }
  override phase(name: Phase): void {
    // Leave the finished phase's final line on screen (redraws are throttled, so the last one
    // drawn may be stale) and start the next phase on a line of its own.
    if (name !== this.state.phase && this.drawn) this.out.write(`\r\x1b[2K${this.line(Date.now())}\n`);
    super.phase(name);
  }
  protected changed(): void {
    const now = Date.now();
    if (now - this.lastDraw < 100) return; // at most ten redraws a second
    this.lastDraw = now;
    this.drawn = true;
    this.out.write(`\r\x1b[2K${this.line(now)}`);
  }
  finish(): void {
    this.out.write(`\r\x1b[2K${this.line(Date.now())}\n`);
  }
  private line(now: number): string {
    const s = this.state;
    if (s.phase === 'derive') return `derive  ${s.derived} snapshots`;
    const total = s.total ?? s.listed;
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((s.done / total) * width)) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const of = s.total === null ? `${total}+` : String(total);
    const label = s.phase === 'trades' ? 'trades ' : 'load   ';
    return `${label} [${bar}] ${s.done}/${of} objects  ${Math.round(rate(s, now))}/s${eta(s, now)}`;
  }
}

/** A log line at most every `everyMs`, with counts and rate. */
export class LogProgress extends BaseProgress {
  private readonly log: Logger;
  private readonly everyMs: number;
  private lastLine = Date.now();
  constructor(log: Logger, everyMs = 10_000) {
    super();
    this.log = log;
    this.everyMs = everyMs;
  }
  protected changed(): void {
    const now = Date.now();
    if (now - this.lastLine < this.everyMs) return;
    this.lastLine = now;
    const s = this.state;
    this.log.info(
      {
        phase: s.phase,
        done: s.done,
        listed: s.listed,
        total: s.total,
        derived: s.derived,
        perSecond: Math.round(rate(s, now)),
      },
      'backfill progress',
    );
  }
  finish(): void {
    // The job's own summary line follows.
  }
}
