/**
 * The HTML report: one self-contained page (inline CSS and SVG, a few lines of inline script
 * that only count what was drawn) an analyst can open offline or attach to a mail. First what
 * its figures assume (fees, sizes, thresholds, what is stored); per base asset: the cost curves
 * of every venue on one plot and the best venue and optimal split per order size; per market:
 * the depth of the newest book, mid and spread over time, the liquidity within each depth band
 * and the largest order within each slippage threshold. Rows that would print the same are
 * shown once, with the range of sizes or thresholds they cover.
 */
import type {
  Assumptions,
  AssetReport,
  CostPoint,
  DepthBand,
  HtmlReportData,
  MarketReport,
  SizeLimit,
  SplitOrder,
} from '../warehouse/readers/html-report.ts';
import { compareDecimal } from '../util/decimal.ts';
import { rangeLabel, runsOf } from './collapse.ts';
import {
  formatDecimal,
  formatTimestamp,
  groupThousands,
  notionalLabel,
  priceDecimals,
  trimDecimal,
} from './format.ts';
import { compactLabels, escapeXml as esc, lineChart, plotValue, shareBar, type Series } from './svg.ts';

const BID = '#1a9850';
const ASK = '#d73027';
const PALETTE = ['#1f77b4', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
/** How a side is drawn on a cost curve: besides its tone, a dash and a marker tell buy from sell. */
const SIDE_STYLE = {
  buy: { dashed: false, marker: 'circle', darken: 0 },
  sell: { dashed: true, marker: 'triangle', darken: 0.45 },
} as const;

const money = (d: string) => `$${formatDecimal(d, 0)}`;
const bps = (d: string | null, places = 2) => (d === null ? '—' : formatDecimal(d, places));
const anchor = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9-]/g, '_');
/** A list of decimals for prose: "5 · 10 · 25". */
const listOf = (values: string[], show: (d: string) => string) => values.map(show).join(' · ');

/** `#rrggbb` mixed `share` of the way to black. */
function darken(hex: string, share: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => Math.round(((value >> shift) & 0xff) * (1 - share));
  return `#${[16, 8, 0].map((shift) => channel(shift).toString(16).padStart(2, '0')).join('')}`;
}

// Records errors before anything else runs, and after load counts the charts and the lines the
// browser actually laid out (a path with length): what the headless-browser test reads back.
const PROBE = `(function () {
  var root = document.documentElement;
  var errors = 0;
  root.setAttribute('data-errors', '0');
  function failed() { errors += 1; root.setAttribute('data-errors', String(errors)); }
  window.addEventListener('error', failed, true);
  window.addEventListener('unhandledrejection', failed);
  window.addEventListener('load', function () {
    var charts = document.querySelectorAll('svg.chart');
    var drawn = 0;
    for (var i = 0; i < charts.length; i++) {
      var paths = charts[i].querySelectorAll('path.series');
      for (var j = 0; j < paths.length; j++) {
        if (paths[j].getTotalLength() > 0) { drawn += 1; break; }
      }
    }
    root.setAttribute('data-charts', String(charts.length));
    root.setAttribute('data-charts-drawn', String(drawn));
    root.setAttribute('data-ready', 'true');
  });
})();`;

