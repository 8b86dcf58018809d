/**
 * The lake on S3 (the suite's S3 emulator, spoken to by the real SDK): an export from an S3 raw
 * store to an S3 lake gives what the folder export gives, and `npm run lake -- export` killed
 * with SIGKILL leaves no half file and resumes. To kill it at a known point rather than racing
 * it, the child reaches S3 through a proxy in this test that holds one request unanswered: a
 * Parquet upload (the object must never appear), then a manifest upload after its partition's
 * files went in (the next run must take those files up without a row twice). The proxy never
 * forwards part of a body: what S3 does with a cut upload (nothing) is S3's, and s3rver, unlike
 * S3, keeps the part it got.
 */
import http from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLake } from '../../src/lake/export.ts';
import { openRawStore, S3RawStore, type RawStore } from '../../src/raw/index.ts';
import { startCli, until } from '../helpers/child.ts';
import { capturingLogger } from '../helpers/log.ts';
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { writeRecordedTrades, writeSimBooks } from './sim-raw.ts';

const LEVELS = 30;
let s3: S3rver;
let dir: string;
let db: DuckDBInstance;
let duck: DuckDBConnection;
let reference: Record<string, string[]>;

const store = (bucket: string, endpoint = s3.endpoint): RawStore =>
  new S3RawStore(`s3://${bucket}/lake-test`, {
    endpoint,
    forcePathStyle: true,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 1,
  });

async function writeRaw(raw: RawStore): Promise<void> {
  await writeSimBooks(raw, {
    start: Date.UTC(2026, 4, 1, 2),
    count: 6,
    everyHours: 8,
    levels: LEVELS,
    seed: 9,
  });
  await writeRecordedTrades(raw, '2026-05-01T02:00:00.000Z');
  await writeRecordedTrades(raw, '2026-05-01T10:00:00.000Z');
}

/** Every object of an S3 lake copied to a folder (DuckDB here has no S3 extension). */
async function download(bucket: string): Promise<{ dir: string; keys: string[] }> {
  const lake = store(bucket);
  const out = await mkdtemp(path.join(dir, `${bucket}-`));
  const keys: string[] = [];
  const walk = async (prefix: string): Promise<void> => {
    const { prefixes, keys: here } = await lake.listChildren(prefix);
    for (const key of here) {
      keys.push(key);
      await mkdir(path.dirname(path.join(out, key)), { recursive: true });
      await writeFile(path.join(out, key), await lake.get(key));
    }
    for (const p of prefixes) await walk(p);
  };
  await walk('');
  await lake.close();
  return { dir: out, keys: keys.sort() };
}

async function contents(folder: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, order] of [
    ['levels', 'raw_key, side, level_no'],
    ['top', 'raw_key'],
    ['trades', 'trade_id'],
  ] as const) {
    const r = await duck.runAndReadAll(
      `SELECT * FROM read_parquet('${folder}/${table}/*/*/*/*.parquet', hive_partitioning = true) ORDER BY ${order}`,
    );
    out[table] = r.getRowObjectsJson().map((row) => JSON.stringify(row));
  }
  return out;
}

interface Proxy {
  url: string;
  /** Holds the next request `match` picks: never forwarded, never answered. */
  hold(match: (method: string, url: string) => boolean): void;
  held(): string | null;
  close(): Promise<void>;
}

async function startProxy(target: number): Promise<Proxy> {
  let rule: ((method: string, url: string) => boolean) | null = null;
  let held: string | null = null;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (rule !== null && held === null && rule(req.method ?? '', url)) {
      held = `${req.method ?? ''} ${url}`;
      return; // never answered: the child waits on it until it is killed
    }
    const headers = { ...req.headers };
    delete headers.expect;
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    // The child gone (killed) before its answer: the upload it started is abandoned, as S3 sees it.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hold(match) {
      rule = match;
      held = null;
    },
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-lake-s3-'));
  s3 = await startS3rver();
  for (const bucket of ['raw', 'lake', 'killed']) await s3.createBucket(bucket);
  db = await DuckDBInstance.create(':memory:');
  duck = await db.connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  const raw = store('raw');
  await writeRaw(raw);
  // The reference: the same raw objects exported to a folder.
  const folder = path.join(dir, 'reference');
  const summary = await exportLake({
    config: { concurrency: 2 },
    log: capturingLogger().log,
    raw,
    lake: openRawStore(`file://${folder}`),
  });
  expect(summary.failed).toEqual([]);
  reference = await contents(folder);
  await raw.close();
}, 60_000);

