/**
 * The files of one lake table in one partition, and how new rows join them. Full files never
 * change; the last one, while it has room, is rewritten whole with its rows and the new ones, and
 * published under the same name (a folder's rename or an S3 put replace an object atomically, so
 * a reader sees the old file or the new, never half of one and never a row twice). Rows that do
 * not fit go to new files. Rows already in a file never move to another.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { RawStore } from '../raw/index.ts';
import type { LakeEngine } from './engine.ts';
import { partitionLabel, tableFolder, type Partition } from './layout.ts';
import type { FileEntry } from './manifest.ts';
import { partFile, partNumber, type LakeTableName } from './schema.ts';

export interface Published {
  files: number;
  bytes: number;
}

/** One at a time: DuckDB's staging tables, appenders and queries belong to one connection. */
export class Exclusive {
  private chain: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

export interface LakeContext {
  lake: RawStore;
  engine: LakeEngine;
  /** Every use of `engine` goes through it. */
  exclusive: Exclusive;
  log: Logger;
  published: Published;
}

/** Every `part-NNNNN.parquet` of the table's partition folder, in file-number order. */
export async function partFiles(lake: RawStore, table: LakeTableName, p: Partition): Promise<string[]> {
  const folder = tableFolder(table, p);
  const { keys } = await lake.listChildren(folder);
  return keys
    .map((k) => k.slice(folder.length))
    .filter((name) => partNumber(name) !== null)
    .sort((a, b) => (partNumber(a) ?? 0) - (partNumber(b) ?? 0));
}

/** Copies a lake file into the work folder (DuckDB reads local files only: no network extension). */
export async function download(
  ctx: LakeContext,
  table: LakeTableName,
  p: Partition,
  file: string,
): Promise<{ local: string; bytes: number }> {
  const data = await ctx.lake.get(`${tableFolder(table, p)}${file}`);
  const local = path.join(ctx.engine.workDir, `in-${table}-${p.exchange}-${p.market}-${p.date}-${file}`);
  await writeFile(local, data);
  return { local, bytes: data.length };
}

/** Puts a file written in the work folder into the lake, whole; the local copy is removed unless kept. */
export async function publish(
  ctx: LakeContext,
  table: LakeTableName,
  p: Partition,
  file: string,
  local: string,
  keep = false,
): Promise<number> {
  const data = await readFile(local);
  await ctx.lake.put(`${tableFolder(table, p)}${file}`, data);
  if (!keep) await rm(local, { force: true });
  ctx.published.files++;
  ctx.published.bytes += data.length;
  ctx.log.debug({ table, partition: partitionLabel(p), file, bytes: data.length }, 'lake file published');
  return data.length;
}

/**
 * A book table's files in a partition, made to agree with the lake: entries whose file is gone are
 * dropped (their books are exported again), and files the manifest does not know, or the last file
 * (which an export killed before its manifest may have grown), are read for what they hold.
 */
export class BookTableFiles {
  readonly table: LakeTableName;
  readonly partition: Partition;
  readonly entries: FileEntry[];
  /** The local copy of the last file while it has room for more rows, else null. */
  private open: { entry: FileEntry; local: string } | null = null;
  private readonly target: number;
  private writes = 0;
  changed = false;

  private constructor(table: LakeTableName, partition: Partition, entries: FileEntry[], target: number) {
    this.table = table;
    this.partition = partition;
    this.entries = entries;
    this.target = target;
  }

  static async reconcile(
    ctx: LakeContext,
    table: LakeTableName,
    p: Partition,
    known: FileEntry[],
    target: number,
  ): Promise<BookTableFiles> {
    const present = await partFiles(ctx.lake, table, p);
    const kept = known.filter((e) => present.includes(e.file));
    const files = new BookTableFiles(table, p, kept, target);
    if (kept.length !== known.length) {
      files.changed = true;
      ctx.log.warn(
        {
          table,
          partition: partitionLabel(p),
          missing: known.filter((e) => !present.includes(e.file)).map((e) => e.file),
        },
        'lake files named by the manifest are gone: their books are exported again',
      );
    }
    const last = present.at(-1);
    for (const name of present) {
      // A file the manifest saw full was never written again; any other may hold more than it says.
      const entry = kept.find((e) => e.file === name);
      if (entry && entry.rows >= target) continue;
      const { local, bytes } = await download(ctx, table, p, name);
      const summary = await ctx.exclusive.run(() => ctx.engine.summarize(local));
      const actual: FileEntry = {
        file: name,
        rows: summary.rows,
        bytes,
        keys: [...summary.keys.keys()].sort(),
      };
      if (!entry || entry.rows !== actual.rows || entry.keys.length !== actual.keys.length)
        files.changed = true;
      files.put(actual);
      if (name === last && actual.rows < target) files.open = { entry: actual, local };
      else await rm(local, { force: true });
    }
    return files;
  }

  keys(): Set<string> {
    return new Set(this.entries.flatMap((e) => e.keys));
  }

  private put(entry: FileEntry): void {
    const at = this.entries.findIndex((e) => e.file === entry.file);
    if (at === -1) this.entries.push(entry);
    else this.entries[at] = entry;
    this.entries.sort((a, b) => (partNumber(a.file) ?? 0) - (partNumber(b.file) ?? 0));
  }

  /** Rows the file being filled can still take. */
  room(): number {
    return this.target - (this.open?.entry.rows ?? 0);
  }

  /**
   * Writes `rows` rows of books `keys` (with the open file's own rows) through `write`, into the
   * open file or, when there is none, the next new one; the file stays open while it has room.
   */
  async add(
    ctx: LakeContext,
    keys: string[],
    rows: number,
    write: (out: string, merge: string | null) => Promise<void>,
  ): Promise<void> {
    const open = this.open;
    const last = this.entries.at(-1);
    const file = open?.entry.file ?? partFile(last ? (partNumber(last.file) ?? 0) + 1 : 0);
    // A new name each time: the file being rewritten is also this write's input.
    const { exchange, market, date } = this.partition;
    const out = path.join(
      ctx.engine.workDir,
      `out-${this.table}-${exchange}-${market}-${date}-${String(++this.writes)}-${file}`,
    );
    await write(out, open?.local ?? null);
    const entry: FileEntry = {
      file,
      rows: (open?.entry.rows ?? 0) + rows,
      bytes: 0,
      keys: [...(open?.entry.keys ?? []), ...keys].sort(),
    };
    const room = entry.rows < this.target;
    entry.bytes = await publish(ctx, this.table, this.partition, file, out, room);
    this.put(entry);
    this.changed = true;
    if (open) await rm(open.local, { force: true });
    // While it has room, the file just written is the one the next rows join.
    this.open = room ? { entry, local: out } : null;
  }

  async close(): Promise<void> {
    if (this.open) await rm(this.open.local, { force: true });
    this.open = null;
  }
}
