/**
 * The typed reader of what `npm run report` shows: the newest book of every market (v_latest)
 * and the venue to prefer (v_best_venue). It reads only the analysts' views, so every figure is
 * the view's; values stay exact decimal strings (rounded for display by report/, never through
 * a float).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { camelized, type Snaked } from '../../util/camel.ts';

export type FillSide = 'buy' | 'sell';

/** One fill of the market's newest snapshot (v_latest's fill columns). */
export interface MarketFill {
  side: FillSide;
  notionalUsd: string;
  avgPrice: string;
  allInPrice: string;
  slippageBps: string;
  feeUsd: string;
  /** False: the stored book could not fill the whole amount; prices are over what it holds. */
  fullyFilled: boolean;
}

/** The newest snapshot of one market (v_latest). Decimal strings exactly as the view gives them. */
export interface MarketRow {
  exchange: string;
  market: string;
  base: string;
  quote: string;
  snapshotId: string;
  runId: string;
  /** ISO 8601, UTC, to the microsecond. */
  capturedAt: string;
  /** Null only when the snapshot has no derived top of book yet. */
  bestBid: string | null;
  bestAsk: string | null;
  midPrice: string | null;
  spread: string | null;
  spreadBps: string | null;
  /** By notional, buy before sell; empty for a market quoted in neither USD nor a USD stablecoin. */
  fills: MarketFill[];
}

/** One row of v_best_venue for the newest run in it. */
export interface BestVenueRow {
  runId: string;
  capturedAt: string;
  base: string;
  side: FillSide;
  notionalUsd: string;
  exchange: string;
  market: string;
  allInPrice: string;
  avgPrice: string;
  /** Null when only one venue could fill the order. */
  runnerUpExchange: string | null;
  runnerUpMarket: string | null;
  runnerUpAllInPrice: string | null;
  advantageBps: string | null;
}

export interface ReportData {
  /** When the report was read (ISO 8601); ages are measured from it. */
  generatedAt: string;
  /** By exchange, then market. */
  markets: MarketRow[];
  /** By base, side (buy first), notional. */
  bestVenues: BestVenueRow[];
}

// timestamptz as ISO 8601 in UTC, made by the database so no driver's Date rounds it.
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

interface LatestSqlRow {
  exchange: string;
  market: string;
  base: string;
  quote: string;
  snapshot_id: string;
  run_id: string;
  captured_at: string;
  best_bid: string | null;
  best_ask: string | null;
  mid_price: string | null;
  spread: string | null;
  spread_bps: string | null;
  side: FillSide | null;
  notional_usd: string | null;
  avg_price: string | null;
  all_in_price: string | null;
  slippage_bps: string | null;
  fee_usd: string | null;
  fully_filled: boolean | null;
}

type BestVenueSqlRow = Snaked<BestVenueRow>;

/** PostgreSQL's undefined_table and invalid_schema_name: a database no run has set up yet. */
const NOT_SET_UP = new Set(['42P01', '3F000']);

/**
 * Reads the report from the views. Needs only SELECT on them (the read-only role will do), and
 * reads a database no run has set up yet as an empty warehouse.
 */
export async function loadReport(db: Kysely<Database>): Promise<ReportData> {
  const generatedAt = new Date().toISOString();
  try {
    return await readViews(db, generatedAt);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && NOT_SET_UP.has(code)) return { generatedAt, markets: [], bestVenues: [] };
    throw error;
  }
}

async function readViews(db: Kysely<Database>, generatedAt: string): Promise<ReportData> {
  const latest = await sql<LatestSqlRow>`
    select exchange, market, base, quote, snapshot_id::text as snapshot_id, run_id::text as run_id,
      to_char(captured_at at time zone 'UTC', ${sql.raw(ISO_UTC)}) as captured_at,
      best_bid::text as best_bid, best_ask::text as best_ask, mid_price::text as mid_price,
      spread::text as spread, spread_bps::text as spread_bps,
      side, notional_usd::text as notional_usd, avg_price::text as avg_price,
      all_in_price::text as all_in_price, slippage_bps::text as slippage_bps, fee_usd::text as fee_usd,
      fully_filled
    from orderbook.v_latest l
    order by l.exchange, l.market, l.snapshot_id, l.notional_usd, l.side`.execute(db);

  // v_best_venue is computed over all history; read it once and keep the newest run's rows.
  // (Orderings name the view's columns: the ::text aliases would sort numbers as text.)
  const best = await sql<BestVenueSqlRow>`
    with best as (select * from orderbook.v_best_venue)
    select run_id::text as run_id,
      to_char(captured_at at time zone 'UTC', ${sql.raw(ISO_UTC)}) as captured_at,
      base, side, notional_usd::text as notional_usd, exchange, market,
      all_in_price::text as all_in_price, avg_price::text as avg_price,
      runner_up_exchange, runner_up_market, runner_up_all_in_price::text as runner_up_all_in_price,
      advantage_bps::text as advantage_bps
    from best
    where run_id = (select run_id from best order by captured_at desc, run_id desc limit 1)
    order by best.base, best.side, best.notional_usd`.execute(db);

  const markets: MarketRow[] = [];
  const bySnapshot = new Map<string, MarketRow>();
  for (const r of latest.rows) {
    let row = bySnapshot.get(r.snapshot_id);
    if (!row) {
      row = {
        exchange: r.exchange,
        market: r.market,
        base: r.base,
        quote: r.quote,
        snapshotId: r.snapshot_id,
        runId: r.run_id,
        capturedAt: r.captured_at,
        bestBid: r.best_bid,
        bestAsk: r.best_ask,
        midPrice: r.mid_price,
        spread: r.spread,
        spreadBps: r.spread_bps,
        fills: [],
      };
      bySnapshot.set(r.snapshot_id, row);
      markets.push(row);
    }
    if (r.side !== null && r.notional_usd !== null) {
      row.fills.push({
        side: r.side,
        notionalUsd: r.notional_usd,
        avgPrice: r.avg_price ?? '',
        allInPrice: r.all_in_price ?? '',
        slippageBps: r.slippage_bps ?? '',
        feeUsd: r.fee_usd ?? '',
        fullyFilled: r.fully_filled === true,
      });
    }
  }

  const bestVenues: BestVenueRow[] = best.rows.map(camelized);

  return { generatedAt, markets, bestVenues };
}