const STYLE = `
:root { color-scheme: light; --ink: #1d232a; --muted: #5f6b7a; --line: #dde2e8; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--bg); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 36px 0 8px; font-size: 20px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h3 { margin: 28px 0 6px; font-size: 16px; }
h4 { margin: 18px 0 6px; font-size: 14px; color: var(--muted); }
main { padding: 0 32px 48px; max-width: 1200px; }
nav a { margin-right: 14px; }
a { color: #0b5cad; text-decoration: none; }
.meta, .caption, .note { color: var(--muted); }
.caption { margin: 2px 0 14px; font-size: 12.5px; max-width: 760px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; background: #fff; }
svg.chart .frame { fill: none; stroke: #aab4c0; }
svg.chart .grid line { stroke: #eef1f4; }
svg.chart .tick { fill: var(--muted); }
svg.chart .axis-label { fill: var(--ink); font-size: 12px; }
svg.chart .chart-title { font-size: 14px; font-weight: 600; fill: var(--ink); }
svg.chart .legend { fill: var(--ink); }
svg.chart .series { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg.chart .area { opacity: 0.14; stroke: none; }
svg.chart .marker { stroke: #555; stroke-dasharray: 3 3; }
svg.chart .marker-label { fill: #555; }
svg.chart .empty { fill: var(--muted); font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--bg); font-weight: 600; }
th.l, td.l { text-align: left; }
th.group { text-align: center; border-left: 1px solid var(--line); }
td.buy { color: #14733f; font-weight: 600; }
td.sell { color: #b42318; font-weight: 600; }
.share { vertical-align: middle; margin-right: 8px; }
.share .share-bg { fill: #eef1f4; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 8px; vertical-align: baseline; }
.exhausted { color: #8a5a00; }
.kpis { display: flex; gap: 28px; flex-wrap: wrap; margin: 4px 0 10px; }
.kpis div span { display: block; color: var(--muted); font-size: 12px; }
.kpis div b { font-size: 16px; }
table.assumptions td { white-space: normal; vertical-align: top; }
table.assumptions td:first-child { white-space: nowrap; }
table.assumptions td.value { font-weight: 600; white-space: nowrap; }
td.range { color: var(--ink); }
tr.merged td { background: #fbfcfd; }
`;

/** The report as one HTML document. */
export function renderHtmlReport(data: HtmlReportData): string {
  const title = `orderbook-etl report · ${formatTimestamp(data.generatedAt)} UTC`;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<script>${PROBE}</script>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>Order books: cost, size limits and the best way to trade</h1>',
    `<p class="meta">generated ${esc(formatTimestamp(data.generatedAt))} UTC · ${data.markets.length} market${data.markets.length === 1 ? '' : 's'} · every figure is read from the warehouse views</p>`,
  ];
  if (data.markets.length === 0) {
    out.push('</header>', '<main><p>No snapshots yet — run <code>npm run etl</code> first.</p></main>');
    out.push('</body>', '</html>');
    return `${out.join('\n')}\n`;
  }
  out.push('<nav>', '<a href="#assumptions">Assumptions</a>');
  for (const asset of data.assets) {
    out.push(`<a href="#${anchor('asset', asset.base)}"><b>${esc(asset.base)}</b></a>`);
    for (const m of data.markets.filter((x) => x.base === asset.base))
      out.push(
        `<a href="#${anchor('market', m.exchange, m.market)}">${esc(`${m.exchange} ${m.market}`)}</a>`,
      );
  }
  out.push('</nav>', '</header>', '<main>');
  out.push(...assumptionsSection(data.assumptions));

  for (const asset of data.assets) {
    const markets = data.markets.filter((m) => m.base === asset.base);
    out.push(...assetSection(asset, markets));
    for (const m of markets) out.push(...marketSection(m));
  }
  out.push('</main>', '</body>', '</html>');
  return `${out.join('\n')}\n`;
}