afterAll(async () => {
  duck.closeSync();
  db.closeSync();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the lake on S3', () => {
  it('an export from S3 to S3 gives what the folder export gives', async () => {
    const raw = store('raw');
    const lake = store('lake');
    const summary = await exportLake({ config: { concurrency: 2 }, log: capturingLogger().log, raw, lake });
    expect(summary.failed).toEqual([]);
    expect(summary.books.exported).toBe(12);
    const again = await exportLake({ config: { concurrency: 2 }, log: capturingLogger().log, raw, lake });
    expect(again).toMatchObject({ files: 0, levels: 0 });
    await raw.close();
    await lake.close();
    expect(await contents((await download('lake')).dir)).toEqual(reference);
    expect(reference.levels).toHaveLength(12 * 2 * LEVELS);
  });

  it('npm run lake -- export killed with SIGKILL: no half file, and it resumes', async () => {
    const proxy = await startProxy(s3.port);
    const env = {
      RAW_STORE_URL: 's3://raw/lake-test',
      LAKE_URL: 's3://killed/lake-test',
      S3_ENDPOINT: proxy.url,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: S3RVER_REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      HTTP_RETRIES: '0',
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'debug',
    };
    const killWhenHeld = async (what: string) => {
      const child = startCli(['lake', 'export'], env);
      await until(child, what, () => Promise.resolve(proxy.held() !== null));
      child.process.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      return child;
    };
    try {
      // Binance lists first: its partitions are done when Coinbase's first file goes up.
      proxy.hold((m, u) => m === 'PUT' && u.includes('exchange%3Dcoinbase') && u.includes('.parquet'));
      await killWhenHeld('a Coinbase Parquet upload under way');
      const cut = decodeURIComponent(proxy.held()?.split(' ')[1] ?? '').split('?')[0] ?? '';
      const afterFirst = await download('killed');
      expect(afterFirst.keys.filter((k) => k.includes('exchange=coinbase'))).toEqual([]);
      expect(afterFirst.keys.filter((k) => k.startsWith('_manifest/books/exchange=binance'))).toHaveLength(2);
      expect(cut).toContain('exchange=coinbase');

      proxy.hold(
        (m, u) => m === 'PUT' && decodeURIComponent(u).includes('_manifest/books/exchange=coinbase'),
      );
      await killWhenHeld("a Coinbase manifest upload, after its partition's files");
      const afterSecond = await download('killed');
      const coinbase = afterSecond.keys.filter((k) => k.includes('exchange=coinbase'));
      expect(coinbase.filter((k) => k.endsWith('.parquet')).length).toBeGreaterThan(0);
      expect(coinbase.filter((k) => k.startsWith('_manifest/books/'))).toEqual([]);
      // Every file a reader can see is whole.
      for (const key of afterSecond.keys.filter((k) => k.endsWith('.parquet'))) {
        const r = await duck.runAndReadAll(
          `SELECT count(*) FROM read_parquet('${path.join(afterSecond.dir, key)}')`,
        );
        expect(Number(r.getRowsJS()[0]?.[0])).toBeGreaterThan(0);
      }

      proxy.hold(() => false);
      const rerun = startCli(['lake', 'export'], env);
      expect((await rerun.exited).code).toBe(0);
      const finished = rerun.lines().find((l) => l.msg === 'lake export finished');
      expect(finished).toMatchObject({ failed: 0 });
      expect(await contents((await download('killed')).dir)).toEqual(reference);
    } finally {
      await proxy.close();
    }
  });
});
