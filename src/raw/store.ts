/**
 * The raw store: where every response that reached us is kept byte-for-byte before parsing.
 * Two implementations (a local folder, S3 or an S3-compatible service) behind one interface,
 * so key layout, listing and envelope code are written once over it.
 */

export interface ListResult {
  /** Child "folders", each the full relative prefix ending in `/`, in lexical order. */
  prefixes: string[];
  /** Objects directly under the prefix, full relative keys, in lexical order. */
  keys: string[];
}

export interface RawStore {
  /** Where the data lives, e.g. `s3://bucket/prefix` or `file:///abs/dir`; never with credentials. */
  readonly location: string;
  /** Writes the object whole or not at all (no reader ever sees half an object under `key`). */
  put(key: string, data: Buffer): Promise<void>;
  /** Fails with a RawStoreError whose `notFound` is true when there is no such object. */
  get(key: string): Promise<Buffer>;
  /** One level below `prefix` (`''` for the root, else ending in `/`), like S3 with Delimiter `/`. */
  listChildren(prefix: string): Promise<ListResult>;
  /**
   * Fails with a RawStoreError unless the store can be used: S3 answers for the bucket with these
   * credentials, or the folder exists (created if needed) and is writable. A run checks this
   * before fetching anything, so an unreachable store stops it at the start (exit 1). `signal`
   * (the command's stop) ends the store's own retries at once.
   */
  probe(signal?: AbortSignal): Promise<void>;
  /** Releases connections (S3); a no-op for stores that hold none. */
  close(): Promise<void>;
}

export type RawStoreOp = 'put' | 'get' | 'list' | 'probe';

/** Carries enough to say in a log line which store, which key and why, without any credential. */
export class RawStoreError extends Error {
  readonly op: RawStoreOp;
  readonly key: string;
  readonly location: string;
  /** True when a get found nothing under the key (as opposed to the store being unreachable). */
  readonly notFound: boolean;
  /** Attempts made by the S3 client's retry strategy, when it reported them. */
  readonly attempts: number | undefined;

  constructor(
    op: RawStoreOp,
    key: string,
    location: string,
    cause: unknown,
    extra: { notFound?: boolean; attempts?: number; reason?: string } = {},
  ) {
    const reason = extra.reason ?? (cause instanceof Error ? cause.message || cause.name : String(cause));
    const tries = extra.attempts !== undefined ? ` after ${extra.attempts} attempt(s)` : '';
    super(
      op === 'probe'
        ? `raw store ${location} cannot be used${tries}: ${reason}`
        : `raw store ${op} ${JSON.stringify(key)} at ${location} failed${tries}: ${reason}`,
      { cause },
    );
    this.name = 'RawStoreError';
    this.op = op;
    this.key = key;
    this.location = location;
    this.notFound = extra.notFound ?? false;
    this.attempts = extra.attempts;
  }
}

/**
 * Keys are relative, `/`-separated and boring. Anything that could mean something else to a
 * filesystem or a URL (absolute paths, `.`/`..` segments, backslashes, control characters) is
 * refused before it reaches either store. Segments starting with `.` are reserved for the file
 * store's temporary files, which must never be mistaken for objects.
 */
export function keyProblem(key: string, { allowEmpty = false, trailingSlash = false } = {}): string | null {
  if (key === '') return allowEmpty ? null : 'key is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'key contains a control character or backslash';
  if (key.startsWith('/')) return 'key must be relative';
  if (trailingSlash !== key.endsWith('/'))
    return trailingSlash ? 'prefix must end with /' : 'key ends with /';
  const segments = (trailingSlash ? key.slice(0, -1) : key).split('/');
  for (const s of segments) {
    if (s === '') return 'key has an empty segment';
    if (s.startsWith('.')) return `key segment ${JSON.stringify(s)} starts with "."`;
  }
  return null;
}

export function checkKey(op: RawStoreOp, key: string, location: string): void {
  const problem = keyProblem(key);
  if (problem) throw new RawStoreError(op, key, location, new Error(problem));
}

export function checkPrefix(prefix: string, location: string): void {
  const problem = keyProblem(prefix, { allowEmpty: true, trailingSlash: true });
  if (problem) throw new RawStoreError('list', prefix, location, new Error(problem));
}

/** Byte order, as S3 lists; keys here are ASCII, where it equals UTF-16 code-unit order. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