function assumptionsSection(a: Assumptions): string[] {
  const bps = (d: string) => `${groupThousands(d)} bps`;
  const rows: [string, string, string, string][] = [];
  const fees =
    a.fees.length === 0
      ? '— (no book priced in USD)'
      : a.fees.map((f) => `${f.exchange} ${f.feeBps.map(bps).join(' or ')}`).join(' · ');
  rows.push([
    'Taker fee',
    'TAKER_FEE_BPS',
    fees,
    'In every all-in price, cost curve and split: a fee difference alone can decide the best venue.' +
      (a.fees.some((f) => f.feeBps.length > 1) ? ' It changed between the books shown.' : ''),
  ]);
  // The list settings, each shown when it has values.
  const lists: [string, string, string[], (d: string) => string, string][] = [
    [
      'Counted as USD',
      'USD_STABLECOINS',
      a.usdStablecoins,
      (code) => code,
      'Books quoted in these are compared with USD books at par (1 USDT = 1 USD).',
    ],
    [
      'Order sizes',
      'COST_CURVE_USD',
      a.costCurveUsd,
      notionalLabel,
      'The sizes of the cost curves and of the best-venue and split table.',
    ],
    [
      'Headline sizes',
      'NOTIONALS_USD',
      a.notionalsUsd,
      notionalLabel,
      'Also priced on every book for npm run report (v_latest, v_best_venue); in the split table too.',
    ],
    [
      'Slippage thresholds',
      'SLIPPAGE_BPS_THRESHOLDS',
      a.slippageThresholdsBps,
      bps,
      'The largest order whose average price stays within each, vs mid and before fees.',
    ],
    [
      'Depth bands',
      'DEPTH_BANDS_BPS',
      a.depthBandsBps,
      bps,
      'Liquidity on each side within each distance of mid.',
    ],
  ];
  for (const [label, setting, values, show, note] of lists)
    if (values.length > 0) rows.push([label, setting, listOf(values, show), note]);
  if (a.depthLimits.length > 0) {
    const asked = (limit: number | null) =>
      limit === null ? 'whole book' : `${groupThousands(String(limit))} levels a side`;
    rows.push([
      'Depth asked',
      'BINANCE_DEPTH_LIMIT',
      a.depthLimits.map((d) => `${d.exchange} ${d.limits.map(asked).join(' or ')}`).join(' · '),
      'Levels a side each venue’s books shown were asked for (BINANCE_DEPTH_LIMIT sets Binance’s; the others ask ' +
        'the most the venue serves). A side that sent that many may go on past what was kept: “not captured”, not thin.',
    ]);
  }
  if (a.storage) {
    const { levelsWithinBps, binanceDepthLimit, levelRetentionDays } = a.storage;
    rows.push([
      'Levels stored',
      'LEVELS_WITHIN_BPS',
      levelsWithinBps === null ? 'all' : `within ${bps(String(levelsWithinBps))} of mid`,
      'Depth, limits, costs and splits see only these levels: “≥” marks a side that runs out first.',
    ]);
    // The books' own depth row above says more than this environment's setting does.
    if (a.depthLimits.length === 0) {
      rows.push([
        'Binance depth',
        'BINANCE_DEPTH_LIMIT',
        `${groupThousands(String(binanceDepthLimit))} levels a side`,
        'Binance serves at most this many levels of a book, however deep it is.',
      ]);
    }
    rows.push([
      'Level detail kept',
      'LEVEL_RETENTION_DAYS',
      levelRetentionDays === null ? 'all' : `${groupThousands(String(levelRetentionDays))} days`,
      'Older snapshots keep their derived figures (costs, limits, splits) but not their levels.',
    ]);
  }
  return [
    '<section id="assumptions">',
    '<h2>Assumptions</h2>',
    '<p class="caption">What every figure below rests on. Fees, sizes, thresholds and bands are those the books ' +
      'shown were derived with (read from the views)' +
      (a.storage ? '; what is stored is this environment’s setting.' : '.') +
      '</p>',
    '<table class="assumptions">',
    '<thead><tr><th class="l">assumption</th><th class="l">setting</th><th class="l">value</th><th class="l">what it decides</th></tr></thead>',
    `<tbody>${rows
      .map(
        ([label, setting, value, meaning]) =>
          `<tr data-setting="${esc(setting)}"><td class="l">${esc(label)}</td><td class="l"><code>${esc(setting)}</code></td>` +
          `<td class="l value">${esc(value)}</td><td class="l note">${esc(meaning)}</td></tr>`,
      )
      .join('\n')}</tbody>`,
    '</table>',
    '</section>',
  ];
}

function venueColors(markets: MarketReport[]): Map<string, string> {
  return new Map(markets.map((m, i) => [`${m.exchange}:${m.market}`, PALETTE[i % PALETTE.length] ?? '#333']));
}

