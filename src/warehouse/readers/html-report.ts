/**
 * The typed reader of what the HTML report (`npm run report -- --html FILE`) shows, from the views
 * only (v_latest, v_book_levels, v_book_top, v_depth, v_max_size, v_cost_curve, v_snapshot,
 * v_optimal_split), so it works as the read-only orderbook_reader and every figure is the
 * view's. Values stay exact decimal strings; src/report/html.ts draws them.
 */
import { sql, type Kysely } from 'kysely';
import { compareDecimal, trimDecimal } from '../../util/decimal.ts';
import { camelized } from '../../util/camel.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../schema.ts';
import { loadReport, type FillSide, type MarketRow } from './report.ts';

export interface DepthPoint {
  price: string;
  /** USD (quote) from the best level through this one. */
  cumQuote: string;
}

export interface HistoryPoint {
  capturedAt: string;
  midPrice: string;
  spreadBps: string;
}

export interface SizeLimit {
  side: FillSide;
  thresholdBps: string;
  maxNotionalUsd: string;
  maxBase: string;
  levelsUsed: number;
  bookExhausted: boolean;
}

/** Liquidity within one DEPTH_BANDS_BPS band around mid (v_depth). */
export interface DepthBand {
  bandBps: string;
  bidBase: string;
  bidQuote: string;
  askBase: string;
  askQuote: string;
}

export interface CostPoint {
  side: FillSide;
  notionalUsd: string;
  fullyFilled: boolean;
  allInPrice: string | null;
  allInCostBps: string | null;
  slippageBps: string | null;
}

export interface MarketReport extends MarketRow {
  /** Levels of the newest book out to twice the largest cost-curve size, best first. */
  bids: DepthPoint[];
  asks: DepthPoint[];
  /** Oldest first. */
  history: HistoryPoint[];
  /** By band, narrowest first. */
  depthBands: DepthBand[];
  sizeLimits: SizeLimit[];
  costCurve: CostPoint[];
  /** How far each stored side reaches from mid and what ended it (v_reach), bid first. */
  reach: Reach[];
  /** Why the book cannot be taken as shown (v_snapshot.not_executable_reason); null when it can. */
  notExecutable: string | null;
}

export interface Reach {
  side: 'bid' | 'ask';
  reachBps: string | null;
  /** Null: the venue's whole side was captured. */
  cut: 'venue_depth_limit' | 'levels_within_bps' | null;
  /** Levels a side asked of the venue; null when it sends its whole book. */
  depthLimit: number | null;
}

export interface SplitVenue {
  exchange: string;
  market: string;
  usdAmount: string;
  baseAmount: string;
  sharePct: string;
  feeUsd: string;
}

export interface SplitOrder {
  side: FillSide;
  notionalUsd: string;
  venues: SplitVenue[];
  filledUsd: string;
  blendedAllInPrice: string | null;
  fullyFilled: boolean;
  bestSingleExchange: string | null;
  bestSingleMarket: string | null;
  bestSingleAllInPrice: string | null;
  savingBps: string | null;
}

export interface AssetReport {
  base: string;
  /** The newest run with a USD-priced book of this asset; null when there is none. */
  runId: string | null;
  capturedAt: string | null;
  /** Buy before sell, then by size. */
  orders: SplitOrder[];
}

/** What decides what is stored: from the report's own environment, which the warehouse does not record. */
export type StorageSettings = Pick<Config, 'levelsWithinBps' | 'levelRetentionDays' | 'binanceDepthLimit'>;

/**
 * What the page's figures rest on. All but `storage` are read from the views of the books shown,
 * so they are what the runs applied even when today's settings differ.
 */
export interface Assumptions {
  /** Taker fee per exchange (TAKER_FEE_BPS), bps; more than one when it changed between the books. */
  fees: { exchange: string; feeBps: string[] }[];
  /** Quote assets other than USD counted as USD (USD_STABLECOINS), among the books shown. */
  usdStablecoins: string[];
  /** NOTIONALS_USD, COST_CURVE_USD, SLIPPAGE_BPS_THRESHOLDS and DEPTH_BANDS_BPS, ascending. */
  notionalsUsd: string[];
  costCurveUsd: string[];
  slippageThresholdsBps: string[];
  depthBandsBps: string[];
  /**
   * Levels a side each venue's books shown were asked for (v_reach.depth_limit), ascending; null
   * for a venue that sends its whole book (Coinbase).
   */
  depthLimits: { exchange: string; limits: (number | null)[] }[];
  /** Null when the caller gave none. */
  storage: StorageSettings | null;
}

