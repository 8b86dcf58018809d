/**
 * Stopping, as systemd, a container runtime or a person at a terminal does it: real processes,
 * real signals. A stop never waits out a backoff, a Retry-After or a request in flight, and no
 * process is ever left behind, whichever pid of `npm start` the signal is sent to.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAttemptKey } from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Fault } from '../../src/simulator/index.ts';
import { openRawStore } from '../../src/raw/index.ts';
import { useTestDatabase } from '../helpers/db.ts';
import pg from 'pg';
import { startCli, until, waitingBackends, type Child } from '../helpers/child.ts';
import { allKeys } from '../reliability/harness.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

let sim: Simulator;
const testDb = useTestDatabase({ migrate: true });
beforeAll(async () => {
  sim = await startSimulator({ seed: 3, markets: defaultSimMarkets(50) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetRequests();
});

const env = (extra: Record<string, string> = {}) => ({
  HOME: process.env.HOME ?? '',
  COINBASE_API_URL: sim.url,
  BINANCE_API_URL: sim.url,
  BINANCE_DEPTH_LIMIT: '100',
  MARKETS: 'coinbase:BTC-USD,binance:BTCUSDT',
  DATA_DIR: testDb.dataDir,
  RAW_STORE_URL: `file://${path.join(testDb.dataDir, 'raw')}`,
  ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
  ...extra,
});

const said = (child: Child, msg: string) => child.lines().some((l) => l.msg === msg);

async function runRows(runId: string) {
  const warehouse = await testDb.open({ migrate: false });
  try {
    return await warehouse.db
      .selectFrom('orderbook.etl_run')
      .selectAll()
      .where('run_id', '=', runId)
      .execute();
  } finally {
    await warehouse.close();
  }
}

describe('etl stopped by SIGTERM', () => {
  const WAITS: { name: string; fault: Fault; times: number; env: Record<string, string>; waiting: string }[] =
    [
      {
        name: 'mid-backoff (5xx throughout, 60 s backoff)',
        fault: { kind: 'status', status: 503 },
        times: 100,
        env: { HTTP_BACKOFF_MS: '60000', HTTP_RETRIES: '5' },
        waiting: 'request failed, retrying',
      },
      {
        name: 'mid-Retry-After (429, come back in 100 s)',
        fault: { kind: 'status', status: 429, retryAfter: 100 },
        times: 100,
        env: { HTTP_BACKOFF_MS: '10', HTTP_RETRIES: '5' },
        waiting: 'request failed, retrying',
      },
      {
        name: 'mid-request (the venue answers in 60 s)',
        fault: { kind: 'delay', ms: 60_000 },
        times: 1,
        env: { HTTP_TIMEOUT_MS: '120000' },
        waiting: 'run started',
      },
    ];

  it.each(WAITS)('$name: exits 143 within 2 s, the market abandoned and its responses kept', async (c) => {
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, c.fault, c.times);
    const child = startCli(['etl'], env(c.env));
    await until(child, `waiting (${c.waiting}) on BTC-USD`, () =>
      Promise.resolve(said(child, c.waiting) && sim.requests.some((r) => r.symbol === 'BTC-USD')),
    );
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    const { code } = await child.exited;
    const ms = performance.now() - signalled;
    expect(code).toBe(143);
    expect(ms).toBeLessThan(2000);

    const started = child.lines().find((l) => l.msg === 'run started');
    const [run] = await runRows(String(started?.runId));
    expect(run).toMatchObject({ status: 'interrupted', markets_failed: 0 });
    expect(run?.markets_abandoned).toBeGreaterThanOrEqual(1);
    const abandoned = child.lines().filter((l) => l.msg === 'market abandoned: shutting down');
    expect(abandoned.map((l) => l.market)).toContain('BTC-USD');
    if (c.fault.kind === 'status') {
      // The failed answers that came before the stop are kept, numbered.
      const store = openRawStore(env().RAW_STORE_URL);
      const attempts = (await allKeys(store)).filter(
        (k) => parseAttemptKey(k) && k.includes(String(started?.runId)) && k.includes('BTC-USD'),
      );
      expect(attempts.length).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('etl stopped while a book is loading', () => {
  it('the first SIGTERM lets the load finish; a second one exits 143 at once', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    // Every insert into fact_level waits, inside its load's transaction, until the gate lets go.
    const gate = new pg.Client({ connectionString: testDb.databaseUrl });
    await gate.connect();
    try {
      await gate.query('begin');
      await gate.query('lock table orderbook.fact_level in exclusive mode');
      const child = startCli(['etl'], env({ MARKETS: 'coinbase:BTC-USD' }));
      await until(child, 'loading BTC-USD', async () => (await waitingBackends(gate)) === 1);
      child.process.kill('SIGTERM');
      await until(child, 'the stop acknowledged', () =>
        Promise.resolve(child.lines().some((l) => l.signal === 'SIGTERM')),
      );
      // Still loading: the first signal does not cut a load short.
      expect(await waitingBackends(gate)).toBe(1);
      expect(child.hasExited()).toBe(false);
      child.process.kill('SIGTERM');
      expect((await child.exited).code).toBe(143);
      expect(child.lines().some((l) => l.msg === 'second signal: exiting now')).toBe(true);
    } finally {
      await gate.query('rollback');
      await gate.end();
    }
  });
});

/** Every process whose process group is `pgid`, read from /proc. */
async function groupMembers(pgid: number): Promise<{ pid: number; ppid: number; cmd: string }[]> {
  const found: { pid: number; ppid: number; cmd: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, …
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      const cmd = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
      // A zombie has no command line: it is gone but for its exit status.
      if (cmd !== '') found.push({ pid: Number(entry), ppid: Number(ppid), cmd });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** `npm start` in a process group of its own, as a service manager starts it. */
function npmStart(extra: Record<string, string>) {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', npm_config_update_notifier: 'false', ...env(extra) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // Fires when npm has exited (not when the pipes close: an orphaned node would hold those).
  const npmExited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  const pgid = child.pid ?? 0;
  return { child, pgid, npmExited, output: () => output };
}

async function eventually(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start stopped by SIGTERM leaves no process behind', () => {
  const TARGETS = [
    // npm does not handle SIGTERM: it dies of it (a shell or systemd reports 143).
    { to: "npm's pid", npm: { code: null, signal: 'SIGTERM' } },
    { to: 'the process group', npm: { code: null, signal: 'SIGTERM' } },
    // npm passes on node's own exit code.
    { to: 'node', npm: { code: 0, signal: null } },
  ] as const;

  it.each(TARGETS)('SIGTERM to $to: node stops cleanly, npm ends $npm', async ({ to, npm: npmEnds }) => {
    const npm = npmStart({ CRON_SCHEDULE: '0 0 1 1 *' });
    try {
      await eventually(
        'the scheduler started',
        () => Promise.resolve(npm.output().includes('"msg":"scheduler started"')),
        20_000,
      );
      // Not `sh -c "node … start"`, which npm puts between itself and node.
      const node = (await groupMembers(npm.pgid)).find((p) =>
        /^\S*node .*src\/cli\/entry\.js start$/.test(p.cmd),
      );
      expect(node).toBeDefined();
      const nodePid = node?.pid ?? 0;
      if (to === "npm's pid") process.kill(npm.pgid, 'SIGTERM');
      else if (to === 'the process group') process.kill(-npm.pgid, 'SIGTERM');
      else process.kill(nodePid, 'SIGTERM');
      expect(await npm.npmExited).toEqual(npmEnds);
      await eventually(
        'every process of the group gone',
        async () => (await groupMembers(npm.pgid)).length === 0,
      );
      expect(npm.output()).toMatch(/"msg":"scheduler stopped"/);
    } finally {
      // Never leave anything running behind a failed test.
      for (const p of await groupMembers(npm.pgid)) process.kill(p.pid, 'SIGKILL');
    }
  });
});