function assetSection(asset: AssetReport, markets: MarketReport[]): string[] {
  const out = [`<section id="${anchor('asset', asset.base)}">`, `<h2>${esc(asset.base)}</h2>`];
  const priced = markets.filter((m) => m.costCurve.length > 0);
  const colors = venueColors(markets);
  if (priced.length > 0) {
    out.push('<div class="charts">', costCurveChart(asset.base, priced, colors), '</div>');
    out.push(
      '<p class="caption">All-in cost of a market order of each size on each venue’s newest book: how far the average ' +
        'price paid (buy) or received (sell), taker fee included, is from that venue’s mid, in basis points. ' +
        'A colour per venue; buy is a solid line with circles, sell a dashed line with triangles in a darker tone. ' +
        'A line stops where the stored book cannot fill the size.</p>',
    );
  }
  if (asset.runId !== null && asset.orders.length > 0) {
    out.push(
      '<h3>Best venue and optimal split per order size</h3>',
      `<p class="note">run ${esc(asset.runId)} · ${esc(formatTimestamp(asset.capturedAt ?? ''))} UTC. ` +
        'The optimal split walks all venues’ levels together from the best all-in price (price with each ' +
        'venue’s taker fee); the saving is against the best venue alone buying or selling the same quantity. ' +
        'Neighbouring sizes with the same venue, split and saving are one row.</p>',
      splitTable(asset.orders, colors),
    );
  } else {
    out.push(
      '<p class="note">No book of this asset is quoted in USD or a USD stablecoin: no cost comparison.</p>',
    );
  }
  out.push('</section>');
  return out;
}

function costCurveChart(base: string, markets: MarketReport[], colors: Map<string, string>): string {
  const series: Series[] = [];
  const sizes = new Map<string, number>();
  for (const m of markets) {
    const color = colors.get(`${m.exchange}:${m.market}`) ?? '#333';
    for (const side of ['buy', 'sell'] as const) {
      const style = SIDE_STYLE[side];
      const points = m.costCurve.filter(
        (c): c is CostPoint & { allInCostBps: string } => c.side === side && c.allInCostBps !== null,
      );
      for (const c of m.costCurve) sizes.set(trimDecimal(c.notionalUsd), plotValue(c.notionalUsd));
      series.push({
        name: `${m.exchange} ${m.market} ${side}`,
        color: darken(color, style.darken),
        dashed: style.dashed,
        dots: true,
        marker: style.marker,
        points: points.map((c) => [plotValue(c.notionalUsd), plotValue(c.allInCostBps)]),
        titles: points.map(
          (c) =>
            `${m.exchange} ${m.market} ${side} ${notionalLabel(c.notionalUsd)}: all-in ${formatDecimal(
              c.allInPrice ?? '',
              priceDecimals(m.midPrice),
            )} = ${bps(c.allInCostBps)} bps from mid (slippage ${bps(c.slippageBps)} bps)`,
        ),
      });
    }
  }
  const ticks = [...sizes.entries()]
    .sort((a, b) => compareDecimal(a[0], b[0]))
    .map(([label, value]) => ({ value, label: notionalLabel(label) }));
  return lineChart({
    title: `Cost curves: ${base} on every venue`,
    x: { label: 'order size (USD, log scale)', log: true, ticks },
    // Not from 0: the fee lifts every line alike, and the differences are what matter.
    y: { label: 'all-in cost vs mid, taker fee included (bps)', format: (d) => d, nice: true },
    series,
    width: 1000,
    height: 380,
  });
}

/** What a split row shows besides its size and prices: equal keys are one row. */
function splitKey(o: SplitOrder): string {
  const used = o.venues.filter((v) => compareDecimal(v.usdAmount, '0') > 0);
  return [
    o.side,
    o.bestSingleExchange ?? '',
    o.bestSingleMarket ?? '',
    used.map((v) => `${v.exchange}:${v.market}:${formatDecimal(v.sharePct, 1)}`).join(','),
    o.fullyFilled ? bps(o.savingBps) : `only ${money(o.filledUsd)}`,
  ].join('|');
}

