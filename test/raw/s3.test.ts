/** What only the S3 store has: pagination, object metadata, retries against a failing endpoint. */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RawStoreError,
  listSnapshots,
  openRawStore,
  writeSnapshot,
  type RawStore,
} from '../../src/raw/index.ts';
import type { S3Options } from '../../src/raw/s3.ts';
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { BINANCE_BIG_ID } from './bodies.ts';

const BUCKET = 'raw-s3';
let s3rver: S3rver;
let client: S3Client;
const opened: RawStore[] = [];

function open(url: string, options: S3Options = {}): RawStore {
  const store = openRawStore(url, {
    endpoint: s3rver.endpoint,
    forcePathStyle: true,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    ...options,
  });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  s3rver = await startS3rver();
  await s3rver.createBucket(BUCKET);
  client = s3rver.client();
});

afterAll(async () => {
  for (const store of opened) await store.close();
  await s3rver.stop();
});

const META = {
  exchange: 'binance',
  market: 'BTCUSDT',
  url: 'https://data-api.binance.vision/api/v3/depth?symbol=BTCUSDT&limit=5000',
  requested_at: '2026-09-02T07:01:31.900Z',
  received_at: '2026-09-02T07:01:32.123Z',
  status: 200,
  run_id: 'r1',
  base: 'BTC',
  quote: 'USDT',
} as const;

describe('S3 raw store', () => {
  it('follows continuation tokens: every key and prefix of a folder larger than a page', async () => {
    const store = open(`s3://${BUCKET}/paged`, { listPageSize: 4 });
    const keys = Array.from({ length: 23 }, (_, i) => `f/${String(i).padStart(3, '0')}.json.gz`);
    const sub = ['f/a/', 'f/m/', 'f/z/'];
    await Promise.all([
      ...keys.map((k) => store.put(k, Buffer.from(k))),
      ...sub.map((p) => store.put(`${p}deep/x.json.gz`, Buffer.from('x'))),
    ]);
    expect(await store.listChildren('f/')).toEqual({ prefixes: sub, keys });
  });

  it('lists an hour holding more snapshots than a page, in time order', async () => {
    const store = open(`s3://${BUCKET}/paged-hour`, { listPageSize: 5 });
    const written: string[] = [];
    for (let i = 0; i < 17; i++) {
      const receivedAt = new Date(Date.UTC(2026, 8, 2, 7, 1, i)).toISOString();
      written.push(await writeSnapshot(store, { ...META, received_at: receivedAt }, Buffer.from('{}')));
    }
    const listed: string[] = [];
    for await (const key of listSnapshots(store)) listed.push(key);
    expect(listed).toEqual(written);
  });

  it('stores the gzip bytes as the object, under the URL prefix, for Athena to read by extension', async () => {
    const store = open(`s3://${BUCKET}/books/raw`);
    const key = await writeSnapshot(store, META, Buffer.from(BINANCE_BIG_ID));
    const objectKey = `books/raw/${key}`;

    const listing = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'books/' }));
    expect(listing.Contents?.map((o) => o.Key)).toEqual([objectKey]);
    expect(objectKey).toBe(
      'books/raw/exchange=binance/market=BTCUSDT/date=2026-09-02/hour=07/20260902T070132.123Z-r1.json.gz',
    );

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    expect(head.ContentType).toBe('application/gzip');
    expect(head.ContentEncoding).toBeUndefined();

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.equals(await store.get(key))).toBe(true);
    const text = gunzipSync(bytes).toString('utf8');
    expect(text).toContain(`"payload":${BINANCE_BIG_ID}}`);
  });

  it('an endpoint that refuses connections: put fails with RawStoreError after maxAttempts', async () => {
    const gone = await startS3rver();
    const endpoint = gone.endpoint;
    await gone.stop();
    const store = openRawStore(`s3://${BUCKET}/x`, {
      endpoint,
      forcePathStyle: true,
      region: S3RVER_REGION,
      credentials: S3RVER_CREDENTIALS,
      maxAttempts: 3,
    });
    opened.push(store);
    const err = await store.put('k.json.gz', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawStoreError);
    expect(err).toMatchObject({ op: 'put', key: 'k.json.gz', location: `s3://${BUCKET}/x`, attempts: 3 });
    expect((err as RawStoreError).message).toMatch(/after 3 attempt/);
    await expect(store.probe()).rejects.toMatchObject({ op: 'probe', attempts: 3 });
  });

  it('probe fails for a bucket that does not exist', async () => {
    const store = open('s3://no-such-bucket/raw', { maxAttempts: 1 });
    await expect(store.probe()).rejects.toMatchObject({ name: 'RawStoreError', op: 'probe' });
  });

  describe('an endpoint answering 503 to everything', () => {
    let requests: string[] = [];
    let server: http.Server;
    let endpoint: string;

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        requests.push(`${req.method ?? ''} ${new URL(req.url ?? '/', 'http://x').pathname}`);
        req.resume();
        req.on('end', () => {
          res.writeHead(503, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code></Error>');
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it.each([2, 4])('is tried exactly maxAttempts=%i times, then put fails', async (maxAttempts) => {
      requests = [];
      const store = openRawStore(`s3://${BUCKET}/p`, {
        endpoint,
        forcePathStyle: true,
        region: S3RVER_REGION,
        credentials: S3RVER_CREDENTIALS,
        maxAttempts,
      });
      opened.push(store);
      const err = await store.put('a/k.json.gz', Buffer.from('x')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RawStoreError);
      expect(err).toMatchObject({ op: 'put', key: 'a/k.json.gz', attempts: maxAttempts, notFound: false });
      expect(requests).toEqual(Array.from({ length: maxAttempts }, () => `PUT /${BUCKET}/p/a/k.json.gz`));
    });

    it('a failing get is not mistaken for a missing object', async () => {
      const store = openRawStore(`s3://${BUCKET}`, {
        endpoint,
        forcePathStyle: true,
        region: S3RVER_REGION,
        credentials: S3RVER_CREDENTIALS,
        maxAttempts: 1,
      });
      opened.push(store);
      await expect(store.get('k.json.gz')).rejects.toMatchObject({ op: 'get', notFound: false, attempts: 1 });
      await expect(store.listChildren('')).rejects.toMatchObject({ op: 'list', key: '' });
    });
  });
});
