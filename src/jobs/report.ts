/**
 * `npm run report`: the newest book of every market and the venue to prefer, as terminal
 * tables or JSON. It reads only the analysts' views (v_latest, v_best_venue), so every figure
 * it prints is the view's; values stay exact decimal strings and are rounded for display on
 * the strings themselves (src/report/format.ts), never through a float.
 */
import { sql, type Kysely } from 'kysely';
import {
  formatAge,
  formatDecimal,
  formatTimestamp,
  notionalLabel,
  priceDecimals,
  trimDecimal,
} from '../report/format.ts';
import { paint, renderTable, type Cell, type Column } from '../report/table.ts';
import { compareDecimal } from '../book/index.ts';
import type { Database } from '../warehouse/schema.ts';

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

export interface RenderOptions {
  color: boolean;
  /** Terminal columns; optional columns are left out to fit. */
  width?: number | undefined;
}

export const EMPTY_MESSAGE = 'no snapshots yet — run `npm run etl` first';

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

interface BestVenueSqlRow {
  run_id: string;
  captured_at: string;
  base: string;
  side: FillSide;
  notional_usd: string;
  exchange: string;
  market: string;
  all_in_price: string;
  avg_price: string;
  runner_up_exchange: string | null;
  runner_up_market: string | null;
  runner_up_all_in_price: string | null;
  advantage_bps: string | null;
}

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

  const bestVenues: BestVenueRow[] = best.rows.map((r) => ({
    runId: r.run_id,
    capturedAt: r.captured_at,
    base: r.base,
    side: r.side,
    notionalUsd: r.notional_usd,
    exchange: r.exchange,
    market: r.market,
    allInPrice: r.all_in_price,
    avgPrice: r.avg_price,
    runnerUpExchange: r.runner_up_exchange,
    runnerUpMarket: r.runner_up_market,
    runnerUpAllInPrice: r.runner_up_all_in_price,
    advantageBps: r.advantage_bps,
  }));

  return { generatedAt, markets, bestVenues };
}

/** The report as JSON: the same keys in the same order every time, every number a decimal string. */
export function renderReportJson(data: ReportData): string {
  const stable = {
    generatedAt: data.generatedAt,
    markets: data.markets.map((m) => ({
      exchange: m.exchange,
      market: m.market,
      base: m.base,
      quote: m.quote,
      snapshotId: m.snapshotId,
      runId: m.runId,
      capturedAt: m.capturedAt,
      bestBid: m.bestBid,
      bestAsk: m.bestAsk,
      midPrice: m.midPrice,
      spread: m.spread,
      spreadBps: m.spreadBps,
      fills: m.fills.map((f) => ({
        side: f.side,
        notionalUsd: f.notionalUsd,
        avgPrice: f.avgPrice,
        allInPrice: f.allInPrice,
        slippageBps: f.slippageBps,
        feeUsd: f.feeUsd,
        fullyFilled: f.fullyFilled,
      })),
    })),
    bestVenues: data.bestVenues.map((b) => ({
      runId: b.runId,
      capturedAt: b.capturedAt,
      base: b.base,
      side: b.side,
      notionalUsd: b.notionalUsd,
      exchange: b.exchange,
      market: b.market,
      allInPrice: b.allInPrice,
      avgPrice: b.avgPrice,
      runnerUpExchange: b.runnerUpExchange,
      runnerUpMarket: b.runnerUpMarket,
      runnerUpAllInPrice: b.runnerUpAllInPrice,
      advantageBps: b.advantageBps,
    })),
  };
  return `${JSON.stringify(stable, null, 2)}\n`;
}

/** Decimals of spread and advantage in bps: a one-tick BTC spread is about 0.0012 bps. */
const SPREAD_BPS_DECIMALS = 4;
const ADVANTAGE_BPS_DECIMALS = 2;
const NONE = '—';
const NOT_FILLED = '*';

const none = (): Cell => ({ text: NONE, style: 'dim' });

function price(value: string | null, places: number): Cell {
  return value === null ? none() : { text: formatDecimal(value, places) };
}

