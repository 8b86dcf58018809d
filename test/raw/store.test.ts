/**
 * One suite, two stores: a temp folder and a real S3 endpoint (s3rver on loopback, spoken to
 * through the real S3Client). Whatever the pipeline relies on must hold on both.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RawStoreError,
  listSnapshots,
  listTrades,
  openRawStore,
  probeRawStore,
  readEnvelope,
  readSnapshot,
  readTrades,
  writeMeta,
  writeSnapshot,
  writeTrades,
  type RawStore,
  type SnapshotFilter,
  type SnapshotMeta,
} from '../../src/raw/index.ts';
import type { Venue } from '../../src/markets.ts';
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { BINANCE_BIG_ID, BODIES } from './bodies.ts';

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('test setup: missing value');
  return value;
}

const BUCKET = 'raw-suite';
let s3rver: S3rver;
let tmpRoot: string;
let counter = 0;
const opened: RawStore[] = [];

beforeAll(async () => {
  tmpRoot = await mkdtemp(path.join(os.tmpdir(), 'raw-file-'));
  s3rver = await startS3rver();
  await s3rver.createBucket(BUCKET);
});

afterAll(async () => {
  for (const store of opened) await store.close();
  await s3rver.stop();
  await rm(tmpRoot, { recursive: true, force: true });
});

interface Kind {
  name: string;
  /** A fresh, empty store for one test. */
  make(): RawStore;
}

const KINDS: Kind[] = [
  { name: 'file', make: () => openRawStore(`file://${tmpRoot}/t${++counter}`) },
  {
    name: 's3',
    make: () => {
      const store = openRawStore(`s3://${BUCKET}/lake/t${++counter}`, {
        endpoint: s3rver.endpoint,
        forcePathStyle: true,
        region: S3RVER_REGION,
        credentials: S3RVER_CREDENTIALS,
      });
      opened.push(store);
      return store;
    },
  },
];

function meta(exchange: Venue, market: string, receivedAt: string, runId = 'run-1'): SnapshotMeta {
  return {
    exchange,
    market,
    url: `https://example.test/${market}`,
    requested_at: new Date(Date.parse(receivedAt) - 150).toISOString(),
    received_at: receivedAt,
    status: 200,
    run_id: runId,
    base: null,
    quote: null,
  };
}

async function collect(store: RawStore, filter?: SnapshotFilter): Promise<string[]> {
  const out: string[] = [];
  for await (const key of listSnapshots(store, filter)) out.push(key);
  return out;
}

