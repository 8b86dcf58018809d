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
import { CLI, start, startCli, until, waitingBackends, type Child } from '../helpers/child.ts';
import { sql } from 'kysely';
import { ensureLevelPartitionsAhead } from '../../src/warehouse/partitions.ts';
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
      // Each retry's line carries the error serialized (type, message, stack), not its text.
      const retry = child.lines().find((l) => l.msg === 'request failed, retrying');
      const err = retry?.err as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
      expect(typeof err?.type).toBe('string');
      expect(typeof err?.message).toBe('string');
      expect(String(err?.stack)).toMatch(/\n\s+at /);
      // The failed answers that came before the stop are kept, numbered.
      const store = openRawStore(env().RAW_STORE_URL);
      const attempts = (await allKeys(store)).filter(
        (k) => parseAttemptKey(k) && k.includes(String(started?.runId)) && k.includes('BTC-USD'),
      );
      expect(attempts.length).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('etl stopped before its run could start', () => {
  it('while the database is retried: exits 143 at once, not after the tries', async () => {
    // Nothing listens on port 1: every try is refused and retried after 0.5, 1 and 2 s.
    const child = startCli(['etl'], env({ DATABASE_URL: 'postgres://etl:secret@127.0.0.1:1/none' }));
    await until(child, 'the warehouse tried once', () =>
      Promise.resolve(said(child, 'warehouse not reachable')),
    );
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    const { code } = await child.exited;
    expect(code).toBe(143);
    expect(performance.now() - signalled).toBeLessThan(1000);
    expect(said(child, 'stopped while the warehouse was tried: nothing done')).toBe(true);
    expect(child.output()).not.toContain('secret');
    expect(sim.requests).toEqual([]);
  });
});

describe('etl stopped by SIGINT', () => {
  it('mid-backoff: exits 130 (128 + SIGINT) within 2 s, the market abandoned', async () => {
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'status', status: 503 }, 100);
    const child = startCli(['etl'], env({ HTTP_BACKOFF_MS: '60000', HTTP_RETRIES: '5' }));
    await until(child, 'waiting (request failed, retrying) on BTC-USD', () =>
      Promise.resolve(said(child, 'request failed, retrying')),
    );
    const signalled = performance.now();
    child.process.kill('SIGINT');
    const { code } = await child.exited;
    expect(code).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(2000);
    const started = child.lines().find((l) => l.msg === 'run started');
    const [run] = await runRows(String(started?.runId));
    expect(run).toMatchObject({ status: 'interrupted' });
    expect(child.lines().some((l) => l.msg === 'stopping (SIGINT): finishing what is in flight')).toBe(true);
  });
});

