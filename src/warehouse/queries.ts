/**
 * The warehouse queries backfill pages and checks with: which raw objects are loaded, the
 * snapshots of a range a keyset page at a time, the groups that span snapshots (a run's splits,
 * a market's forecasts), and the snapshots whose levels are past retention. Jobs decide what to
 * do with the rows; the SQL lives here.
 */
import { sql, type Kysely } from 'kysely';
import type { SplitGroup } from './derive.ts';
import type { Database } from './schema.ts';

/** A range of snapshots by received_at ([from, to)), venue and native symbol. */
export interface SnapshotRange {
  from?: Date | undefined;
  to?: Date | undefined;
  exchange?: string | undefined;
  market?: string | undefined;
}

/** The tables that record a loaded raw object under its raw key. */
export type RawKeyTable = 'orderbook.fact_snapshot' | 'orderbook.fact_trade_fetch';

/** Of these raw keys, those the table already holds. */
export async function presentKeys(
  db: Kysely<Database>,
  table: RawKeyTable,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select('raw_key')
    .where('raw_key', '=', sql<string>`any(${keys}::text[])`)
    .execute();
  return new Set(rows.map((r) => r.raw_key));
}

/** Up to `limit` snapshot ids of the range after `after`, in id order. */
export async function snapshotIdPage(
  db: Kysely<Database>,
  range: SnapshotRange,
  after: string,
  limit: number,
): Promise<string[]> {
  let query = db
    .selectFrom('orderbook.fact_snapshot as s')
    .innerJoin('orderbook.dim_market as m', 'm.market_id', 's.market_id')
    .innerJoin('orderbook.dim_exchange as e', 'e.exchange_id', 'm.exchange_id')
    .select('s.snapshot_id')
    // Keyset pagination: each page is an index range scan, whatever the depth.
    .where('s.snapshot_id', '>', after)
    .orderBy('s.snapshot_id')
    .limit(limit);
  if (range.from) query = query.where('s.received_at', '>=', range.from);
  if (range.to) query = query.where('s.received_at', '<', range.to);
  if (range.exchange) query = query.where('e.code', '=', range.exchange);
  if (range.market) query = query.where('m.symbol', '=', range.market);
  return (await query.execute()).map((r) => r.snapshot_id);
}

/** The range's filters on fact_snapshot s (joined to dim_market m and dim_exchange e). */
function rangeFilter(range: SnapshotRange) {
  return sql.join(
    [
      sql`true`,
      ...(range.from ? [sql`s.received_at >= ${range.from}`] : []),
      ...(range.to ? [sql`s.received_at < ${range.to}`] : []),
      ...(range.exchange ? [sql`e.code = ${range.exchange}`] : []),
      ...(range.market ? [sql`m.symbol = ${range.market}`] : []),
    ],
    sql` and `,
  );
}

/** Every run × base (of a USD-quoted market) the range's snapshots belong to, in that order. */
export async function splitGroups(db: Kysely<Database>, range: SnapshotRange): Promise<SplitGroup[]> {
  const { rows } = await sql<SplitGroup>`
    select distinct s.run_id as "runId", b.code as base
    from orderbook.fact_snapshot s
    join orderbook.dim_market m on m.market_id = s.market_id
    join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
    join orderbook.dim_asset b on b.asset_id = m.base_asset_id
    join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd
    where ${rangeFilter(range)}
    order by "runId", base`.execute(db);
  return rows;
}

/** The snapshots a split of these groups compares: the whole run's books of the base, in range or not. */
export async function splitGroupBooks(
  db: Kysely<Database>,
  groups: readonly SplitGroup[],
): Promise<string[]> {
  const runs = groups.map((g) => g.runId);
  const bases = groups.map((g) => g.base);
  const { rows } = await sql<{ snapshot_id: string }>`
    select s.snapshot_id
    from unnest(${runs}::uuid[], ${bases}::text[]) as g (run_id, base)
    join orderbook.fact_snapshot s on s.run_id = g.run_id
    join orderbook.dim_market m on m.market_id = s.market_id
    join orderbook.dim_asset b on b.asset_id = m.base_asset_id and b.code = g.base
    join orderbook.dim_asset q on q.asset_id = m.quote_asset_id and q.is_usd`.execute(db);
  return rows.map((r) => r.snapshot_id);
}

/** The markets with snapshots in the range, by id. */
export async function marketsInRange(db: Kysely<Database>, range: SnapshotRange): Promise<number[]> {
  const { rows } = await sql<{ market_id: number }>`
    select distinct s.market_id
    from orderbook.fact_snapshot s
    join orderbook.dim_market m on m.market_id = s.market_id
    join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
    where ${rangeFilter(range)}
    order by s.market_id`.execute(db);
  return rows.map((r) => r.market_id);
}

/** Where a page in time order ended: the last snapshot's received_at and id. */
export interface TimeCursor {
  at: Date;
  id: string;
}

/** Up to `limit` snapshots of one market in the range after `after`, in (received_at, id) order. */
export async function marketSnapshotPage(
  db: Kysely<Database>,
  marketId: number,
  range: SnapshotRange,
  after: TimeCursor | null,
  limit: number,
): Promise<{ snapshot_id: string; received_at: Date }[]> {
  const { rows } = await sql<{ snapshot_id: string; received_at: Date }>`
    select s.snapshot_id, s.received_at
    from orderbook.fact_snapshot s
    join orderbook.dim_market m on m.market_id = s.market_id
    join orderbook.dim_exchange e on e.exchange_id = m.exchange_id
    where s.market_id = ${marketId} and ${rangeFilter(range)}
      and ${after ? sql`(s.received_at, s.snapshot_id) > (${after.at}, ${after.id}::bigint)` : sql`true`}
    order by s.received_at, s.snapshot_id
    limit ${limit}`.execute(db);
  return rows;
}

export interface LevelsGone {
  snapshot_id: string;
  raw_key: string;
  received_at: Date;
}

/** Of these snapshots, those that stored levels but have none now, as rows or compact: past LEVEL_RETENTION_DAYS. */
export async function snapshotsWithoutLevels(
  db: Kysely<Database>,
  snapshotIds: readonly string[],
): Promise<LevelsGone[]> {
  const { rows } = await sql<LevelsGone>`
    select s.snapshot_id, s.raw_key, s.received_at
    from orderbook.fact_snapshot s
    where s.snapshot_id = any(${snapshotIds}::bigint[])
      and s.stored_levels > 0
      and not exists (select 1 from orderbook.fact_level_all l where l.snapshot_id = s.snapshot_id)
    order by s.snapshot_id`.execute(db);
  return rows;
}

/** Removes these snapshots' levels (ones read again only to derive them). */
export async function deleteLevels(db: Kysely<Database>, snapshotIds: readonly string[]): Promise<void> {
  await sql`delete from orderbook.fact_level where snapshot_id = any(${snapshotIds}::bigint[])`.execute(db);
}