describe.each(KINDS)('raw store: $name', (kind) => {
  it('location names the store and carries no credentials', () => {
    const store = kind.make();
    expect(store.location).toMatch(
      kind.name === 'file' ? /^file:\/\/\/.+\/t\d+$/ : /^s3:\/\/raw-suite\/lake\/t\d+$/,
    );
    expect(store.location).not.toContain('S3RVER');
  });

  it('probe succeeds on a usable store', async () => {
    const store = kind.make();
    await expect(probeRawStore(store)).resolves.toBeUndefined();
  });

  it('put/get returns the exact bytes, and a second put replaces the object', async () => {
    const store = kind.make();
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1f, 0x8b]);
    await store.put('a/b/c.bin', bytes);
    expect((await store.get('a/b/c.bin')).equals(bytes)).toBe(true);
    await store.put('a/b/c.bin', Buffer.from('second'));
    expect((await store.get('a/b/c.bin')).toString()).toBe('second');
  });

  it('get of a missing key is a RawStoreError saying not found', async () => {
    const store = kind.make();
    const err = await store.get('exchange=coinbase/nothing.json.gz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawStoreError);
    expect(err).toMatchObject({
      op: 'get',
      key: 'exchange=coinbase/nothing.json.gz',
      location: store.location,
      notFound: true,
    });
  });

  it('refuses keys that could escape the root or hide as temp files', async () => {
    const store = kind.make();
    for (const key of [
      '../escape',
      'a/../../escape',
      '/etc/passwd',
      'a//b',
      '',
      'a/./b',
      '.hidden',
      'a\\..\\b',
      'a/b/',
    ]) {
      await expect(store.put(key, Buffer.from('x')), key).rejects.toBeInstanceOf(RawStoreError);
      await expect(store.get(key), key).rejects.toMatchObject({ op: 'get', notFound: false });
    }
    await expect(store.listChildren('../')).rejects.toBeInstanceOf(RawStoreError);
    await expect(store.listChildren('a')).rejects.toBeInstanceOf(RawStoreError);
    expect(existsSync(path.join(tmpRoot, 'escape'))).toBe(false);
  });

  it('lists one level at a time, like S3 with Delimiter "/"', async () => {
    const store = kind.make();
    for (const key of ['x/1.json.gz', 'x/y/2.json.gz', 'x/y/z/3.json.gz', 'x/w/4.json.gz', 'top.json.gz']) {
      await store.put(key, Buffer.from(key));
    }
    expect(await store.listChildren('')).toEqual({ prefixes: ['x/'], keys: ['top.json.gz'] });
    expect(await store.listChildren('x/')).toEqual({ prefixes: ['x/w/', 'x/y/'], keys: ['x/1.json.gz'] });
    expect(await store.listChildren('x/y/')).toEqual({ prefixes: ['x/y/z/'], keys: ['x/y/2.json.gz'] });
    expect(await store.listChildren('nope/')).toEqual({ prefixes: [], keys: [] });
  });

  it.each(BODIES)(
    'snapshot with $name: stored, read back byte-identical',
    async ({ body, kind: payloadKind }) => {
      const store = kind.make();
      const m = meta('binance', 'BTCUSDT', '2026-09-02T07:01:32.123Z', 'run-7');
      const key = await writeSnapshot(store, m, body);
      expect(key).toBe(
        'exchange=binance/market=BTCUSDT/date=2026-09-02/hour=07/20260902T070132.123Z-run-7.json.gz',
      );

      const snap = await readSnapshot(store, key);
      expect(snap.key).toBe(key);
      expect(snap.payloadKind).toBe(payloadKind);
      expect(snap.body.equals(body)).toBe(true);
      expect(snap.meta).toEqual(m);

      // What DuckDB/Athena see: one gzip'd JSON document with the envelope fields.
      const doc = JSON.parse(gunzipSync(await store.get(key)).toString('utf8')) as Record<string, unknown>;
      expect(doc).toMatchObject({
        v: 1,
        exchange: 'binance',
        market: 'BTCUSDT',
        run_id: 'run-7',
        status: 200,
      });
    },
  );

  it('keeps the 2^60 lastUpdateId as written in the stored object', async () => {
    const store = kind.make();
    const key = await writeSnapshot(
      store,
      meta('binance', 'BTCUSDT', '2026-09-02T07:01:32.123Z'),
      Buffer.from(BINANCE_BIG_ID),
    );
    const text = gunzipSync(await store.get(key)).toString('utf8');
    expect(text).toContain(
      '"payload":{"lastUpdateId":1152921504606846976,"bids":[["84705.63000000","5.70639000"]',
    );
  });

  it('keeps venue metadata under _meta/, out of snapshot listings', async () => {
    const store = kind.make();
    const { market: _market, ...m } = meta('coinbase', 'BTC-USD', '2026-09-02T07:00:00.250Z');
    const key = await writeMeta(store, m, Buffer.from('[{"id":"BTC-USD"}]'), 'products');
    expect(key).toBe(
      '_meta/exchange=coinbase/endpoint=products/date=2026-09-02/hour=07/20260902T070000.250Z-run-1.json.gz',
    );
    const env = await readEnvelope(store, key);
    expect(env.payloadText).toBe('[{"id":"BTC-USD"}]');
    expect(env.meta.market).toBeNull();
    expect(await collect(store)).toEqual([]);
    await expect(readSnapshot(store, key)).rejects.toThrow(/not a snapshot key/);
  });

  it('keeps trades under _trades/, listed apart from books with the same filters', async () => {
    const store = kind.make();
    const body = Buffer.from('[{"id":5000000000,"price":"84705.63000000","qty":"0.00100000"}]');
    const book = await writeSnapshot(store, meta('binance', 'BTCUSDT', '2026-09-02T07:00:00.100Z'), body);
    const early = await writeTrades(store, meta('binance', 'BTCUSDT', '2026-09-02T07:00:00.250Z'), body);
    const late = await writeTrades(store, meta('binance', 'BTCUSDT', '2026-09-02T08:00:00.250Z'), body);
    const other = await writeTrades(store, meta('coinbase', 'BTC-USD', '2026-09-02T07:00:00.250Z'), body);
    expect(early).toBe(
      '_trades/exchange=binance/market=BTCUSDT/date=2026-09-02/hour=07/20260902T070000.250Z-run-1.json.gz',
    );
    const trades = async (filter?: SnapshotFilter) => {
      const out: string[] = [];
      for await (const key of listTrades(store, filter)) out.push(key);
      return out;
    };
    // The book listing that backfill walks is unchanged by the trades beside it.
    expect(await collect(store)).toEqual([book]);
    expect(await trades()).toEqual([early, late, other]);
    expect(await trades({ exchange: 'coinbase' })).toEqual([other]);
    expect(await trades({ market: 'BTCUSDT', from: new Date('2026-09-02T07:30:00Z') })).toEqual([late]);
    const read = await readTrades(store, early);
    expect(read.body.equals(body)).toBe(true);
    expect(read.meta.market).toBe('BTCUSDT');
    await expect(readSnapshot(store, early)).rejects.toThrow(/not a snapshot key/);
    await expect(readTrades(store, book)).rejects.toThrow(/not a trades key/);
  });

  it('refuses a snapshot whose envelope disagrees with its key', async () => {
    const store = kind.make();
    const key = await writeSnapshot(
      store,
      meta('coinbase', 'BTC-USD', '2026-09-02T07:00:00.000Z'),
      Buffer.from('{}'),
    );
    const misplaced = key.replace('market=BTC-USD', 'market=ETH-USD');
    await store.put(misplaced, await store.get(key));
    await expect(readSnapshot(store, misplaced)).rejects.toThrow(/envelope of/);
  });

  describe('listSnapshots', () => {
    // Two venues, three markets, across midnight and a month end.
    const TIMES = [
      '2026-01-31T22:59:59.999Z',
      '2026-01-31T23:00:00.000Z',
      '2026-01-31T23:30:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-02-01T00:15:00.500Z',
      '2026-02-01T02:00:00.000Z',
    ];
    const MARKETS: [Venue, string][] = [
      ['coinbase', 'ETH-USD'],
      ['binance', 'BTCUSDT'],
      ['coinbase', 'BTC-USD'],
    ];
    let store: RawStore;
    let byMarket: Map<string, string[]>;

    beforeAll(async () => {
      store = kind.make();
      byMarket = new Map();
      // Written out of order, and two runs in the same millisecond, so order comes from the listing.
      for (const t of [...TIMES].reverse()) {
        for (const [ex, mk] of MARKETS) {
          const key = await writeSnapshot(store, meta(ex, mk, t, 'run-b'), Buffer.from('{}'));
          const keys = byMarket.get(`${ex}/${mk}`) ?? [];
          keys.unshift(key);
          byMarket.set(`${ex}/${mk}`, keys);
        }
      }
      const extra = await writeSnapshot(
        store,
        meta('coinbase', 'BTC-USD', must(TIMES[3]), 'run-a'),
        Buffer.from('{}'),
      );
      const cb = must(byMarket.get('coinbase/BTC-USD'));
      cb.splice(3, 0, extra);
      // Things that are not snapshots must be skipped, not crash the walk.
      await writeMeta(
        store,
        { ...meta('binance', 'BTCUSDT', must(TIMES[0])), market: null },
        Buffer.from('{}'),
        'exchangeInfo',
      );
      await store.put(
        'exchange=coinbase/market=BTC-USD/date=2026-02-01/hour=00/README.txt',
        Buffer.from('x'),
      );
      await store.put('exchange=coinbase/market=BTC-USD/date=not-a-date/hour=00/x.json.gz', Buffer.from('x'));
      await store.put('exchange=coinbase/notes/x.json.gz', Buffer.from('x'));
    });

    const all = (ex: Venue, mk: string): string[] => must(byMarket.get(`${ex}/${mk}`));

    it('lists every snapshot: by exchange, then market, then time', async () => {
      expect(await collect(store)).toEqual([
        ...all('binance', 'BTCUSDT'),
        ...all('coinbase', 'BTC-USD'),
        ...all('coinbase', 'ETH-USD'),
      ]);
      expect(all('coinbase', 'BTC-USD')[3]).toMatch(/T000000\.000Z-run-a\.json\.gz$/);
      expect(all('coinbase', 'BTC-USD')[4]).toMatch(/T000000\.000Z-run-b\.json\.gz$/);
    });

    it('filters by exchange and by market', async () => {
      expect(await collect(store, { exchange: 'coinbase' })).toEqual([
        ...all('coinbase', 'BTC-USD'),
        ...all('coinbase', 'ETH-USD'),
      ]);
      expect(await collect(store, { exchange: 'coinbase', market: 'ETH-USD' })).toEqual(
        all('coinbase', 'ETH-USD'),
      );
      expect(await collect(store, { market: 'BTCUSDT' })).toEqual(all('binance', 'BTCUSDT'));
      expect(await collect(store, { exchange: 'binance', market: 'ETH-USD' })).toEqual([]);
    });

    it('from is inclusive and to exclusive, to the millisecond, across hours and days', async () => {
      const from = new Date('2026-01-31T23:00:00.000Z');
      const to = new Date('2026-02-01T00:15:00.500Z');
      expect(await collect(store, { exchange: 'binance', from, to })).toEqual(
        all('binance', 'BTCUSDT').slice(1, 4),
      );
      expect(await collect(store, { market: 'BTC-USD', from, to })).toEqual(
        all('coinbase', 'BTC-USD').slice(1, 5),
      );
      expect(await collect(store, { market: 'BTC-USD', from: new Date('2026-02-01T00:15:00.501Z') })).toEqual(
        all('coinbase', 'BTC-USD').slice(6),
      );
      expect(await collect(store, { market: 'ETH-USD', to: new Date('2026-01-31T23:00:00.000Z') })).toEqual(
        all('coinbase', 'ETH-USD').slice(0, 1),
      );
      expect(await collect(store, { from: to, to: from })).toEqual([]);
      expect(await collect(store, { from: new Date('2027-01-01T00:00:00Z') })).toEqual([]);
    });

    it('refuses filters that are not a venue, a market or a date', async () => {
      await expect(collect(store, { market: '../x' })).rejects.toThrow(/market/);
      await expect(collect(store, { exchange: 'bitstamp' as Venue })).rejects.toThrow(/exchange/);
      await expect(collect(store, { from: new Date('x') })).rejects.toThrow(/date/);
    });
  });
});

