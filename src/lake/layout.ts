/**
 * Where things live in the lake (LAKE_URL), relative to its root:
 *
 *   levels/exchange={exchange}/market={market}/date={YYYY-MM-DD}/part-00000.parquet
 *   top/…the same…   trades/…the same, by the day the trade happened…
 *   _manifest/books/exchange={exchange}/market={market}/date={YYYY-MM-DD}.json
 *   _manifest/trades/…the same, by the day the fetch arrived…
 *
 * The partitions are the raw store's own (Hive style, so every engine prunes by them); the
 * manifests sit under `_`, which Hive-convention readers skip, and record per raw-store partition
 * which raw objects are in which file.
 */
import type { Venue } from '../markets.ts';
import type { LakeTableName } from './schema.ts';

export interface Partition {
  exchange: Venue;
  market: string;
  /** UTC day, YYYY-MM-DD. */
  date: string;
}

export type ManifestKind = 'books' | 'trades';

export function partitionPath(p: Partition): string {
  return `exchange=${p.exchange}/market=${p.market}/date=${p.date}`;
}

export function tableFolder(table: LakeTableName, p: Partition): string {
  return `${table}/${partitionPath(p)}/`;
}

export function manifestKey(kind: ManifestKind, p: Partition): string {
  return `_manifest/${kind}/exchange=${p.exchange}/market=${p.market}/date=${p.date}.json`;
}

export function samePartition(a: Partition, b: Partition): boolean {
  return a.exchange === b.exchange && a.market === b.market && a.date === b.date;
}

export function partitionLabel(p: Partition): string {
  return `${p.exchange}:${p.market} ${p.date}`;
}
