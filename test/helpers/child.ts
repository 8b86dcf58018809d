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
  /** Everything the child wrote, stdout then stderr. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

/** Starts `node src/cli/entry.js <args>` with exactly `env` (plus PATH), nothing inherited. */
export function startCli(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let done = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
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
  return { process: child, lines, output: () => stdout + stderr, exited, hasExited: () => done };
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

/** Backends other than the gate's that are blocked on a lock in the gate's database. */
export async function waitingBackends(gate: pg.Client): Promise<number> {
  // The gate usually sits in a transaction holding its lock, and pg_stat_activity is read once
  // per transaction unless the snapshot is cleared: without this, every poll saw the first one.
  await gate.query('select pg_stat_clear_snapshot()');
  const { rows } = await gate.query<{ n: string }>(
    `select count(*)::text as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
  );
  return Number(rows[0]?.n ?? 0);
}
