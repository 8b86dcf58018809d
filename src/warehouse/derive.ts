/**
 * Derived metrics (fact_top, fact_depth, fact_fill) for a set of snapshots, computed in the
 * database by the SQL in sql/derive/ — the one place each metric is defined. The same call
 * serves one freshly loaded snapshot and a backfill's thousands: it is set-based either way.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Venue } from '../markets.ts';
import type { Database } from './schema.ts';
import { sqlFile } from './sqlfiles.ts';

export interface DeriveSettings {
  notionalsUsd: string[];
  depthBandsBps: number[];
  takerFeeBps: Record<Venue, string>;
}

const TOP = sqlFile('sql/derive/top.sql');
const DEPTH = sqlFile('sql/derive/depth.sql');
const FILL = sqlFile('sql/derive/fill.sql');

/**
 * Replaces the derived rows of these snapshots. Run it inside the caller's transaction (a
 * Kysely Transaction is a Kysely), so a snapshot is never seen with half its metrics.
 */
export async function deriveSnapshots(
  db: Kysely<Database>,
  snapshotIds: readonly string[],
  settings: DeriveSettings,
): Promise<void> {
  if (snapshotIds.length === 0) return;
  const ids = [...snapshotIds];
  // Derives of the same snapshots (two backfills, or a backfill and --derive-only) would each
  // delete what the other has not committed yet and then collide on insert. Locking the
  // snapshot rows, in id order so two batches cannot deadlock, makes them take turns.
  await db
    .selectFrom('orderbook.fact_snapshot')
    .select('snapshot_id')
    .where('snapshot_id', '=', sql<string>`any(${ids}::bigint[])`)
    .orderBy('snapshot_id')
    .forNoKeyUpdate()
    .execute();
  for (const table of ['orderbook.fact_fill', 'orderbook.fact_depth', 'orderbook.fact_top'] as const) {
    await db
      .deleteFrom(table)
      .where('snapshot_id', '=', sql<string>`any(${ids}::bigint[])`)
      .execute();
  }
  const codes = Object.keys(settings.takerFeeBps);
  const fees = Object.values(settings.takerFeeBps);
  await db.executeQuery(CompiledQuery.raw(TOP, [ids]));
  await db.executeQuery(CompiledQuery.raw(DEPTH, [ids, settings.depthBandsBps]));
  await db.executeQuery(CompiledQuery.raw(FILL, [ids, settings.notionalsUsd, codes, fees]));
}
