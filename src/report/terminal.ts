/**
 * The report as a person reads it: terminal tables (or stable JSON) of what the report reader
 * returns. Values are rounded for display on the decimal strings themselves (format.ts), never
 * through a float.
 */
import { compareDecimal } from '../util/decimal.ts';
import type { FillSide, MarketRow, ReportData } from '../warehouse/readers/report.ts';
import {
  formatAge,
  formatDecimal,
  formatTimestamp,
  notionalLabel,
  priceDecimals,
  trimDecimal,
} from './format.ts';
import { paint, renderTable, type Cell, type Column } from './table.ts';

export interface RenderOptions {
  color: boolean;
  /** Terminal columns; optional columns are left out to fit. */
  width?: number | undefined;
}

export const EMPTY_MESSAGE = 'no snapshots yet — run `npm run etl` first';

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