export interface HtmlReportData {
  generatedAt: string;
  assumptions: Assumptions;
  /** By exchange, then market. */
  markets: MarketReport[];
  /** By base. */
  assets: AssetReport[];
}

/** Snapshots of top of book per market in the mid and spread charts. */
const HISTORY_POINTS = 500;
/** Depth drawn when no cost curve says how far out orders go. */
const DEFAULT_DEPTH_USD = '2000000';

const ISO_UTC = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);

/** Distinct decimal strings (as trimmed), ascending. */
function ascending(values: Iterable<string>): string[] {
  return [...new Set([...values].map(trimDecimal))].sort(compareDecimal);
}

/**
 * Reads the page. `storage` is what this environment says about the stored levels (the ETL's
 * LEVELS_WITHIN_BPS, LEVEL_RETENTION_DAYS, BINANCE_DEPTH_LIMIT when the two share it).
 */
export async function loadHtmlReport(
  db: Kysely<Database>,
  storage: StorageSettings | null = null,
): Promise<HtmlReportData> {
  const base = await loadReport(db);
  const ids = base.markets.map((m) => m.snapshotId);
  const none: Assumptions = {
    fees: [],
    usdStablecoins: [],
    notionalsUsd: [],
    costCurveUsd: [],
    slippageThresholdsBps: [],
    depthBandsBps: [],
    depthLimits: [],
    storage: storage === null ? null : pickStorage(storage),
  };
  if (ids.length === 0) return { generatedAt: base.generatedAt, assumptions: none, markets: [], assets: [] };

  const depth = await sql<{ snapshot_id: string; side: 'bid' | 'ask'; price: string; cum_quote: string }>`
    with reach as (
      select coalesce(2 * max(notional_usd), ${DEFAULT_DEPTH_USD}::numeric) as usd
      from orderbook.v_cost_curve where snapshot_id = any (${ids}::bigint[])
    )
    select v.snapshot_id::text as snapshot_id, v.side, v.price::text as price, v.cum_quote::text as cum_quote
    from orderbook.v_book_levels v cross join reach
    where v.snapshot_id = any (${ids}::bigint[]) and v.cum_quote - v.price * v.size < reach.usd
    order by v.snapshot_id, v.side, v.level_no`.execute(db);

  const history = await sql<{
    exchange: string;
    market: string;
    captured_at: string;
    mid_price: string;
    spread_bps: string;
  }>`
    select k.exchange, k.market, h.captured_at, h.mid_price, h.spread_bps
    from unnest(${base.markets.map((m) => m.exchange)}::text[], ${base.markets.map((m) => m.market)}::text[])
      as k (exchange, market)
    cross join lateral (
      select to_char(t.captured_at at time zone 'UTC', ${ISO_UTC}) as captured_at, t.captured_at as at,
             t.mid_price::text as mid_price, t.spread_bps::text as spread_bps
      from orderbook.v_book_top t
      where t.exchange = k.exchange and t.market = k.market
      order by t.captured_at desc
      limit ${HISTORY_POINTS}
    ) h
    order by k.exchange, k.market, h.at`.execute(db);

  const bands = await sql<{
    snapshot_id: string;
    band_bps: string;
    bid_base: string;
    bid_quote: string;
    ask_base: string;
    ask_quote: string;
  }>`
    select snapshot_id::text as snapshot_id, band_bps::text as band_bps, bid_base::text as bid_base,
      bid_quote::text as bid_quote, ask_base::text as ask_base, ask_quote::text as ask_quote
    from orderbook.v_depth d where d.snapshot_id = any (${ids}::bigint[])
    order by d.snapshot_id, d.band_bps`.execute(db);

  const fees = await sql<{ exchange: string; fee_bps: string }>`
    select distinct exchange, fee_bps::text as fee_bps
    from orderbook.v_cost_curve c where c.snapshot_id = any (${ids}::bigint[])
    order by exchange, fee_bps`.execute(db);

  const stablecoins = await sql<{ quote: string }>`
    select distinct quote from orderbook.v_snapshot s
    where s.snapshot_id = any (${ids}::bigint[]) and s.quote_is_usd and s.quote <> 'USD'
    order by quote`.execute(db);

  const limits = await sql<{
    snapshot_id: string;
    side: FillSide;
    threshold_bps: string;
    max_notional_usd: string;
    max_base: string;
    levels_used: number;
    book_exhausted: boolean;
  }>`
    select snapshot_id::text as snapshot_id, side, threshold_bps::text as threshold_bps,
      max_notional_usd::text as max_notional_usd, max_base::text as max_base, levels_used, book_exhausted
    from orderbook.v_max_size z where z.snapshot_id = any (${ids}::bigint[])
    order by z.snapshot_id, z.threshold_bps, z.side`.execute(db);

  const curve = await sql<{
    snapshot_id: string;
    side: FillSide;
    notional_usd: string;
    fully_filled: boolean;
    all_in_price: string | null;
    all_in_cost_bps: string | null;
    slippage_bps: string | null;
  }>`
    select snapshot_id::text as snapshot_id, side, notional_usd::text as notional_usd, fully_filled,
      all_in_price::text as all_in_price, all_in_cost_bps::text as all_in_cost_bps,
      slippage_bps::text as slippage_bps
    from orderbook.v_cost_curve c where c.snapshot_id = any (${ids}::bigint[])
    order by c.snapshot_id, c.side, c.notional_usd`.execute(db);

  const reach = await sql<{
    snapshot_id: string;
    exchange: string;
    side: 'bid' | 'ask';
    reach_bps: string | null;
    cut: Reach['cut'];
    depth_limit: number | null;
  }>`
    select r.snapshot_id::text as snapshot_id, r.exchange, r.side, r.reach_bps::text as reach_bps, r.cut,
      r.depth_limit
    from orderbook.v_reach r
    where r.snapshot_id = any (${ids}::bigint[])
    order by r.snapshot_id, r.side desc`.execute(db);
  const executable = await sql<{ snapshot_id: string; not_executable_reason: string | null }>`
    select snapshot_id::text as snapshot_id, not_executable_reason
    from orderbook.v_snapshot where snapshot_id = any (${ids}::bigint[])`.execute(db);

  const markets: MarketReport[] = base.markets.map((m) => ({
    ...m,
    bids: [],
    asks: [],
    history: [],
    depthBands: [],
    sizeLimits: [],
    costCurve: [],
    reach: [],
    notExecutable: null,
  }));
  const bySnapshot = new Map(markets.map((m) => [m.snapshotId, m]));
  const byMarket = new Map(markets.map((m) => [`${m.exchange}\n${m.market}`, m]));
  for (const { snapshot_id, side, ...level } of depth.rows) {
    bySnapshot.get(snapshot_id)?.[side === 'bid' ? 'bids' : 'asks'].push(camelized(level));
  }
  for (const { exchange, market, ...point } of history.rows) {
    byMarket.get(`${exchange}\n${market}`)?.history.push(camelized(point));
  }
  for (const { snapshot_id, ...band } of bands.rows)
    bySnapshot.get(snapshot_id)?.depthBands.push(camelized(band));
  for (const { snapshot_id, ...limit } of limits.rows)
    bySnapshot.get(snapshot_id)?.sizeLimits.push(camelized(limit));
  for (const { snapshot_id, ...point } of curve.rows)
    bySnapshot.get(snapshot_id)?.costCurve.push(camelized(point));

  const limitsBy = new Map<string, Set<number | null>>();
  for (const { snapshot_id, exchange, side, reach_bps, cut, depth_limit } of reach.rows) {
    bySnapshot.get(snapshot_id)?.reach.push({ side, reachBps: reach_bps, cut, depthLimit: depth_limit });
    limitsBy.set(exchange, (limitsBy.get(exchange) ?? new Set()).add(depth_limit));
  }
  for (const r of executable.rows) {
    const m = bySnapshot.get(r.snapshot_id);
    if (m) m.notExecutable = r.not_executable_reason;
  }

  const feesBy = new Map<string, string[]>();
  for (const r of fees.rows)
    feesBy.set(r.exchange, ascending([...(feesBy.get(r.exchange) ?? []), r.fee_bps]));
  const assumptions: Assumptions = {
    ...none,
    fees: [...feesBy].map(([exchange, feeBps]) => ({ exchange, feeBps })),
    usdStablecoins: stablecoins.rows.map((r) => r.quote),
    notionalsUsd: ascending(base.markets.flatMap((m) => m.fills.map((f) => f.notionalUsd))),
    costCurveUsd: ascending(curve.rows.map((r) => r.notional_usd)),
    slippageThresholdsBps: ascending(limits.rows.map((r) => r.threshold_bps)),
    depthBandsBps: ascending(bands.rows.map((r) => r.band_bps)),
    depthLimits: [...limitsBy]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([exchange, limits]) => ({
        exchange,
        limits: [...limits].sort((a, b) => (a ?? Infinity) - (b ?? Infinity)),
      })),
  };
  return {
    generatedAt: base.generatedAt,
    assumptions,
    markets,
    assets: await loadAssets(db, markets, ids),
  };
}