function splitTable(orders: SplitOrder[], colors: Map<string, string>): string {
  const rows = runsOf(orders, splitKey).map(({ first, last, items }) => {
    const o = first;
    const places = priceDecimals(o.blendedAllInPrice ?? o.bestSingleAllInPrice);
    const price = (pick: (x: SplitOrder) => string | null) =>
      rangeLabel(formatDecimal(pick(first) ?? '', places), formatDecimal(pick(last) ?? '', places));
    const used = o.venues.filter((v) => compareDecimal(v.usdAmount, '0') > 0);
    const bar = shareBar(
      used.map((v) => ({
        share: plotValue(v.sharePct),
        color: colors.get(`${v.exchange}:${v.market}`) ?? '#333',
        title: `${v.exchange} ${v.market}: ${formatDecimal(v.sharePct, 1)}% of the USD`,
      })),
    );
    const parts = used
      .map(
        (v) =>
          `<span class="swatch" style="background:${esc(colors.get(`${v.exchange}:${v.market}`) ?? '#333')}"></span>` +
          esc(`${v.exchange} ${formatDecimal(v.sharePct, 1)}%`),
      )
      .join('');
    const single =
      o.bestSingleExchange === null
        ? '<td class="l note">no venue alone</td><td>—</td>'
        : `<td class="l">${esc(`${o.bestSingleExchange} ${o.bestSingleMarket ?? ''}`)}</td><td>${esc(
            price((x) => x.bestSingleAllInPrice),
          )}</td>`;
    const blended = o.fullyFilled
      ? `<td>${esc(price((x) => x.blendedAllInPrice))}</td><td>${esc(bps(o.savingBps))}</td>`
      : `<td class="note" colspan="2">books hold only ${esc(money(o.filledUsd))}</td>`;
    const size = rangeLabel(notionalLabel(first.notionalUsd), notionalLabel(last.notionalUsd));
    return (
      `<tr${items.length > 1 ? ' class="merged"' : ''} data-sizes="${items.length}">` +
      `<td class="l ${o.side}">${o.side}</td><td class="range">${esc(size)}</td>${single}` +
      `<td class="l">${bar}${parts}</td>${blended}</tr>`
    );
  });
  return [
    '<table class="split">',
    '<thead><tr><th class="l">side</th><th>size (USD)</th><th class="l">best single venue</th><th>its all-in</th>' +
      '<th class="l">optimal split (share of USD)</th><th>split all-in</th><th>saving (bps)</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function marketSection(m: MarketReport): string[] {
  const places = priceDecimals(m.midPrice ?? m.bestBid);
  const kpi = (label: string, value: string) => `<div><span>${esc(label)}</span><b>${esc(value)}</b></div>`;
  const out = [
    `<section id="${anchor('market', m.exchange, m.market)}">`,
    `<h3>${esc(`${m.exchange} · ${m.market}`)}</h3>`,
    '<div class="kpis">',
    kpi(`best bid (${m.quote})`, m.bestBid === null ? '—' : formatDecimal(m.bestBid, places)),
    kpi(`best ask (${m.quote})`, m.bestAsk === null ? '—' : formatDecimal(m.bestAsk, places)),
    kpi(`mid (${m.quote})`, m.midPrice === null ? '—' : formatDecimal(m.midPrice, places + 1)),
    kpi('spread (bps)', bps(m.spreadBps, 4)),
    kpi('newest book (UTC)', formatTimestamp(m.capturedAt)),
    '</div>',
    ...reachCaption(m),
    '<div class="charts">',
    depthChart(m),
    midChart(m),
    spreadChart(m),
    '</div>',
  ];
  out.push(...depthBandTable(m));
  out.push(...sizeLimitTable(m));
  out.push('</section>');
  return out;
}

/** How far the stored book reaches and what ended it; and a book that cannot be taken as shown. */
function reachCaption(m: MarketReport): string[] {
  const out: string[] = [];
  if (m.notExecutable !== null) {
    out.push(
      `<p class="caption exhausted">Not executable as shown (${esc(m.notExecutable)}): left out of the best venue and the split.</p>`,
    );
  }
  const sides = m.reach.filter((r) => r.reachBps !== null);
  if (sides.length === 0) return out;
  const ended = (r: MarketReport['reach'][number]) =>
    r.cut === null
      ? 'the venue’s whole side'
      : r.cut === 'levels_within_bps'
        ? 'cut by LEVELS_WITHIN_BPS'
        : `cut by the venue’s depth limit (${groupThousands(String(r.depthLimit))} levels)`;
  const text = sides
    .map(
      (r) =>
        `${r.side === 'bid' ? 'bids' : 'asks'} to ${bps(r.reachBps, 1)} bps ${r.side === 'bid' ? 'below' : 'above'} mid, ${ended(r)}`,
    )
    .join('; ');
  out.push(`<p class="caption reach">Captured: ${esc(text)}.</p>`);
  return out;
}

function depthChart(m: MarketReport): string {
  const side = (levels: MarketReport['bids']): [number, number][] => {
    const first = levels[0];
    if (!first) return [];
    // From zero at the best price, stepping up level by level.
    return [
      [plotValue(first.price), 0],
      ...levels.map((l): [number, number] => [plotValue(l.price), plotValue(l.cumQuote)]),
    ];
  };
  const bids = side(m.bids);
  const asks = side(m.asks);
  const mid = m.midPrice === null ? null : plotValue(m.midPrice);
  // Symmetric around mid, as far out as the farther side reaches.
  const reach = Math.max(
    ...[...bids, ...asks].map((p) => (mid === null ? 0 : Math.abs(p[0] - mid))),
    mid === null ? 0 : mid * 1e-6,
  );
  const include = mid === null ? [] : [mid - reach, mid + reach];
  return lineChart({
    title: `Depth of the newest book (${m.exchange} ${m.market})`,
    x: { label: `price (${m.quote})`, include, format: (d) => formatDecimal(d, decimalsOf(d)) },
    y: {
      label: `cumulative depth from the best level (${m.quote})`,
      include: [0],
      labels: compactLabels,
      nice: true,
    },
    series: [
      { name: 'bids', color: BID, step: true, area: true, points: bids },
      { name: 'asks', color: ASK, step: true, area: true, points: asks },
    ],
    markers:
      mid === null || m.midPrice === null
        ? []
        : [{ x: mid, label: `mid ${formatDecimal(m.midPrice, priceDecimals(m.midPrice) + 1)}` }],
    width: 1000,
    height: 340,
  });
}

/** Decimals a tick label needs: those of its exact value. */
function decimalsOf(decimal: string): number {
  const dot = decimal.indexOf('.');
  return dot < 0 ? 0 : decimal.length - dot - 1;
}

/** Up to this many snapshots, each is marked with a dot. */
const FEW = 60;

function timeSeries(
  m: MarketReport,
  value: (p: MarketReport['history'][number]) => string,
): [number, number][] {
  return m.history.map((p) => [Date.parse(p.capturedAt), plotValue(value(p))]);
}

/** The time axis' label, with the day when every snapshot is from one UTC day (ticks show only times). */
function timeLabel(m: MarketReport): string {
  const days = new Set(m.history.map((p) => p.capturedAt.slice(0, 10)));
  const [day] = days;
  return days.size === 1 && day !== undefined ? `capture time (UTC, ${day})` : 'capture time (UTC)';
}

function midChart(m: MarketReport): string {
  return lineChart({
    title: `Mid price over time (${m.history.length} snapshot${m.history.length === 1 ? '' : 's'})`,
    x: { label: timeLabel(m), time: true },
    y: { label: `mid price (${m.quote})`, format: (d) => formatDecimal(d, decimalsOf(d)), nice: true },
    series: [
      {
        name: 'mid',
        color: '#1f77b4',
        dots: m.history.length <= FEW,
        points: timeSeries(m, (p) => p.midPrice),
      },
    ],
    width: 488,
    height: 280,
  });
}

function spreadChart(m: MarketReport): string {
  return lineChart({
    title: 'Spread over time',
    x: { label: timeLabel(m), time: true },
    y: { label: 'spread, ask − bid (bps of mid)', include: [0], format: (d) => d, nice: true },
    series: [
      {
        name: 'spread',
        color: '#9467bd',
        dots: m.history.length <= FEW,
        points: timeSeries(m, (p) => p.spreadBps),
      },
    ],
    width: 488,
    height: 280,
  });
}

/** Base amounts in the tables: 0.0001 BTC is about $8, finer than any row differs by. */
const BASE_DECIMALS = 4;

function depthBandTable(m: MarketReport): string[] {
  if (m.depthBands.length === 0) return [];
  const cells = (b: DepthBand) => [
    formatDecimal(b.bidBase, BASE_DECIMALS),
    formatDecimal(b.bidQuote, 0),
    formatDecimal(b.askBase, BASE_DECIMALS),
    formatDecimal(b.askQuote, 0),
  ];
  const runs = runsOf(m.depthBands, (b) => cells(b).join('|'));
  const merged = runs.some((r) => r.items.length > 1);
  return [
    `<h4>Liquidity within each band around mid (${esc(m.quote)} and ${esc(m.base)} on each side)</h4>`,
    '<table class="bands">',
    `<thead><tr><th rowspan="2">band (bps of mid)</th><th class="group" colspan="2">bids</th><th class="group" colspan="2">asks</th></tr>` +
      `<tr><th>${esc(m.base)}</th><th>${esc(m.quote)}</th><th>${esc(m.base)}</th><th>${esc(m.quote)}</th></tr></thead>`,
    `<tbody>${runs
      .map(
        ({ first, last, items }) =>
          `<tr${items.length > 1 ? ' class="merged"' : ''} data-bands="${items.length}"><td class="range">${esc(
            rangeLabel(groupThousands(trimDecimal(first.bandBps)), groupThousands(trimDecimal(last.bandBps))),
          )}</td>${cells(first)
            .map((c) => `<td>${esc(c)}</td>`)
            .join('')}</tr>`,
      )
      .join('\n')}</tbody>`,
    '</table>',
    merged
      ? '<p class="caption">A range is one row for bands with the same figures: no stored level lies between them, the stored side ends first (LEVELS_WITHIN_BPS, the venue’s depth limit).</p>'
      : '',
  ];
}

function sizeLimitTable(m: MarketReport): string[] {
  if (m.sizeLimits.length === 0) return [];
  const thresholds = [...new Set(m.sizeLimits.map((l) => trimDecimal(l.thresholdBps)))].sort(compareDecimal);
  const find = (side: string, t: string): SizeLimit | undefined =>
    m.sizeLimits.find((l) => l.side === side && trimDecimal(l.thresholdBps) === t);
  const cells = (l: SizeLimit | undefined) => {
    if (!l) return '<td>—</td><td>—</td><td>—</td>';
    const more = l.bookExhausted ? '≥ ' : '';
    const cls = l.bookExhausted ? ' class="exhausted"' : '';
    return (
      `<td${cls}>${esc(more + money(l.maxNotionalUsd))}</td>` +
      `<td${cls}>${esc(more + formatDecimal(l.maxBase, BASE_DECIMALS))}</td><td>${l.levelsUsed}</td>`
    );
  };
  const row = (t: string) => `${cells(find('buy', t))}${cells(find('sell', t))}`;
  const runs = runsOf(thresholds, row);
  const exhausted = m.sizeLimits.some((l) => l.bookExhausted);
  return [
    '<h4>Largest order within a slippage threshold (average price vs mid, before fees)</h4>',
    '<table class="limits">',
    `<thead><tr><th rowspan="2">threshold (bps)</th><th class="group" colspan="3">buy</th><th class="group" colspan="3">sell</th></tr>` +
      `<tr><th>USD</th><th>${esc(m.base)}</th><th>levels</th><th>USD</th><th>${esc(m.base)}</th><th>levels</th></tr></thead>`,
    `<tbody>${runs
      .map(
        ({ first, last, items }) =>
          `<tr${items.length > 1 ? ' class="merged"' : ''} data-thresholds="${items.length}"><td class="range">${esc(
            rangeLabel(first, last),
          )}</td>${row(first)}</tr>`,
      )
      .join('\n')}</tbody>`,
    '</table>',
    exhausted
      ? '<p class="caption exhausted">≥ the whole stored side is within the threshold: the book we keep (LEVELS_WITHIN_BPS, the venue’s depth limit) runs out first. Thresholds with the same figures are one row.</p>'
      : '',
  ];
}
