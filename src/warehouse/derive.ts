/**
 * Derived metrics (fact_top, fact_depth, fact_fill, and for sizing fact_cost_curve and
 * fact_size_limit) for a set of snapshots, computed in the database by the SQL in sql/derive/ —
 * the one place each metric is defined. The same call serves one freshly loaded snapshot and a
 * backfill's thousands: it is set-based either way.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Venue } from '../markets.ts';
import type { Database } from './schema.ts';
import { sqlFile } from './sqlfiles.ts';

export interface DeriveSettings {
  notionalsUsd: string[];
  depthBandsBps: number[];
  takerFeeBps: Record<Venue, string>;
  /** COST_CURVE_USD: sizes priced into fact_cost_curve, decimal strings. */
  costCurveUsd: string[];
  /** SLIPPAGE_BPS_THRESHOLDS: thresholds of fact_size_limit, decimal strings. */
  slippageBpsThresholds: string[];
}

const TOP = sqlFile('sql/derive/top.sql');
const DEPTH = sqlFile('sql/derive/depth.sql');
const FILL = sqlFile('sql/derive/fill.sql');
const SIZE_LIMIT = sqlFile('sql/derive/size_limit.sql');

// fill.sql is a query: one walk of the books prices every size, and its rows go to fact_fill
// (NOTIONALS_USD) and to fact_cost_curve (COST_CURVE_USD); a size in both lists goes to both.
// Its output columns carry these names, so they are copied by name: a column fill.sql does not
// name is an error, not a value in the wrong column.
const FILL_COLUMNS = `snapshot_id, side, notional_usd, filled_base, avg_price, worst_price, levels_used,
  slippage_bps, fee_bps, fee_usd, all_in_price, fully_filled`;
const INSERT_FILLS = `with fill as materialized (
${FILL}
),
into_fill as (
  insert into orderbook.fact_fill (${FILL_COLUMNS})
  select ${FILL_COLUMNS} from fill where notional_usd = any ($5::numeric[])
)
insert into orderbook.fact_cost_curve (${FILL_COLUMNS})
select ${FILL_COLUMNS} from fill where notional_usd = any ($6::numeric[])`;

const DERIVED = [
  'orderbook.fact_size_limit',
  'orderbook.fact_cost_curve',
  'orderbook.fact_fill',
  'orderbook.fact_depth',
  'orderbook.fact_top',
] as const;

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
  for (const table of DERIVED) {
    await db
      .deleteFrom(table)
      .where('snapshot_id', '=', sql<string>`any(${ids}::bigint[])`)
      .execute();
  }
  const codes = Object.keys(settings.takerFeeBps);
  const fees = Object.values(settings.takerFeeBps);
  await db.executeQuery(CompiledQuery.raw(TOP, [ids]));
  await db.executeQuery(CompiledQuery.raw(DEPTH, [ids, settings.depthBandsBps]));
  const { notionalsUsd, costCurveUsd } = settings;
  const sizes = [...notionalsUsd, ...costCurveUsd];
  await db.executeQuery(
    CompiledQuery.raw(INSERT_FILLS, [ids, sizes, codes, fees, notionalsUsd, costCurveUsd]),
  );
  await db.executeQuery(CompiledQuery.raw(SIZE_LIMIT, [ids, settings.slippageBpsThresholds]));
}
