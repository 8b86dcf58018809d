/**
 * Every command goes through one argument parser: `--help` prints its options and the settings
 * it reads and exits 0; anything it does not know is refused with exit 1. Either way nothing is
 * done: no venue asked, no folder created, no database opened.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { describeSettings } from '../../src/config.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/child.ts';

const ALL = ['etl', 'start', 'backfill', 'migrate', 'report', 'simulator', 'demo', 'health', 'lake'];

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5, markets: defaultSimMarkets(50) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-args-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** An environment under which any real work would show: a request to the simulator, or DATA_DIR made. */
function env(name: string): { env: Record<string, string>; dataDir: string } {
  const dataDir = path.join(dir, name);
  return {
    dataDir,
    env: {
      DATA_DIR: dataDir,
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
      CRON_SCHEDULE: '* * * * * *',
    },
  };
}

describe('every command has --help', () => {
  it('covers the commands of DESIGN §3 that exist', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual([...ALL].sort());
  });

  it.each(ALL)('%s --help: exit 0, its options and settings, nothing done', async (command) => {
    sim.resetRequests();
    const { env: e, dataDir } = env(`help-${command}`);
    const result = await runCli([command, '--help'], e);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`usage: orderbook-etl ${command}`);
    const spec = COMMANDS[command];
    for (const option of Object.keys(spec?.options ?? {})) expect(result.stdout).toContain(`--${option}`);
    expect(result.stdout).toMatch(/settings \(environment variables/);
    expect(result.stdout).toContain('LOG_LEVEL');
    expect(result.stdout).toMatch(/exit codes: 0 /);
    expect(sim.requests).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('-h and `help <command>` print the same', async () => {
    const { env: e } = env('help-short');
    const long = await runCli(['backfill', '--help'], e);
    expect((await runCli(['backfill', '-h'], e)).stdout).toBe(long.stdout);
    expect((await runCli(['help', 'backfill'], e)).stdout).toBe(long.stdout);
  });

  it('`help <unknown command>` exits 1 naming it, and prints the usage', async () => {
    const { env: e } = env('help-unknown');
    const result = await runCli(['help', 'nosuch'], e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown command "nosuch"');
    expect(result.stdout).toBe('');
  });

  it('the commands that drop level detail past retention list LEVEL_RETENTION_DAYS', () => {
    for (const name of ['etl', 'start', 'backfill', 'report'])
      expect(COMMANDS[name]?.settings, name).toContain('LEVEL_RETENTION_DAYS');
  });

  it('each help names only real settings, with their defaults', () => {
    const known = describeSettings();
    for (const spec of Object.values(COMMANDS)) {
      for (const name of spec.settings) expect(known, `${spec.name} lists ${name}`).toHaveProperty(name);
    }
    expect(COMMANDS.start?.settings).toContain('CRON_SCHEDULE');
    expect(COMMANDS.etl?.settings).toEqual(
      expect.arrayContaining(['MARKETS', 'DATABASE_URL', 'RAW_STORE_URL']),
    );
    expect(COMMANDS.report?.settings).not.toContain('MARKETS');
  });

  it('shows defaults and what is allowed', async () => {
    const result = await runCli(['etl', '--help'], env('help-defaults').env);
    expect(result.stdout).toMatch(/HTTP_RETRIES +a whole number from 0 to 20 \(default 5\)/);
    const sim = await runCli(['simulator', '--help'], env('help-sim').env);
    expect(sim.stdout).toMatch(/--port PORT +TCP port, 0 for any free one \(default 8080\)/);
  });
});

describe('unknown arguments are refused before anything is done', () => {
  it.each(ALL)('%s --bogus: exit 1, named, nothing done', async (command) => {
    sim.resetRequests();
    const { env: e, dataDir } = env(`bogus-${command}`);
    const result = await runCli([command, '--bogus'], e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${command}: Unknown option '--bogus'`);
    expect(result.stderr).toContain(`see \`${command} --help\``);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(sim.requests).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it.each(ALL)('%s with a stray word: exit 1, named, nothing done', async (command) => {
    sim.resetRequests();
    const { env: e, dataDir } = env(`stray-${command}`);
    const result = await runCli([command, 'now'], e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${command}: Unexpected argument 'now'`);
    expect(sim.requests).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an option without its value is refused', async () => {
    const { env: e, dataDir } = env('novalue');
    const missing = await runCli(['report', '--html'], e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/report: Option '--html <value>' argument missing/);
    const empty = await runCli(['report', '--html', ''], e);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('report: --html needs a value (FILE)');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('backfill values are still checked before anything is opened', async () => {
    const { env: e, dataDir } = env('badvalue');
    const result = await runCli(['backfill', '--from', 'yesterday'], e);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/backfill: --from "yesterday" is not an ISO 8601 time/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
