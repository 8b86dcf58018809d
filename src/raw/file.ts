/** Raw store in a local folder: the zero-setup default (`file://DATA_DIR/raw`). */
import { constants } from 'node:fs';
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomically } from '../util/atomic-write.ts';
import { makeFolder } from '../util/make-folder.ts';
import { RawStoreError, byteOrder, checkKey, checkPrefix, type ListResult, type RawStore } from './store.ts';

export class FileRawStore implements RawStore {
  readonly location: string;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  async probe(): Promise<void> {
    try {
      await makeFolder(this.root);
      await access(this.root, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new RawStoreError('probe', '', this.location, err);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves a checked key and re-checks containment, so no key can ever land outside the root. */
  private pathOf(op: 'put' | 'get' | 'list', key: string): string {
    const full = path.resolve(this.root, ...key.split('/').filter((s) => s !== ''));
    if (full !== this.root && !full.startsWith(this.root + path.sep)) {
      throw new RawStoreError(op, key, this.location, new Error('key escapes the store root'));
    }
    return full;
  }

  async put(key: string, data: Buffer): Promise<void> {
    checkKey('put', key, this.location);
    const target = this.pathOf('put', key);
    try {
      // Its temporary file has a dot prefix: out of listings, and never a real key (keys refuse it).
      await writeFileAtomically(target, data);
    } catch (err) {
      throw new RawStoreError('put', key, this.location, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey('get', key, this.location);
    const file = this.pathOf('get', key);
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RawStoreError('get', key, this.location, err, {
        notFound: code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR',
      });
    }
  }

  async listChildren(prefix: string): Promise<ListResult> {
    checkPrefix(prefix, this.location);
    const dir = this.pathOf('list', prefix);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Like S3, listing a prefix that holds nothing is an empty result, not an error.
      if (code === 'ENOENT' || code === 'ENOTDIR') return { prefixes: [], keys: [] };
      throw new RawStoreError('list', prefix, this.location, err);
    }
    const prefixes: string[] = [];
    const keys: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) prefixes.push(`${prefix}${e.name}/`);
      else if (e.isFile()) keys.push(`${prefix}${e.name}`);
    }
    return { prefixes: prefixes.sort(byteOrder), keys: keys.sort(byteOrder) };
  }
}