describe('listSnapshots walks only the partitions it needs', () => {
  it('does not list date= or hour= folders outside [from, to)', async () => {
    const inner = openRawStore(`file://${tmpRoot}/prune`);
    for (const t of [
      '2026-03-01T05:00:00Z',
      '2026-03-02T05:00:00Z',
      '2026-03-02T06:30:00Z',
      '2026-03-03T05:00:00Z',
    ]) {
      await writeSnapshot(inner, meta('binance', 'ETHUSDT', new Date(t).toISOString()), Buffer.from('{}'));
    }
    const listed: string[] = [];
    const spy: RawStore = {
      location: inner.location,
      put: (k, d) => inner.put(k, d),
      get: (k) => inner.get(k),
      listChildren: (p) => {
        listed.push(p);
        return inner.listChildren(p);
      },
      probe: () => inner.probe(),
      close: () => inner.close(),
    };
    const keys = await collect(spy, {
      exchange: 'binance',
      market: 'ETHUSDT',
      from: new Date('2026-03-02T06:00:00Z'),
      to: new Date('2026-03-02T07:00:00Z'),
    });
    expect(keys).toEqual([
      'exchange=binance/market=ETHUSDT/date=2026-03-02/hour=06/20260302T063000.000Z-run-1.json.gz',
    ]);
    expect(listed).toEqual([
      'exchange=binance/market=ETHUSDT/',
      'exchange=binance/market=ETHUSDT/date=2026-03-02/',
      'exchange=binance/market=ETHUSDT/date=2026-03-02/hour=06/',
    ]);
  });
});

