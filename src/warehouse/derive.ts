/**
 * Derived metrics (fact_top, fact_depth, fact_fill, fact_reach, and for sizing fact_cost_curve
 * and fact_size_limit) for a set of snapshots, computed in the database by the SQL in sql/derive/ —
 * the one place each metric is defined. The same call serves one freshly loaded snapshot and a
 * backfill's thousands: it is set-based either way. Facts that span snapshots — a run's optimal
 * split across venues, a market's forecasts over its trailing window — are derived by their own
 * calls once the snapshots they read are derived.
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
  /** FORECAST_WINDOW: snapshots in each forecast's regression (config.ts's default when left out). */
  forecastWindow?: number;
}

const TOP = sqlFile('sql/derive/top.sql');
const DEPTH = sqlFile('sql/derive/depth.sql');
const REACH = sqlFile('sql/derive/reach.sql');
const FILL = sqlFile('sql/derive/fill.sql');
const SIZE_LIMIT = sqlFile('sql/derive/size_limit.sql');
const SPLIT = sqlFile('sql/derive/split.sql');
const FORECAST_TARGETS = sqlFile('sql/derive/forecast_targets.sql');
const FORECAST = sqlFile('sql/derive/forecast.sql');
const FORECAST_ERROR_TARGETS = sqlFile('sql/derive/forecast_error_targets.sql');
const FORECAST_ERROR = sqlFile('sql/derive/forecast_error.sql');
const FORECAST_ERROR_WINDOWS = sqlFile('sql/derive/forecast_error_windows.sql');
const SPREAD_ROLLING_TARGETS = sqlFile('sql/derive/spread_rolling_targets.sql');
const SPREAD_ROLLING = sqlFile('sql/derive/spread_rolling.sql');

// Advisory locks (class 1702: a run × base, 1703: a market): derivations of one split group, or
// of one market's trailing facts, take turns; each reads rows the other may be replacing. Taken in
// one order, so two derivations of overlapping sets cannot deadlock.
const LOCK_SPLIT_GROUPS = `select pg_advisory_xact_lock(1702, hashtext(g.run_id::text || '/' || g.base))
from unnest($1::uuid[], $2::text[]) with ordinality as g (run_id, base, n) order by g.n`;
const LOCK_FORECAST_MARKETS = `select pg_advisory_xact_lock(1703, m.market_id)
from (select distinct market_id from orderbook.fact_snapshot where snapshot_id = any ($1::bigint[])) m
order by m.market_id`;
// Per market, when the scores of these forecasts became known: the span whose trailing windows
// (and those reaching 7 d past it, forecast_error_windows.sql) a change to them moves. As text,
// so that no precision is lost on the way back in.
const SCORE_SPANS = `select s.market_id, min(e.actual_at)::text as lo, max(e.actual_at)::text as hi
from orderbook.fact_forecast_error e
join orderbook.fact_snapshot s on s.snapshot_id = e.snapshot_id
where e.snapshot_id = any ($1::bigint[])
group by s.market_id`;
const DELETE_SPLITS = `delete from orderbook.fact_split f
using unnest($1::uuid[], $2::text[]) as g (run_id, base), orderbook.dim_asset b
where b.code = g.base and f.run_id = g.run_id and f.base_asset_id = b.asset_id`;

// fill.sql is a query: one walk of the books prices every size, and its rows go to fact_fill
// (NOTIONALS_USD) and to fact_cost_curve (COST_CURVE_USD); a size in both lists goes to both.
// Its output columns carry these names, so they are copied by name: a column fill.sql does not
// name is an error, not a value in the wrong column.
const FILL_COLUMNS = `snapshot_id, side, notional_usd, filled_base, avg_price, worst_price, levels_used,
  slippage_bps, fee_bps, fee_usd, all_in_price, fully_filled`;
// Each table's rows go in primary-key order: their index entries then land at the right edge and
// the pages fill; out of order, a backfill's derive left the cost curve's index 60% full
// (sql/derive/size_limit.sql does the same). Books still finish out of id order, which the
// indexes' default fillfactor absorbs (migration 0022).
const INSERT_FILLS = `with fill as materialized (
${FILL}
),
into_fill as (
  insert into orderbook.fact_fill (${FILL_COLUMNS})
  select ${FILL_COLUMNS} from fill where notional_usd = any ($5::numeric[])
  order by snapshot_id, side, notional_usd
)
insert into orderbook.fact_cost_curve (${FILL_COLUMNS})
select ${FILL_COLUMNS} from fill where notional_usd = any ($6::numeric[])
order by snapshot_id, side, notional_usd`;

const DERIVED = [
  'orderbook.fact_reach',
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
  await db.executeQuery(CompiledQuery.raw(REACH, [ids]));
  const { notionalsUsd, costCurveUsd } = settings;
  const sizes = [...notionalsUsd, ...costCurveUsd];
  await db.executeQuery(
    CompiledQuery.raw(INSERT_FILLS, [ids, sizes, codes, fees, notionalsUsd, costCurveUsd]),
  );
  await db.executeQuery(CompiledQuery.raw(SIZE_LIMIT, [ids, settings.slippageBpsThresholds]));
}

/**
 * Replaces fact_reach of these snapshots from their stored levels (a snapshot whose levels are
 * past retention gets none: a derive-only backfill reads them again from raw). For books stored
 * before fact_reach existed; deriveSnapshots derives it with the other metrics.
 */
