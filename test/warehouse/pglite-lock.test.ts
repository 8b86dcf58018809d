/**
 * The embedded warehouse's folder lock after a hard kill, where every run is PID 1: each run in
 * a PID namespace of its own (`unshare --pid --fork --mount-proc`), as in a container. A PID alone
 * would say the killed holder is alive forever (PID 1 always is); the lock must see it is gone.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { CLI } from '../helpers/child.ts';

let sim: Simulator;
let dataDir: string;
beforeAll(async () => {
  sim = await startSimulator({ seed: 2, markets: defaultSimMarkets(50) });
  dataDir = await mkdtemp(path.join(tmpdir(), 'obetl-pglite-lock-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** `node src/cli/entry.js etl` as PID 1 of a new PID namespace, on embedded PGlite under dataDir. */
function etlAsPid1() {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, 'etl'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
      BINANCE_DEPTH_LIMIT: '100',
      MARKETS: 'coinbase:BTC-USD',
      HTTP_TIMEOUT_MS: '120000',
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      resolve(code);
    }),
  );
  return { child, exited, output: () => output };
}

/** The host PID of unshare's forked child: PID 1 inside the namespace. */
async function childOf(ppid: number): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(entry);
  }
  return null;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('embedded warehouse lock as PID 1 in a PID namespace', () => {
  it('after SIGKILL of the holder, a new run in a new namespace takes the lock and loads', async () => {
    // The first run sits in its book request until it is killed.
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'delay', ms: 60_000 }, 1);
    const first = etlAsPid1();
    let pid1: number | null = null;
    try {
      await eventually('the first run is asking for its book', () =>
        Promise.resolve(sim.requests.some((r) => r.symbol === 'BTC-USD' && r.endpoint === 'book')),
      );
      // Whatever the format, the holder recorded is PID 1.
      expect(await readFile(path.join(dataDir, 'pglite.lock'), 'utf8')).toMatch(/^1$|"pid":1\b/);
      pid1 = await childOf(first.child.pid ?? 0);
      expect(pid1).not.toBeNull();
    } finally {
      if (pid1 !== null) process.kill(pid1, 'SIGKILL');
      else first.child.kill('SIGKILL');
    }
    await first.exited;
    // The lock file stays behind, naming PID 1: exactly what the next run will be.
    expect(await readFile(path.join(dataDir, 'pglite.lock'), 'utf8')).toMatch(/^1$|"pid":1\b/);

    const second = etlAsPid1();
    sim.clearFaults();
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toMatch(/another run holds the embedded warehouse/);
    expect(second.output()).toMatch(/"marketsOk":1/);
  }, 90_000);
});