/** Spends the simulator's Binance weight for this clock minute until `target` (±5) is used. */
async function spendBinanceWeight(target: number): Promise<void> {
  let used = 0;
  while (used < target) {
    // limit=5000 costs 250, limit=100 costs 5 (the simulator charges Binance's documented weights).
    const limit = used + 250 <= target ? 5000 : 100;
    const response = await fetch(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=${limit}`);
    await response.arrayBuffer();
    used = Number(response.headers.get('x-mbx-used-weight-1m'));
  }
}

describe('etl stopped while waiting for the next Binance weight minute', () => {
  it('exits 143 within 2 s instead of waiting for the minute, the market abandoned', async () => {
    // The wait must have most of a minute left to be seen: start at the top of a minute if late.
    const second = new Date().getUTCSeconds();
    if (second > 40) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    // 5,396 used: the run's exchangeInfo (20) still goes out (the client knows of no weight yet),
    // and its answer says 5,416, past the client's budget (90% of 6,000) for the depth request.
    await spendBinanceWeight(5396);
    sim.resetRequests();
    const child = startCli(['etl'], env({ MARKETS: 'binance:BTCUSDT' }));
    await until(child, 'the exchangeInfo answered', () =>
      Promise.resolve(sim.requests.some((r) => r.endpoint === 'exchangeInfo')),
    );
    // Waiting, not sending: the requests sent before the answer came back are all there will be.
    let seen = -1;
    while (seen !== sim.requests.length) {
      seen = sim.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 750));
    }
    const sent = new Set(sim.requests.map((r) => r.endpoint));
    expect(sent.has('book') && sent.has('trades')).toBe(false);
    expect(child.hasExited()).toBe(false);
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    const { code } = await child.exited;
    expect(code).toBe(143);
    expect(performance.now() - signalled).toBeLessThan(2000);
    const abandoned = child.lines().filter((l) => l.msg === 'market abandoned: shutting down');
    expect(abandoned.map((l) => l.market)).toEqual(['BTCUSDT']);
    expect(sim.requests.length).toBe(seen);
  });
});

/** A load's level COPY (held by the gate's lock), as against the partition DDL before a run. */
const LEVEL_COPY = 'copy orderbook.fact_level%';

/**
 * Today's and tomorrow's level partitions made before the gate locks fact_level: a run makes them
 * first, and with the gate held that DDL, not a load, would be what waits.
 */
async function partitionsReady(): Promise<void> {
  const warehouse = await testDb.open({ migrate: false });
  try {
    await ensureLevelPartitionsAhead(warehouse.db);
  } finally {
    await warehouse.close();
  }
}

describe('etl stopped while a book is loading', () => {
  it('the first SIGTERM lets the load finish; a second one exits 143 at once', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    // Every insert into fact_level waits, inside its load's transaction, until the gate lets go.
    await partitionsReady();
    const gate = new pg.Client({ connectionString: testDb.databaseUrl });
    await gate.connect();
    try {
      await gate.query('begin');
      await gate.query('lock table orderbook.fact_level in exclusive mode');
      const child = startCli(['etl'], env({ MARKETS: 'coinbase:BTC-USD' }));
      await until(child, 'loading BTC-USD', async () => (await waitingBackends(gate, LEVEL_COPY)) === 1);
      child.process.kill('SIGTERM');
      await until(child, 'the stop acknowledged', () =>
        Promise.resolve(child.lines().some((l) => l.signal === 'SIGTERM')),
      );
      // Still loading: the first signal does not cut a load short.
      expect(await waitingBackends(gate, LEVEL_COPY)).toBe(1);
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

async function snapshotsOf(symbol: string): Promise<{ snapshot_id: string; levels: number }[]> {
  const warehouse = await testDb.open({ migrate: false });
  try {
    const { rows } = await sql<{ snapshot_id: string; levels: number }>`
      select s.snapshot_id::text as snapshot_id,
             (select count(*)::int from orderbook.fact_level l where l.snapshot_id = s.snapshot_id) as levels
      from orderbook.fact_snapshot s join orderbook.dim_market m using (market_id)
      where m.symbol = ${symbol}`.execute(warehouse.db);
    return rows;
  } finally {
    await warehouse.close();
  }
}

/**
 * Starts the CLI with fact_level locked by a gate, sends SIGTERM once its load's level COPY waits
 * on the gate and the stop is acknowledged, runs `whileHeld`, then lets the load go. Returns the
 * child (still finishing) and when the gate let go.
 */
async function stopDuringLoad(
  args: string[],
  extra: Record<string, string>,
  whileHeld: (gate: pg.Client) => Promise<void> = () => Promise.resolve(),
): Promise<{ child: Child; letGo: number }> {
  await partitionsReady();
  const gate = new pg.Client({ connectionString: testDb.databaseUrl });
  await gate.connect();
  let child: Child | undefined;
  try {
    await gate.query('begin');
    await gate.query('lock table orderbook.fact_level in exclusive mode');
    child = startCli(args, env(extra));
    const running = child;
    await until(running, 'a load waiting', async () => (await waitingBackends(gate, LEVEL_COPY)) === 1);
    running.process.kill('SIGTERM');
    await until(running, 'the stop acknowledged', () =>
      Promise.resolve(running.lines().some((l) => l.signal === 'SIGTERM')),
    );
    await whileHeld(gate);
  } finally {
    await gate.query('rollback');
    await gate.end();
  }
  return { child, letGo: performance.now() };
}

describe('a load in flight at the first signal commits whole', () => {
  it('etl: the held load finishes once let go, the book is stored whole, the run exits 143', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const before = (await snapshotsOf('ETH-USD')).length;
    const { child, letGo } = await stopDuringLoad(['etl'], { MARKETS: 'coinbase:ETH-USD' });
    const { code } = await child.exited;
    // The load it was in (the only thing in flight) ends; its trades, not yet asked, are cut short.
    expect(performance.now() - letGo).toBeLessThan(2000 + 5000);
    expect(code).toBe(143);
    const stored = await snapshotsOf('ETH-USD');
    expect(stored.length).toBe(before + 1);
    const newest = stored.reduce((a, b) => (BigInt(a.snapshot_id) > BigInt(b.snapshot_id) ? a : b));
    expect(newest.levels).toBe(2 * 50);
  });

  it('start: a tick in flight finishes its load, then the scheduler stops with 0', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip();
    const before = (await snapshotsOf('BTC-USD')).length;
    const { child, letGo } = await stopDuringLoad(
      ['start'],
      { MARKETS: 'coinbase:BTC-USD', CRON_SCHEDULE: '* * * * * *' },
      async (gate) => {
        // No new tick starts while the held one waits.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await waitingBackends(gate, LEVEL_COPY)).toBe(1);
      },
    );
    const { code } = await child.exited;
    expect(code).toBe(0);
    expect(performance.now() - letGo).toBeLessThan(2000 + 5000);
    expect(child.lines().some((l) => l.msg === 'scheduler stopped')).toBe(true);
    const stored = await snapshotsOf('BTC-USD');
    expect(stored.length).toBe(before + 1);
  });
});

describe('a scheduler not started by npm', () => {
  it('keeps running when the shell that backgrounded it exits (nohup … &), and stops on SIGTERM', async () => {
    // sh prints node's pid and exits at once, leaving node re-parented, as `nohup … &` does.
    const shell = start('sh', ['-c', `"${process.execPath}" "${CLI}" start >/dev/null 2>&1 & echo $!`], {
      PATH: process.env.PATH ?? '',
      ...env({ CRON_SCHEDULE: '0 0 1 1 *' }),
    });
    await shell.exited;
    const pid = Number(shell.stdout().trim());
    expect(pid).toBeGreaterThan(1);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      // Several times the parent check's 250 ms: a scheduler that followed its parent is gone by now.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(alive()).toBe(true);
      process.kill(pid, 'SIGTERM');
      await eventually('the scheduler stopped', () => Promise.resolve(!alive()), 5000);
    } finally {
      if (alive()) process.kill(pid, 'SIGKILL');
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
