/** Raw store on S3 or an S3-compatible service (MinIO, Ceph, R2 …) through @aws-sdk/client-s3. */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  RawStoreError,
  byteOrder,
  checkKey,
  checkPrefix,
  keyProblem,
  type ListResult,
  type RawStore,
  type RawStoreOp,
} from './store.ts';

export interface S3Options {
  /** S3-compatible endpoint, e.g. `http://127.0.0.1:9000` for MinIO; unset means AWS. */
  endpoint?: string | undefined;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO and most S3-compatibles). */
  forcePathStyle?: boolean | undefined;
  /** Unset: the AWS default chain (AWS_REGION, ~/.aws/config …). */
  region?: string | undefined;
  /** Total tries per request, including the first, through the SDK's standard retry strategy. */
  maxAttempts?: number | undefined;
  /** Only for tests; otherwise credentials come from the AWS default chain and never from a URL. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** ListObjectsV2 page size (S3 caps it at 1000); small values let tests exercise pagination. */
  listPageSize?: number | undefined;
  connectionTimeoutMs?: number | undefined;
  /** Socket inactivity limit per request, so a stalled endpoint fails (and is retried) instead of hanging a run. */
  requestTimeoutMs?: number | undefined;
}

export const S3_DEFAULTS = {
  maxAttempts: 5,
  listPageSize: 1000,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 60_000,
} as const;

const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix]` → parts; the prefix has no leading or trailing slash. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  const bucket = m?.[1] ?? '';
  if (!m || !BUCKET.test(bucket)) {
    throw new Error(
      `raw store URL: "${redactUrl(url)}" is not s3://bucket[/prefix] with a valid bucket name ` +
        '(3-63 characters: lowercase letters, digits, ".", "-", "_"; credentials never go in the URL)',
    );
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  const problem = prefix === '' ? null : keyProblem(prefix);
  if (problem) throw new Error(`raw store URL: prefix of "${redactUrl(url)}" is unusable: ${problem}`);
  return { bucket, prefix };
}

/** Masks any user-info so a mistyped URL carrying a secret never reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

interface SdkErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

export class S3RawStore implements RawStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly listPageSize: number;

  constructor(url: string, options: S3Options = {}) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.listPageSize = options.listPageSize ?? S3_DEFAULTS.listPageSize;
    const config: S3ClientConfig = {
      maxAttempts: options.maxAttempts ?? S3_DEFAULTS.maxAttempts,
      forcePathStyle: options.forcePathStyle ?? false,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? S3_DEFAULTS.connectionTimeoutMs,
        requestTimeout: options.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
      },
      // The SDK's newer default (CRC32 trailers on every request) is not understood by many
      // S3-compatible services; integrity comes from Content-MD5 instead, which all of them check.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.region !== undefined) config.region = options.region;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }

  private fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private fail(op: RawStoreOp, key: string, err: unknown): RawStoreError {
    const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
    const status = e.$metadata?.httpStatusCode;
    const notFound = op === 'get' && (e.name === 'NoSuchKey' || e.name === 'NotFound' || status === 404);
    const attempts = e.$metadata?.attempts;
    return new RawStoreError(op, key, this.location, err, {
      notFound,
      ...(attempts !== undefined ? { attempts } : {}),
      ...(op === 'probe' ? { reason: this.probeReason(err, status) } : {}),
    });
  }

  /** The bucket and the store's own words (its error code and message), not just a status. */
  private probeReason(err: unknown, status: number | undefined): string {
    const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape & { message?: string };
    const own = [e.name, e.message].filter((s) => s && s !== 'UnknownError').join(': ');
    const said = `${own || 'no error message'}${status !== undefined ? `, HTTP ${status}` : ''}`;
    if (e.name === 'NoSuchBucket') return `bucket "${this.bucket}" does not exist (${said})`;
    if (e.name === 'AccessDenied' || status === 403)
      return `access to bucket "${this.bucket}" denied: check credentials and s3:ListBucket (${said})`;
    return `bucket "${this.bucket}" could not be listed (${said})`;
  }

  async put(key: string, data: Buffer): Promise<void> {
    checkKey('put', key, this.location);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: data,
          // The gzip bytes are the object (not a Content-Encoding), so Athena and friends read
          // `.json.gz` by its extension and a download is exactly what was written.
          ContentType: key.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
          ContentMD5: createHash('md5').update(data).digest('base64'),
        }),
      );
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey('get', key, this.location);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      if (!out.Body) throw new Error('GetObject returned no body');
      const bytes = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.fail('get', key, err);
    }
  }

  async listChildren(prefix: string): Promise<ListResult> {
    checkPrefix(prefix, this.location);
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    // Sets: some S3-compatibles repeat a common prefix on several pages.
    const prefixes = new Set<string>();
    const keys = new Set<string>();
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            Delimiter: '/',
            MaxKeys: this.listPageSize,
            ContinuationToken: token,
          }),
        );
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.add(p.Prefix.slice(strip));
        for (const o of page.Contents ?? []) {
          // Console-made "folder" marker objects end in `/`: not data.
          if (o.Key && !o.Key.endsWith('/')) keys.add(o.Key.slice(strip));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && !token)
          throw new Error('ListObjectsV2 truncated without a continuation token');
      } while (token);
    } catch (err) {
      throw this.fail('list', prefix, err);
    }
    return { prefixes: [...prefixes].sort(byteOrder), keys: [...keys].sort(byteOrder) };
  }

  /** One cheap, read-only request: proves endpoint, bucket and credentials without writing. */
  async probe(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix ? `${this.prefix}/` : '',
          MaxKeys: 1,
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      throw this.fail('probe', '', err);
    }
  }

  /** Frees the client's sockets so a one-shot process can exit promptly. */
  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