describe('file store', () => {
  it('writes through a temp file and rename: no temp file left, none listed', async () => {
    const root = path.join(tmpRoot, 'atomic');
    const store = openRawStore(`file://${root}`);
    await store.put('d/k.json.gz', Buffer.from('data'));
    expect(await readdir(path.join(root, 'd'))).toEqual(['k.json.gz']);
    // A temp file left by a crash mid-write is neither an object nor listed.
    await writeFile(path.join(root, 'd', '.k2.json.gz.123.tmp'), 'half');
    expect(await store.listChildren('d/')).toEqual({ prefixes: [], keys: ['d/k.json.gz'] });
  });

  it('probe fails when the folder cannot be created', async () => {
    const blocker = path.join(tmpRoot, 'a-file');
    await writeFile(blocker, 'x');
    const store = openRawStore(`file://${blocker}/raw`);
    await expect(probeRawStore(store)).rejects.toMatchObject({ name: 'RawStoreError', op: 'probe' });
  });

  it('opens relative file:// paths against the working directory', () => {
    expect(openRawStore('file://data/raw').location).toBe(`file://${path.resolve('data/raw')}`);
    expect(openRawStore('file://./data/raw').location).toBe(`file://${path.resolve('data/raw')}`);
    expect(openRawStore('file:///var/lib/raw%20store').location).toBe('file:///var/lib/raw%20store');
  });
});

describe('openRawStore', () => {
  it('refuses what it cannot open, without echoing secrets', () => {
    expect(() => openRawStore('http://example.com/raw')).toThrow(/file:\/\/.*s3:\/\//);
    expect(() => openRawStore('/tmp/raw')).toThrow(/not supported/);
    expect(() => openRawStore('file://')).toThrow(/give a folder/);
    expect(() => openRawStore('s3://')).toThrow(/bucket/);
    expect(() => openRawStore('s3://Bad_Bucket/x')).toThrow(/bucket/);
    expect(() => openRawStore('s3://bucket/a/../b')).toThrow(/prefix/);
    let message = '';
    try {
      openRawStore('s3://AKIAXXXX:topsecret@bucket/raw');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/bucket/);
    expect(message).not.toContain('topsecret');
    expect(message).not.toContain('AKIAXXXX');
  });

  it('names an S3 store by bucket and prefix', () => {
    expect(openRawStore('s3://my-bucket').location).toBe('s3://my-bucket');
    expect(openRawStore('s3://my-bucket/').location).toBe('s3://my-bucket');
    expect(openRawStore('s3://my-bucket/books/raw/', { region: 'eu-west-1' }).location).toBe(
      's3://my-bucket/books/raw',
    );
  });
});
