/**
 * A real S3 HTTP endpoint on loopback (s3rver) for tests, on a random port with its own temp dir.
 *
 * Two defects of s3rver 3.7.1 are worked around here, in the test double, not in src/:
 * - It signs ListObjectsV2 continuation tokens with DES, which Node 17+ (OpenSSL 3) refuses by
 *   default, so in-process every truncated listing answers 500. It therefore runs in a child
 *   process started with --openssl-legacy-provider (which also lets a test take it down for real).
 * - With a Delimiter it stops descending at the first level below the prefix, so a folder holding
 *   only deeper folders (exchange=…/ holds market=…/ holds date=…/) is never reported as a
 *   CommonPrefix, unlike S3 and MinIO. The child replaces its store's listObjects with one that
 *   groups every key under the prefix, as S3 does. Only keys count toward MaxKeys (s3rver's
 *   continuation token can only point at a key); S3 counts prefixes too, which the store's
 *   pagination loop handles either way.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3RVER_REGION = 'us-east-1';

export interface S3rver {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Where s3rver keeps its buckets (removed by stop). */
  dir: string;
  /** A real S3Client for this endpoint (path style, dummy credentials). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** Stops the server and removes its data; safe to call twice. */
  stop(): Promise<void>;
}

const CHILD = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory: process.argv[2], silent: true });
const listAll = server.store.listObjects.bind(server.store);
server.store.listObjects = async (bucket, options) => {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
  const all = await listAll(bucket, { prefix, startAfter, maxKeys: Infinity });
  const direct = [];
  const groups = new Set();
  for (const object of all.objects) {
    const idx = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
    if (idx === -1) direct.push(object);
    else groups.add(object.key.slice(0, idx + delimiter.length));
  }
  direct.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const objects = direct.slice(0, maxKeys);
  const isTruncated = direct.length > objects.length;
  const last = objects.length ? objects[objects.length - 1].key : undefined;
  const commonPrefixes = [...groups].filter((p) => !isTruncated || p < last).sort();
  return { objects, commonPrefixes, isTruncated };
};
server.run().then(
  (addr) => process.stdout.write(JSON.stringify({ port: addr.port }) + '\\n'),
  (err) => { console.error(err); process.exit(1); },
);
const quit = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', quit);
// The parent closing stdin (including by dying) ends the server: no orphans on a crashed run.
process.stdin.on('end', quit);
process.stdin.resume();
`;

export async function startS3rver(): Promise<S3rver> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const entry = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, entry, dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        reject(new Error(`s3rver exited (${String(code)}) before listening: ${stderr}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = (): S3Client => {
    const c = new S3Client({
      endpoint,
      region: S3RVER_REGION,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    clients.push(c);
    return c;
  };
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    dir,
    client,
    async createBucket(name) {
      await client().send(new CreateBucketCommand({ Bucket: name }));
    },
    stop() {
      stopped ??= (async () => {
        for (const c of clients) c.destroy();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
