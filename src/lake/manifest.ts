/**
 * The lake's manifests: one JSON object per raw-store partition and kind, saying which raw objects
 * are exported. For books it names, per table, each file and the raw keys in it; for trades the
 * fetches taken in (a trade is keyed on its own id, so taking a fetch in twice changes nothing).
 * Objects that will never give rows (error responses, books with a value no column can hold) are
 * recorded with the reason, so a rerun neither retries nor loses them.
 *
 * The files are the truth and the manifest an index of them: it is written after the files it
 * describes, and a partition whose files say more than its manifest (an export killed between the
 * two) is read again from its files (export.ts). Deleting a manifest is therefore always safe.
 */
import { z } from 'zod';
import { VENUES } from '../markets.ts';
import { RawStoreError, type RawStore } from '../raw/index.ts';
import { manifestKey, type ManifestKind, type Partition } from './layout.ts';

const fileEntry = z.object({
  file: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  keys: z.array(z.string()),
});
export type FileEntry = z.infer<typeof fileEntry>;

const skip = z.object({ key: z.string(), reason: z.string() });
export type Skipped = z.infer<typeof skip>;

const head = {
  v: z.literal(1),
  exchange: z.enum(VENUES),
  market: z.string(),
  date: z.string(),
  skipped: z.array(skip),
  updated_at: z.string(),
};

const booksManifest = z.object({
  ...head,
  kind: z.literal('books'),
  levels: z.array(fileEntry),
  top: z.array(fileEntry),
});
export type BooksManifest = z.infer<typeof booksManifest>;

const tradesManifest = z.object({ ...head, kind: z.literal('trades'), keys: z.array(z.string()) });
export type TradesManifest = z.infer<typeof tradesManifest>;

function empty(kind: ManifestKind, p: Partition): BooksManifest | TradesManifest {
  const base = {
    v: 1 as const,
    exchange: p.exchange,
    market: p.market,
    date: p.date,
    skipped: [],
    updated_at: '',
  };
  return kind === 'books' ? { ...base, kind, levels: [], top: [] } : { ...base, kind, keys: [] };
}

/** The partition's manifest, or an empty one when it has none yet. */
export async function readManifest(lake: RawStore, kind: 'books', p: Partition): Promise<BooksManifest>;
export async function readManifest(lake: RawStore, kind: 'trades', p: Partition): Promise<TradesManifest>;
export async function readManifest(
  lake: RawStore,
  kind: ManifestKind,
  p: Partition,
): Promise<BooksManifest | TradesManifest> {
  const key = manifestKey(kind, p);
  let bytes: Buffer;
  try {
    bytes = await lake.get(key);
  } catch (error) {
    if (error instanceof RawStoreError && error.notFound) return empty(kind, p);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(
      `lake manifest ${key} is not JSON (${(error as Error).message}): remove it and the next export rebuilds it from the files`,
      { cause: error },
    );
  }
  const parsed = (kind === 'books' ? booksManifest : tradesManifest).safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `lake manifest ${key} is not a ${kind} manifest: remove it and the next export rebuilds it from the files`,
    );
  }
  return parsed.data;
}

export async function writeManifest(lake: RawStore, manifest: BooksManifest | TradesManifest): Promise<void> {
  manifest.updated_at = new Date().toISOString();
  await lake.put(manifestKey(manifest.kind, manifest), Buffer.from(`${JSON.stringify(manifest)}\n`));
}
