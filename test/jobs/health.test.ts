/**
 * `npm run health` as cron, Docker or Nagios run it: a real process, after real `etl` processes
 * against the simulator and a real PostgreSQL warehouse. One line per market, worst first, and
 * exit 0 OK, 1 WARNING, 2 CRITICAL, by the thresholds of src/jobs/health.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAge, judge, parseDuration, type Thresholds } from '../../src/jobs/health.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Freshness } from '../../src/warehouse/freshness.ts';
import { runCli, startCli, until } from '../helpers/child.ts';
import { createTestDatabase, useTestWarehouse } from '../helpers/db.ts';
import { etlEnv } from '../helpers/etl-env.ts';

const LOGIN = `obetl_health_${randomBytes(4).toString('hex')}`;
let sim: Simulator;
const { testDb, warehouse } = useTestWarehouse();
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, markets: defaultSimMarkets(50) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-health-'));
  env = etlEnv({
    simUrl: sim.url,
    rawDir: path.join(dir, 'raw'),
    dataDir: path.join(dir, 'data'),
    databaseUrl: testDb.databaseUrl,
    extra: {
      MARKETS: 'coinbase:BTC-USD,binance:BTCUSDT',
      HTTP_RETRIES: '1',
      METRICS_FILE: path.join(dir, 'metrics', 'orderbook_etl.prom'),
      LOG_LEVEL: 'warn',
    },
  });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
  const cluster = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (cluster) {
    const admin = new pg.Client({ connectionString: cluster });
    await admin.connect();
    await admin.query(`drop role if exists ${LOGIN}`);
    await admin.end();
  }
});

async function etl(): Promise<number | null> {
  sim.resetRateLimits();
  return (await runCli(['etl'], env)).code;
}

async function health(args: string[] = [], extra: Record<string, string> = {}) {
  const result = await runCli(['health', ...args], { ...env, ...extra });
  return { code: result.code, lines: result.stdout.trimEnd().split('\n'), stderr: result.stderr };
}

describe('npm run health', () => {
  it('before any run: a warning per market, none tried yet (exit 1)', async () => {
    const result = await health();
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      'WARNING coinbase:BTC-USD: no run has tried it yet',
      'WARNING binance:BTCUSDT: no run has tried it yet',
    ]);
  });

  it('after a run: OK, one line per market (exit 0), for the owner and for an orderbook_reader login', async () => {
    expect(await etl()).toBe(0);
    const result = await health();
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(2);
    expect(result.lines[0]).toMatch(/^OK coinbase:BTC-USD: newest data \d+s old$/);
    expect(result.lines[1]).toMatch(/^OK binance:BTCUSDT: newest data \d+s old$/);
    if (!testDb.databaseUrl) return; // a login role is a server's; embedded PGlite has none
    const admin = new pg.Client({ connectionString: testDb.databaseUrl });
    await admin.connect();
    await admin.query(`create role ${LOGIN} login in role orderbook_reader`);
    await admin.end();
    const url = new URL(testDb.databaseUrl);
    url.username = LOGIN;
    const asReader = await health([], { DATABASE_URL: url.toString() });
    expect(asReader.code).toBe(0);
    expect(asReader.lines.map((l) => l.replace(/\d+s old/, ''))).toEqual(
      result.lines.map((l) => l.replace(/\d+s old/, '')),
    );
  });

  it('old data: a warning past --max-age, critical past twice it (exit 1, 2)', async () => {
    await sql`update orderbook.fact_snapshot set received_at = received_at - interval '3 hours'
              where market_id = (select market_id from orderbook.dim_market where symbol = 'BTCUSDT')`.execute(
      warehouse.db,
    );
    const warning = await health(['--max-age', '2h']);
    expect(warning.code).toBe(1);
    expect(warning.lines[0]).toMatch(
      /^WARNING binance:BTCUSDT: newest data 3h( \d+s)? old \(warning past 2h\)$/,
    );
    expect(warning.lines[1]).toMatch(/^OK coinbase:BTC-USD/);
    const critical = await health(['--max-age', '1h15m']);
    expect(critical.code).toBe(2);
    expect(critical.lines[0]).toMatch(
      /^CRITICAL binance:BTCUSDT: newest data 3h( \d+s)? old \(critical past 2h 30m\)$/,
    );
    expect(await etl()).toBe(0); // fresh again for the next case
  });

  it('a failing market: a warning, critical at --max-failures runs in a row, with the error (exit 1, 2)', async () => {
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'status', status: 503 }, 2);
    expect(await etl()).toBe(2);
    const warning = await health();
    expect(warning.code).toBe(1);
    expect(warning.lines[0]).toMatch(
      /^WARNING coinbase:BTC-USD: newest data \d+s old, 1 run\(s\) in a row failed it since \S+Z \(critical at 3\); last error \(fetch http_503 at \S+Z\): coinbase BTC-USD GET http:\/\/127\.0\.0\.1:\d+\/products\/BTC-USD\/book\?level=2 answered HTTP 503/,
    );
    expect(warning.lines[1]).toMatch(/^OK binance:BTCUSDT/);
    const critical = await health(['--max-failures', '1']);
    expect(critical.code).toBe(2);
    expect(critical.lines[0]).toMatch(/^CRITICAL coinbase:BTC-USD: .*1 run\(s\) in a row failed it/);
  });

  it('the warehouse unreachable or without v_freshness, or METRICS_FILE unreadable: one CRITICAL line (exit 2)', async () => {
    const down = await health([], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
    expect(down.code).toBe(2);
    expect(down.lines).toEqual([
      expect.stringMatching(
        /^CRITICAL warehouse postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none unreachable: /,
      ),
    ]);
    expect(down.lines[0]).not.toContain('secret');
    const folder = path.join(dir, 'a-folder.prom');
    await mkdir(folder);
    const unreadable = await health([], { DATABASE_URL: '', METRICS_FILE: folder });
    expect(unreadable.code).toBe(2);
    expect(unreadable.lines).toEqual([
      `CRITICAL METRICS_FILE ${folder} unreadable: Error: EISDIR: illegal operation on a directory, read`,
    ]);
    const empty = await createTestDatabase();
    try {
      if (!empty.databaseUrl) return;
      const bare = await health([], { DATABASE_URL: empty.databaseUrl });
      expect(bare.code).toBe(2);
      expect(bare.lines).toEqual([
        expect.stringMatching(
          /^CRITICAL warehouse .*: orderbook\.v_freshness does not exist: run npm run migrate/,
        ),
      ]);
    } finally {
      await empty.cleanup();
    }
  });

  it('refuses a bad --max-age before opening anything (exit 1)', async () => {
    const result = await health(['--max-age', '2 hours'], { DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('health: --max-age "2 hours" is not a duration');
    expect(result.lines).toEqual(['']);
  });
});

describe('npm run health on embedded PGlite', () => {
  it('reads METRICS_FILE, never opening the warehouse (one process’s) that the scheduler holds', async () => {
    const metricsFile = path.join(dir, 'embedded-metrics', 'etl.prom');
    const embedded = { ...env, DATA_DIR: path.join(dir, 'embedded'), METRICS_FILE: metricsFile };
    delete (embedded as Record<string, string | undefined>).DATABASE_URL;
    const before = await runCli(['health'], embedded);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(`WARNING binance:BTCUSDT: no run has written ${metricsFile} yet`);
    expect(existsSync(path.join(dir, 'embedded'))).toBe(false); // nothing opened, nothing made
    sim.resetRateLimits();
    // A run every second; PGlite stays held between them.
    const scheduler = startCli(['start'], { ...embedded, CRON_SCHEDULE: '* * * * * *', LOG_LEVEL: 'info' });
    try {
      await until(scheduler, 'a run wrote the metrics file', () => Promise.resolve(existsSync(metricsFile)));
      const held = await runCli(['health'], embedded);
      expect(held.code).toBe(0);
      expect(held.stdout).toMatch(
        /^OK coinbase:BTC-USD: newest data \d+s old \(from etl\.prom\)\nOK binance:BTCUSDT: newest data \d+s old \(from etl\.prom\)\n$/,
      );
      const blind = await runCli(['health'], { ...embedded, METRICS_FILE: '' });
      expect(blind.code).toBe(2);
      expect(blind.stdout).toMatch(
        /^CRITICAL warehouse: embedded warehouse .* is in use by process \d+, and METRICS_FILE is not set/,
      );
    } finally {
      scheduler.process.kill('SIGTERM');
      await scheduler.exited;
    }
  }, 60_000);
});

describe('the thresholds', () => {
  const t: Thresholds = { maxAgeSeconds: 7200, maxFailures: 3 };
  const market = { venue: 'coinbase', symbol: 'BTC-USD' } as const;
  const row = (over: Partial<Freshness>): Freshness => ({
    exchange: 'coinbase',
    market: 'BTC-USD',
    lastCapturedAt: 1_800_000_000,
    ageSeconds: 60,
    lastRunOutcome: 'loaded',
    lastRunStatus: 'ok',
    consecutiveFailedRuns: 0,
    failingSince: null,
    lastError: null,
    lastErrorKind: null,
    lastErrorStage: null,
    lastErrorAt: null,
    ...over,
  });

  it.each([
    ['fresh and loaded', row({}), 'OK'],
    ['exactly max-age old', row({ ageSeconds: 7200 }), 'OK'],
    ['past max-age', row({ ageSeconds: 7201 }), 'WARNING'],
    ['past twice max-age', row({ ageSeconds: 14_401 }), 'CRITICAL'],
    ['one failed run', row({ consecutiveFailedRuns: 1, lastRunOutcome: 'failed' }), 'WARNING'],
    ['max-failures failed runs', row({ consecutiveFailedRuns: 3, lastRunOutcome: 'failed' }), 'CRITICAL'],
    ['trades failed, book fresh', row({ lastRunOutcome: 'trades_failed' }), 'WARNING'],
    [
      'never loaded, one failure',
      row({ lastCapturedAt: null, ageSeconds: null, consecutiveFailedRuns: 1 }),
      'CRITICAL',
    ],
    ['not tried yet', undefined, 'WARNING'],
  ])('%s: %s', (_, r, level) => {
    expect(judge(market, r, t).level).toBe(level);
    expect(judge(market, r, t).line.startsWith(`${level} coinbase:BTC-USD: `)).toBe(true);
  });

  it('an old error is not shown for a market that loaded since; a current one is', () => {
    const old = row({ lastError: 'gone', lastErrorAt: 1_700_000_000, ageSeconds: 9000 });
    expect(judge(market, old, t).line).not.toContain('gone');
    const now = row({
      lastError: 'boom\n  twice',
      lastErrorKind: 'http_503',
      lastErrorStage: 'fetch',
      lastErrorAt: 1_800_000_100,
      consecutiveFailedRuns: 1,
    });
    expect(judge(market, now, t).line).toMatch(
      /last error \(fetch http_503 at 2027-01-15T08:01:40Z\): boom twice$/,
    );
  });

  it('durations and ages read as people write them', () => {
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1d')).toBe(86_400);
    expect(() => parseDuration('2')).toThrow(/not a duration/);
    expect(() => parseDuration('0m')).toThrow(/longer than 0/);
    expect(formatAge(3 * 3600 + 5)).toBe('3h');
    expect(formatAge(2 * 3600 + 5 * 60 + 9)).toBe('2h 5m');
    expect(formatAge(45)).toBe('45s');
    expect(formatAge(0.2)).toBe('0s');
  });
});