/** Only the three settings, whatever larger object (a whole Config) was passed. */
function pickStorage(s: StorageSettings): StorageSettings {
  return {
    levelsWithinBps: s.levelsWithinBps,
    levelRetentionDays: s.levelRetentionDays,
    binanceDepthLimit: s.binanceDepthLimit,
  };
}

/** Per base asset, the optimal splits of the newest run that priced a USD book of it. */
async function loadAssets(
  db: Kysely<Database>,
  markets: MarketReport[],
  ids: string[],
): Promise<AssetReport[]> {
  const newest = await sql<{ base: string; run_id: string; captured_at: string }>`
    select distinct on (s.base) s.base, s.run_id::text as run_id,
      to_char(s.captured_at at time zone 'UTC', ${ISO_UTC}) as captured_at
    from orderbook.v_snapshot s
    where s.snapshot_id = any (${ids}::bigint[]) and s.quote_is_usd
    order by s.base, s.captured_at desc`.execute(db);
  const runOf = new Map(newest.rows.map((r) => [r.base, r]));
  const bases = [...new Set(markets.map((m) => m.base))].sort();
  const assets: AssetReport[] = [];
  for (const base of bases) {
    const run = runOf.get(base);
    if (!run) {
      assets.push({ base, runId: null, capturedAt: null, orders: [] });
      continue;
    }
    const { rows } = await sql<{
      side: FillSide;
      notional_usd: string;
      exchange: string;
      market: string;
      usd_amount: string;
      base_amount: string;
      share_pct: string;
      fee_usd: string;
      filled_usd: string;
      blended_all_in_price: string | null;
      fully_filled: boolean;
      best_single_exchange: string | null;
      best_single_market: string | null;
      best_single_all_in_price: string | null;
      saving_bps: string | null;
    }>`
      select side, notional_usd::text as notional_usd, exchange, market, usd_amount::text as usd_amount,
        base_amount::text as base_amount, share_pct::text as share_pct, fee_usd::text as fee_usd,
        filled_usd::text as filled_usd, blended_all_in_price::text as blended_all_in_price, fully_filled,
        best_single_exchange, best_single_market, best_single_all_in_price::text as best_single_all_in_price,
        saving_bps::text as saving_bps
      from orderbook.v_optimal_split p
      where p.run_id = ${run.run_id}::uuid and p.base = ${base}
      order by p.side, p.notional_usd, p.exchange, p.market`.execute(db);
    const orders: SplitOrder[] = [];
    for (const r of rows) {
      let order = orders.at(-1);
      if (order?.side !== r.side || order.notionalUsd !== r.notional_usd) {
        order = {
          side: r.side,
          notionalUsd: r.notional_usd,
          venues: [],
          filledUsd: r.filled_usd,
          blendedAllInPrice: r.blended_all_in_price,
          fullyFilled: r.fully_filled,
          bestSingleExchange: r.best_single_exchange,
          bestSingleMarket: r.best_single_market,
          bestSingleAllInPrice: r.best_single_all_in_price,
          savingBps: r.saving_bps,
        };
        orders.push(order);
      }
      order.venues.push({
        exchange: r.exchange,
        market: r.market,
        usdAmount: r.usd_amount,
        baseAmount: r.base_amount,
        sharePct: r.share_pct,
        feeUsd: r.fee_usd,
      });
    }
    assets.push({ base, runId: run.run_id, capturedAt: run.captured_at, orders });
  }
  return assets;
}
