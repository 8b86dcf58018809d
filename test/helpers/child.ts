/**
 * The real CLI in a child process, for tests that must kill it or run two at once, with a
 * gate (a plain pg client) that can hold locks the child will need so the test knows where the
 * child is when it acts, rather than racing it with sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';

export const CLI = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'entry.js');

export interface Child {
  process: ChildProcess;
  /** Every JSON log line the child has written to stderr so far. */
  lines: () => Record<string, unknown>[];
  stdout: () => string;
  stderr: () => string;
  /** Everything the child wrote, stdout then stderr. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

/** Starts `command args` with exactly `env`, nothing inherited, collecting what it writes. */
export function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Child {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let done = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const lines = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    process: child,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => stdout + stderr,
    exited,
    hasExited: () => done,
  };
}

/** Starts `node src/cli/entry.js <args>` with exactly `env` (plus PATH), nothing inherited. */
export function startCli(args: string[], env: Record<string, string>): Child {
  return start(process.execPath, [CLI, ...args], { PATH: process.env.PATH ?? '', ...env });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Record<string, unknown>[];
}

/**
 * Waits for a started child to end and gives back what it said. With `limitMs`, fails (after
 * killing it) if it is still running by then: a command that should stop at once but runs on.
 */
export async function finish(child: Child, what: string, limitMs?: number): Promise<Finished> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    if (limitMs === undefined) return;
    timer = setTimeout(() => {
      resolve('late');
    }, limitMs);
  });
  const outcome = await Promise.race([child.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    child.process.kill('SIGKILL');
    await child.exited;
    throw new Error(`${what} still running after ${limitMs} ms; said: ${child.stderr().slice(-2000)}`);
  }
  return { code: outcome.code, stdout: child.stdout(), stderr: child.stderr(), lines: child.lines() };
}

/** Runs the CLI to its end in a process of its own (as cron or a shell would). */
export function runCli(args: string[], env: Record<string, string>, limitMs = 30_000): Promise<Finished> {
  return finish(startCli(args, env), `orderbook-etl ${args.join(' ')}`, limitMs);
}

/** Polls `check` until it holds; fails with what the child said if it exits or time runs out. */
export async function until(child: Child, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    if (await check()) return;
    if (child.hasExited() || Date.now() > deadline) {
      const said = child
        .lines()
        .map((l) => String(l.msg))
        .join(' | ');
      child.process.kill('SIGKILL'); // never leave it running behind a failed test
      throw new Error(`child never got to: ${what} (exited: ${child.hasExited()}; said: ${said})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Backends other than the gate's that are blocked on a lock in the gate's database, running a
 * statement `like` the pattern (a load's level COPY, say, not the partition DDL before a run).
 */
export async function waitingBackends(gate: pg.Client, queryLike = '%'): Promise<number> {
  // The gate usually sits in a transaction holding its lock, and pg_stat_activity is read once
  // per transaction unless the snapshot is cleared: without this, every poll saw the first one.
  await gate.query('select pg_stat_clear_snapshot()');
  const { rows } = await gate.query<{ n: string }>(
    `select count(*)::text as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'
       and query ilike $1`,
    [queryLike],
  );
  return Number(rows[0]?.n ?? 0);
}