export async function deriveReach(db: Kysely<Database>, snapshotIds: readonly string[]): Promise<void> {
  if (snapshotIds.length === 0) return;
  const ids = [...snapshotIds];
  await db
    .deleteFrom('orderbook.fact_reach')
    .where('snapshot_id', '=', sql<string>`any(${ids}::bigint[])`)
    .execute();
  await db.executeQuery(CompiledQuery.raw(REACH, [ids]));
}

/** A run's books of one base asset: the venues one split compares. */
export interface SplitGroup {
  runId: string;
  base: string;
}

/**
 * Replaces the stored optimal splits (fact_split) of these run × base groups, from the levels
 * and fills of the groups' books as the warehouse has them now. A book loaded into a run derives
 * its group again, so the split always compares every book of the run loaded so far.
 */
export async function deriveSplits(db: Kysely<Database>, groups: readonly SplitGroup[]): Promise<void> {
  const unique = [...new Map(groups.map((g) => [`${g.runId}/${g.base}`, g])).values()].sort((a, b) =>
    `${a.runId}/${a.base}` < `${b.runId}/${b.base}` ? -1 : 1,
  );
  if (unique.length === 0) return;
  const runs = unique.map((g) => g.runId);
  const bases = unique.map((g) => g.base);
  await db.executeQuery(CompiledQuery.raw(LOCK_SPLIT_GROUPS, [runs, bases]));
  await db.executeQuery(CompiledQuery.raw(DELETE_SPLITS, [runs, bases]));
  await db.executeQuery(CompiledQuery.raw(SPLIT, [runs, bases]));
}

/**
 * Replaces a market's stored facts over trailing windows that these snapshots can move: the
 * forecasts (fact_forecast) and their scores (fact_forecast_error), and the rolling spread
 * averages (fact_spread_rolling). Forecasts: their own, the FORECAST_WINDOW − 1 after each
 * market's latest (whose windows reach back over them), and the score of the snapshot before
 * each market's earliest (its next snapshot may be a new one). Spread averages: their own and
 * those of the snapshots up to 24 h or FORECAST_WINDOW − 1 snapshots after. Needs fact_top of the
 * snapshots. Returns how many forecasts were derived.
 */
export async function deriveTrailing(
  db: Kysely<Database>,
  snapshotIds: readonly string[],
  window: number,
): Promise<number> {
  if (snapshotIds.length === 0) return 0;
  const ids = [...snapshotIds];
  await db.executeQuery(CompiledQuery.raw(LOCK_FORECAST_MARKETS, [ids]));
  const targets = (
    await db.executeQuery<{ snapshot_id: string }>(CompiledQuery.raw(FORECAST_TARGETS, [ids, window]))
  ).rows.map((r) => r.snapshot_id);
  await db
    .deleteFrom('orderbook.fact_forecast')
    .where('snapshot_id', '=', sql<string>`any(${targets}::bigint[])`)
    .execute();
  await db.executeQuery(CompiledQuery.raw(FORECAST, [targets, window]));
  const scored = (
    await db.executeQuery<{ snapshot_id: string }>(CompiledQuery.raw(FORECAST_ERROR_TARGETS, [targets]))
  ).rows.map((r) => r.snapshot_id);
  const before = await scoreSpans(db, scored);
  await db
    .deleteFrom('orderbook.fact_forecast_error')
    .where('snapshot_id', '=', sql<string>`any(${scored}::bigint[])`)
    .execute();
  await db.executeQuery(CompiledQuery.raw(FORECAST_ERROR, [scored]));
  await deriveScoreWindows(db, [...before, ...(await scoreSpans(db, scored))]);
  const rolling = (
    await db.executeQuery<{ snapshot_id: string }>(CompiledQuery.raw(SPREAD_ROLLING_TARGETS, [ids, window]))
  ).rows.map((r) => r.snapshot_id);
  await deriveSpreadRolling(db, rolling, window);
  return targets.length;
}

interface ScoreSpan {
  market_id: number;
  lo: string;
  hi: string;
}

async function scoreSpans(db: Kysely<Database>, snapshotIds: string[]): Promise<ScoreSpan[]> {
  if (snapshotIds.length === 0) return [];
  return (await db.executeQuery<ScoreSpan>(CompiledQuery.raw(SCORE_SPANS, [snapshotIds]))).rows;
}

/**
 * The window columns of the scores known within these spans (old and new places of the scores
 * a derive replaced) or up to 7 d after them: every score whose trailing window holds one of them.
 */
async function deriveScoreWindows(db: Kysely<Database>, spans: ScoreSpan[]): Promise<void> {
  if (spans.length === 0) return;
  await db.executeQuery(
    CompiledQuery.raw(FORECAST_ERROR_WINDOWS, [
      spans.map((p) => p.market_id),
      spans.map((p) => p.lo),
      spans.map((p) => p.hi),
    ]),
  );
}

/**
 * Replaces fact_spread_rolling of exactly these snapshots (deriveTrailing finds the others that
 * move). In a transaction: the market locks are held to its end.
 */
export async function deriveSpreadRolling(
  db: Kysely<Database>,
  snapshotIds: readonly string[],
  window: number,
): Promise<void> {
  if (snapshotIds.length === 0) return;
  const ids = [...snapshotIds];
  await db.executeQuery(CompiledQuery.raw(LOCK_FORECAST_MARKETS, [ids]));
  await db
    .deleteFrom('orderbook.fact_spread_rolling')
    .where('snapshot_id', '=', sql<string>`any(${ids}::bigint[])`)
    .execute();
  await db.executeQuery(CompiledQuery.raw(SPREAD_ROLLING, [ids, window]));
}