/** The terminal report: a title, the newest book per market, fill prices, and the preferred venues. */
export function renderReport(data: ReportData, options: RenderOptions): string {
  const { color } = options;
  const table = { color, width: options.width };
  const out: string[] = [
    paint(`orderbook-etl report · generated ${formatTimestamp(data.generatedAt)} UTC`, 'bold', color),
    '',
  ];
  if (data.markets.length === 0) {
    out.push(EMPTY_MESSAGE);
    return `${out.join('\n')}\n`;
  }

  // (a) The newest snapshot of every market.
  out.push(paint('Latest book per market', 'bold', color));
  const bookColumns: Column[] = [
    { header: 'exchange', align: 'left' },
    { header: 'market', align: 'left' },
    { header: 'captured (UTC)', align: 'left', dropOrder: 2 },
    { header: 'age', align: 'right' },
    { header: 'best bid', align: 'right' },
    { header: 'best ask', align: 'right' },
    { header: 'mid', align: 'right', dropOrder: 1 },
    { header: 'spread bps', align: 'right' },
  ];
  const bookRows = data.markets.map((m): Cell[] => {
    const places = priceDecimals(m.midPrice ?? m.bestBid);
    return [
      { text: m.exchange },
      { text: m.market, style: 'cyan' },
      { text: formatTimestamp(m.capturedAt) },
      { text: formatAge(m.capturedAt, data.generatedAt) },
      price(m.bestBid, places),
      price(m.bestAsk, places),
      // Mid sits half a tick between the two: one more decimal shows it as it is.
      price(m.midPrice, places + 1),
      m.spreadBps === null ? none() : { text: formatDecimal(m.spreadBps, SPREAD_BPS_DECIMALS) },
    ];
  });
  out.push(...renderTable(bookColumns, bookRows, table), '');

  // All-in price of each notional the fills were priced for.
  const notionals = new Map<string, string>(); // canonical → as stored
  for (const m of data.markets)
    for (const f of m.fills) {
      const key = trimDecimal(f.notionalUsd);
      if (!notionals.has(key)) notionals.set(key, f.notionalUsd);
    }
  const sizes = [...notionals.keys()].sort(compareDecimal);
  if (sizes.length > 0) {
    out.push(paint('All-in price of a market order (taker fee included)', 'bold', color));
    const fillColumns: Column[] = [
      { header: 'exchange', align: 'left' },
      { header: 'market', align: 'left' },
    ];
    for (const size of sizes) {
      const label = notionalLabel(size);
      // Values carry a trailing marker column (" " or "*"), so digits line up either way.
      fillColumns.push(
        { header: `buy ${label} `, align: 'right' },
        { header: `sell ${label} `, align: 'right' },
      );
    }
    const fillOf = (m: MarketRow, side: FillSide, size: string) =>
      m.fills.find((f) => f.side === side && trimDecimal(f.notionalUsd) === size);
    const partial = data.markets.some((m) => m.fills.some((f) => !f.fullyFilled));
    const missing = data.markets.some((m) =>
      sizes.some((size) => !fillOf(m, 'buy', size) || !fillOf(m, 'sell', size)),
    );
    const fillRows = data.markets.map((m): Cell[] => {
      const places = priceDecimals(m.midPrice ?? m.bestBid);
      const cells: Cell[] = [{ text: m.exchange }, { text: m.market, style: 'cyan' }];
      for (const size of sizes) {
        for (const side of ['buy', 'sell'] as const) {
          const fill = fillOf(m, side, size);
          if (!fill) {
            cells.push({ text: `${NONE} `, style: 'dim' });
          } else if (!fill.fullyFilled) {
            cells.push({ text: `${formatDecimal(fill.allInPrice, places)}${NOT_FILLED}`, style: 'yellow' });
          } else {
            cells.push({ text: `${formatDecimal(fill.allInPrice, places)} ` });
          }
        }
      }
      return cells;
    });
    out.push(...renderTable(fillColumns, fillRows, table));
    if (partial)
      out.push(
        paint(
          `  ${NOT_FILLED} not fully filled: the stored book holds less (priced over what it holds)`,
          'yellow',
          color,
        ),
      );
    if (missing) out.push(paint(`  ${NONE} no fill: not quoted in USD or a USD stablecoin`, 'dim', color));
    out.push('');
  }

  // (b) The venue to prefer, for the newest run that had any comparable fill.
  const first = data.bestVenues[0];
  if (!first) {
    out.push(
      paint('Preferred venue', 'bold', color),
      '  none yet: no run has a USD-priced order its books could fill',
    );
    return `${out.join('\n')}\n`;
  }
  out.push(
    paint('Preferred venue per asset, side and size', 'bold', color),
    paint(`  run ${first.runId} · ${formatTimestamp(first.capturedAt)} UTC`, 'dim', color),
  );
  const venueColumns: Column[] = [
    { header: 'base', align: 'left' },
    { header: 'side', align: 'left' },
    { header: 'size', align: 'right' },
    { header: 'venue', align: 'left' },
    { header: 'all-in', align: 'right' },
    { header: 'runner-up', align: 'left', dropOrder: 1 },
    { header: 'all-in', align: 'right', dropOrder: 2 },
    { header: 'better by bps', align: 'right' },
  ];
  const venueRows = data.bestVenues.map((b): Cell[] => {
    const places = priceDecimals(b.allInPrice);
    return [
      { text: b.base },
      { text: b.side, style: b.side === 'buy' ? 'green' : 'red' },
      { text: notionalLabel(b.notionalUsd) },
      { text: `${b.exchange}:${b.market}`, style: 'bold' },
      { text: formatDecimal(b.allInPrice, places) },
      b.runnerUpExchange === null || b.runnerUpMarket === null
        ? none()
        : { text: `${b.runnerUpExchange}:${b.runnerUpMarket}` },
      price(b.runnerUpAllInPrice, places),
      b.advantageBps === null ? none() : { text: formatDecimal(b.advantageBps, ADVANTAGE_BPS_DECIMALS) },
    ];
  });
  out.push(...renderTable(venueColumns, venueRows, table));
  return `${out.join('\n')}\n`;
}
