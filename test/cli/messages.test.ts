/**
 * Each failure a new user meets says what is really wrong, over real processes: a bad setting, a
 * login the server refuses (never retried), a read-only login, a missing bucket, a raw folder
 * that cannot be made, a backfill filter that matches nothing; and log lines carry errors with
 * their type and stack.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { startS3rver, S3RVER_CREDENTIALS, S3RVER_REGION } from '../helpers/s3rver.ts';
import { runCli } from '../helpers/child.ts';

let sim: Simulator;
let dir: string;
const testDb = useTestDatabase();

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, markets: defaultSimMarkets(50) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-msg-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const venues = () => ({ COINBASE_API_URL: sim.url, BINANCE_API_URL: sim.url });
const fatal = (lines: Record<string, unknown>[]) => lines.find((l) => l.level === 60);

describe('settings', () => {
  it('an unknown venue in MARKETS is named, with the known ones', async () => {
    const result = await runCli(['etl'], { DATA_DIR: dir, MARKETS: 'bitstamp:BTCUSD', ...venues() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'unknown venue "bitstamp" (known venues: coinbase, binance, kraken, okx, bybit)',
    );
  });

  it('a cron field out of range is named with its range', async () => {
    const result = await runCli(['start'], { DATA_DIR: dir, CRON_SCHEDULE: '61 * * * *', ...venues() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"61" is out of range for the minute field: allowed 0-59');
  });
});

/** A server that speaks just enough of the PostgreSQL protocol to ask for a password and refuse it. */
async function refusingServer(): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let sentAuth = false;
    socket.on('data', (data: Buffer) => {
      // SSLRequest (8 bytes, code 80877103): say no, the client goes on in plain text.
      if (data.length === 8 && data.readInt32BE(4) === 80877103) {
        socket.write('N');
        return;
      }
      if (!sentAuth) {
        sentAuth = true;
        const auth = Buffer.alloc(9);
        auth.write('R', 0);
        auth.writeInt32BE(8, 1);
        auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        socket.write(auth);
        return;
      }
      const fields = Buffer.from(
        'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "etl"\0\0',
        'latin1',
      );
      const error = Buffer.alloc(5);
      error.write('E', 0);
      error.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([error, fields]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgres://etl:hunter2-secret@127.0.0.1:${port}/warehouse`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

describe('a login the server refuses: exit 1 at once, its reason, no retry, password hidden', () => {
  it('wrong password', async () => {
    const server = await refusingServer();
    onTestFinished(() => server.close());
    sim.resetRequests();
    const result = await runCli(['etl'], {
      DATA_DIR: path.join(dir, 'pw'),
      DATABASE_URL: server.url,
      ...venues(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('password authentication failed for user \\"etl\\"');
    expect(fatal(result.lines)?.msg).toMatch(/^warehouse refused the login/);
    expect(result.stderr).not.toContain('unreachable');
    expect(result.lines.filter((l) => l.msg === 'warehouse not reachable')).toEqual([]);
    expect(server.connections()).toBe(1);
    expect(result.stderr).not.toContain('hunter2-secret');
    expect(result.stderr).toContain('etl:***@127.0.0.1');
    expect(sim.requests).toEqual([]);
  });

  it.each([
    ['a role that does not exist', 'role', /role \\"obetl_nobody_[0-9a-f]+\\" does not exist/],
    ['a database that does not exist', 'database', /database \\"obetl_nodb_[0-9a-f]+\\" does not exist/],
  ])('%s', async (_what, missing, reason) => {
    if (testDb.databaseUrl === undefined) throw new Error('needs TEST_DATABASE_URL (a PostgreSQL server)');
    const url = new URL(testDb.databaseUrl);
    if (missing === 'role') {
      url.username = `obetl_nobody_${randomBytes(4).toString('hex')}`;
      url.password = 'not-shown-pw';
    } else url.pathname = `/obetl_nodb_${randomBytes(4).toString('hex')}`;
    sim.resetRequests();
    const result = await runCli(['migrate'], {
      DATA_DIR: path.join(dir, missing),
      DATABASE_URL: url.toString(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(reason);
    expect(fatal(result.lines)?.msg).toMatch(/^warehouse refused the login/);
    expect(result.lines.filter((l) => l.msg === 'warehouse not reachable')).toEqual([]);
    expect(result.stderr).not.toContain('not-shown-pw');
  });

  it('a server that is not there is still retried', async () => {
    const result = await runCli(['migrate'], {
      DATA_DIR: path.join(dir, 'down'),
      DATABASE_URL: 'postgres://etl@127.0.0.1:1/warehouse',
    });
    expect(result.code).toBe(1);
    expect(result.lines.filter((l) => l.msg === 'warehouse not reachable')).toHaveLength(4);
    expect(fatal(result.lines)?.msg).toMatch(/^warehouse unreachable/);
  });
});

describe('a read-only login', () => {
  it.each(['etl', 'migrate'])('%s: "this login is read-only: use the owner role"', async (command) => {
    if (testDb.databaseUrl === undefined) throw new Error('needs TEST_DATABASE_URL (a PostgreSQL server)');
    await (await testDb.open()).close(); // migrated: orderbook_reader exists
    const role = `obetl_ro_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDb.databaseUrl });
    await admin.connect();
    onTestFinished(async () => {
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    });
    await admin.query(`create role ${role} login in role orderbook_reader`);
    const url = new URL(testDb.databaseUrl);
    url.username = role;
    sim.resetRequests();
    const result = await runCli([command], {
      DATA_DIR: path.join(dir, `ro-${command}`),
      DATABASE_URL: url.toString(),
      ...venues(),
    });
    expect(result.code).toBe(1);
    expect(fatal(result.lines)?.msg).toMatch(/^this login is read-only: use the owner role for etl\/migrate/);
    expect(result.stderr).toMatch(/permission denied/); // the server's own words are kept in err
    expect(sim.requests).toEqual([]);
  });
});

describe('raw store', () => {
  it("a bucket that does not exist is named, with the store's own error", async () => {
    const s3 = await startS3rver();
    onTestFinished(() => s3.stop());
    sim.resetRequests();
    const result = await runCli(['etl'], {
      DATA_DIR: path.join(dir, 's3'),
      RAW_STORE_URL: 's3://obetl-no-such-bucket/raw',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: S3RVER_REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      HTTP_RETRIES: '0',
      ...venues(),
    });
    expect(result.code).toBe(1);
    const line = fatal(result.lines);
    expect(line?.msg).toMatch(/^raw store unreachable/);
    const err = line?.err as { message?: string } | undefined;
    expect(err?.message).toMatch(
      /^raw store s3:\/\/obetl-no-such-bucket\/raw cannot be used.*: bucket "obetl-no-such-bucket" does not exist \(NoSuchBucket: The specified bucket does not exist, HTTP 404\)/,
    );
    expect(result.stderr).not.toContain('probe ""');
    expect(sim.requests).toEqual([]);
  });

  it('a folder that cannot be made (under /proc) fails at once with the path and the OS error', async () => {
    sim.resetRequests();
    const result = await runCli(
      ['etl'],
      { DATA_DIR: path.join(dir, 'proc'), RAW_STORE_URL: 'file:///proc/obetl-x/raw', ...venues() },
      20_000,
    );
    expect(result.code).toBe(1);
    const err = fatal(result.lines)?.err as { type?: string; message?: string } | undefined;
    expect(err?.type).toBe('RawStoreError');
    expect(err?.message).toMatch(/ENOENT: no such file or directory, mkdir '\/proc\/obetl-x'/);
    expect(sim.requests).toEqual([]);
  });

  it('an embedded warehouse folder that cannot be made fails the same way', async () => {
    const result = await runCli(['report'], { DATA_DIR: '/proc/obetl-y' }, 20_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/mkdir '\/proc\/obetl-y'/);
  });
});

describe('backfill with a filter that matches nothing', () => {
  let lakeEnv: Record<string, string>;
  beforeAll(async () => {
    const rawDir = path.join(dir, 'lake');
    lakeEnv = {
      DATA_DIR: testDb.dataDir,
      RAW_STORE_URL: `file://${rawDir}`,
      ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
    };
    const run = await runCli(
      ['etl'],
      { ...lakeEnv, ...venues(), MARKETS: 'coinbase:BTC-USD,binance:ETHUSDT' },
      60_000,
    );
    expect(run.code).toBe(0);
  }, 90_000);

  it('--market names nothing the lake holds: a warning listing what it holds, exit 1', async () => {
    const result = await runCli(['backfill', '--market', 'BTCUSD'], lakeEnv, 60_000);
    expect(result.code).toBe(1);
    const warning = result.lines.find((l) => l.level === 40 && String(l.msg).startsWith('backfill filter'));
    expect(warning).toMatchObject({
      filter: '--market BTCUSD',
      lakeHolds: ['binance:ETHUSDT', 'coinbase:BTC-USD'],
    });
    expect(warning?.msg).toContain(
      '--market BTCUSD matches nothing in the raw store, which holds binance:ETHUSDT, coinbase:BTC-USD',
    );
    expect(result.lines.some((l) => l.msg === 'backfill started')).toBe(false);
  });

  it('--exchange with a market of the other venue: the same', async () => {
    const result = await runCli(
      ['backfill', '--exchange', 'binance', '--market', 'BTCUSDT'],
      lakeEnv,
      60_000,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--exchange binance --market BTCUSDT matches nothing');
  });

  it('a time range with nothing in it: a warning, exit 0', async () => {
    const result = await runCli(['backfill', '--from', '2020-01-01', '--to', '2020-01-02'], lakeEnv, 60_000);
    expect(result.code).toBe(0);
    const warning = result.lines.find((l) => l.level === 40 && String(l.msg).startsWith('backfill filter'));
    expect(warning?.msg).toMatch(/--from 2020-01-01 --to 2020-01-02 matches nothing .*: the range is empty$/);
  });

  it('a filter that matches still loads, with no warning', async () => {
    const result = await runCli(['backfill', '--market', 'BTC-USD'], lakeEnv, 60_000);
    expect(result.code).toBe(0);
    expect(result.lines.find((l) => String(l.msg).startsWith('backfill filter'))).toBeUndefined();
    expect(result.lines.find((l) => l.msg === 'backfill finished')).toMatchObject({ listed: 1 });
  });
});

describe('log lines', () => {
  it("carry an error with its type, message and stack (pino's serializer), not a bare string", async () => {
    const result = await runCli(['etl'], {
      DATA_DIR: path.join(dir, 'errshape'),
      DATABASE_URL: 'postgres://etl:pw-not-logged@127.0.0.1:1/warehouse',
      ...venues(),
    });
    const line = fatal(result.lines);
    expect(line?.err).toMatchObject({
      type: 'WarehouseUnavailableError',
      message: expect.stringContaining('postgres://etl:***@127.0.0.1:1/warehouse unreachable') as string,
      stack: expect.stringMatching(/^WarehouseUnavailableError: .*\n\s+at /) as string,
    });
    expect(result.stderr).not.toContain('pw-not-logged');
  });
});
