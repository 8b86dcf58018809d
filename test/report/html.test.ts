import { describe, expect, it } from 'vitest';
import type {
  Assumptions,
  CostPoint,
  DepthBand,
  HtmlReportData,
  MarketReport,
  SizeLimit,
  SplitOrder,
} from '../../src/warehouse/readers/html-report.ts';
import { renderHtmlReport } from '../../src/report/html.ts';

// A hand-made page: two venues of one asset, with rows that repeat and rows that do not.
const ASSUMPTIONS: Assumptions = {
  fees: [
    { exchange: 'binance', feeBps: ['10'] },
    { exchange: 'coinbase', feeBps: ['60'] },
  ],
  usdStablecoins: ['USDT'],
  notionalsUsd: ['50000'],
  costCurveUsd: ['1000', '50000', '1000000'],
  slippageThresholdsBps: ['5', '10', '50', '100'],
  depthBandsBps: ['10', '50', '200', '500', '1000'],
  depthLimits: [],
  storage: { levelsWithinBps: 1000, levelRetentionDays: 30, binanceDepthLimit: 5000 },
};

const band = (bandBps: string, bid: string, ask: string): DepthBand => ({
  bandBps,
  bidBase: bid,
  bidQuote: `${bid.replace('.', '')}.5`,
  askBase: ask,
  askQuote: `${ask.replace('.', '')}.5`,
});

const limit = (
  side: 'buy' | 'sell',
  thresholdBps: string,
  usd: string,
  bookExhausted = false,
): SizeLimit => ({
  side,
  thresholdBps,
  maxNotionalUsd: usd,
  maxBase: '1.5',
  levelsUsed: 40,
  bookExhausted,
});

function curve(bps: (side: 'buy' | 'sell', usd: number) => string): CostPoint[] {
  return (['buy', 'sell'] as const).flatMap((side) =>
    [1000, 50_000, 1_000_000].map((usd) => ({
      side,
      notionalUsd: String(usd),
      fullyFilled: true,
      allInPrice: '84800.12',
      allInCostBps: bps(side, usd),
      slippageBps: '0.5',
    })),
  );
}

function market(
  exchange: string,
  symbol: string,
  quote: string,
  over: Partial<MarketReport> = {},
): MarketReport {
  return {
    exchange,
    market: symbol,
    base: 'BTC',
    quote,
    snapshotId: `${exchange}-1`,
    runId: 'run-1',
    capturedAt: '2026-12-02T05:03:59.000000Z',
    reach: [],
    notExecutable: null,
    bestBid: '84712.47',
    bestAsk: '84712.51',
    midPrice: '84712.49',
    spread: '0.04',
    spreadBps: '0.0047',
    fills: [],
    bids: [
      { price: '84712.47', cumQuote: '250000' },
      { price: '84700.1', cumQuote: '1250000' },
    ],
    asks: [
      { price: '84712.51', cumQuote: '300000' },
      { price: '84730', cumQuote: '1900000' },
    ],
    history: [
      { capturedAt: '2026-12-02T05:02:59.000000Z', midPrice: '84705.1', spreadBps: '0.0012' },
      { capturedAt: '2026-12-02T05:03:59.000000Z', midPrice: '84712.49', spreadBps: '0.0047' },
    ],
    depthBands: [
      band('10', '41.7179', '36.8114'),
      band('50', '147.5746', '118.4351'),
      band('200', '316.3905', '296.3783'),
      band('500', '316.3905', '296.3783'),
      band('1000', '316.3905', '296.3783'),
    ],
    sizeLimits: [
      limit('buy', '5', '3281786'),
      limit('sell', '5', '3817270'),
      limit('buy', '10', '5759432'),
      limit('sell', '10', '6050878'),
      limit('buy', '50', '25292416', true),
      limit('sell', '50', '26611743', true),
      limit('buy', '100', '25292416', true),
      limit('sell', '100', '26611743', true),
    ],
    costCurve: curve((side, usd) => (usd < 1e6 ? '10.01' : side === 'buy' ? '11.3' : '12.8')),
    ...over,
  };
}

function order(side: 'buy' | 'sell', usd: string, shares: [string, string], saving: string): SplitOrder {
  const venues = [
    { exchange: 'binance', market: 'BTCUSDT', sharePct: shares[0] },
    { exchange: 'coinbase', market: 'BTC-USD', sharePct: shares[1] },
  ].map((v) => ({
    ...v,
    usdAmount: String((Number(usd) * Number(v.sharePct)) / 100),
    baseAmount: '0.5',
    feeUsd: '1',
  }));
  return {
    side,
    notionalUsd: usd,
    venues,
    filledUsd: usd,
    blendedAllInPrice: `84800.${usd.length}`,
    fullyFilled: true,
    bestSingleExchange: 'binance',
    bestSingleMarket: 'BTCUSDT',
    bestSingleAllInPrice: `84800.${usd.length}`,
    savingBps: saving,
  };
}

const ORDERS: SplitOrder[] = [
  order('buy', '1000', ['100', '0'], '0'),
  order('buy', '5000', ['100', '0'], '0.001'),
  order('buy', '10000', ['100', '0'], '0'),
  order('buy', '250000', ['92.9', '7.1'], '0.01'),
  order('buy', '1000000', ['70.2', '29.8'], '0.72'),
  order('sell', '1000', ['100', '0'], '0'),
  order('sell', '1000000', ['100', '0'], '0.2'),
];

const DATA: HtmlReportData = {
  generatedAt: '2026-12-02T05:04:04.000000Z',
  assumptions: ASSUMPTIONS,
  markets: [market('binance', 'BTCUSDT', 'USDT'), market('coinbase', 'BTC-USD', 'USD')],
  assets: [{ base: 'BTC', runId: 'run-1', capturedAt: '2026-12-02T05:03:59.000000Z', orders: ORDERS }],
};

/** The cells' text of each body row of the first table with this class. */
function tableRows(html: string, cls: string): { attrs: string; cells: string[] }[] {
  const body =
    new RegExp(`<table class="${cls}">[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((m) => ({
    attrs: m[1] ?? '',
    cells: [...(m[2] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
      (c[1] ?? '').replace(/<[^>]+>/g, '').trim(),
    ),
  }));
}

const charts = (html: string) => [...html.matchAll(/<svg class="chart"[\s\S]*?<\/svg>/g)].map((m) => m[0]);

describe('renderHtmlReport: assumptions', () => {
  it('states fees, sizes, thresholds, bands and what is stored before any figure', () => {
    const html = renderHtmlReport(DATA);
    const at = html.indexOf('<section id="assumptions">');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('<section id="asset-BTC">'));
    expect(at).toBeLessThan(html.indexOf('<svg'));
    const rows = new Map(
      [...html.matchAll(/<tr data-setting="([A-Z_]+)">([\s\S]*?)<\/tr>/g)].map((m) => [
        m[1],
        (m[2] ?? '').replace(/<[^>]+>/g, ' '),
      ]),
    );
    expect([...rows.keys()]).toEqual([
      'TAKER_FEE_BPS',
      'USD_STABLECOINS',
      'COST_CURVE_USD',
      'NOTIONALS_USD',
      'SLIPPAGE_BPS_THRESHOLDS',
      'DEPTH_BANDS_BPS',
      'LEVELS_WITHIN_BPS',
      'BINANCE_DEPTH_LIMIT',
      'LEVEL_RETENTION_DAYS',
    ]);
    expect(rows.get('TAKER_FEE_BPS')).toContain('binance 10 bps · coinbase 60 bps');
    expect(rows.get('USD_STABLECOINS')).toContain('USDT');
    expect(rows.get('COST_CURVE_USD')).toContain('$1k · $50k · $1M');
    expect(rows.get('NOTIONALS_USD')).toContain('$50k');
    expect(rows.get('SLIPPAGE_BPS_THRESHOLDS')).toContain('5 bps · 10 bps · 50 bps · 100 bps');
    expect(rows.get('DEPTH_BANDS_BPS')).toContain('10 bps · 50 bps · 200 bps · 500 bps · 1,000 bps');
    expect(rows.get('LEVELS_WITHIN_BPS')).toContain('within 1,000 bps of mid');
    expect(rows.get('BINANCE_DEPTH_LIMIT')).toContain('5,000 levels a side');
    expect(rows.get('LEVEL_RETENTION_DAYS')).toContain('30 days');
  });

  it('says when a fee changed between the books, and leaves out what it was not told', () => {
    const html = renderHtmlReport({
      ...DATA,
      assumptions: {
        ...ASSUMPTIONS,
        fees: [{ exchange: 'coinbase', feeBps: ['10', '60'] }],
        usdStablecoins: [],
        storage: null,
      },
    });
    const fee = /<tr data-setting="TAKER_FEE_BPS">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(fee).toContain('coinbase 10 bps or 60 bps');
    expect(fee).toContain('It changed between the books shown.');
    for (const setting of ['USD_STABLECOINS', 'LEVELS_WITHIN_BPS', 'LEVEL_RETENTION_DAYS'])
      expect(html).not.toContain(`data-setting="${setting}"`);
  });
});

describe('renderHtmlReport: what each book can show', () => {
  it('names the depth asked of every venue, how far each book reaches and why, and a book not executable as shown', () => {
    const html = renderHtmlReport({
      ...DATA,
      assumptions: {
        ...ASSUMPTIONS,
        depthLimits: [
          { exchange: 'binance', limits: [1000, 5000] },
          { exchange: 'coinbase', limits: [null] },
          { exchange: 'kraken', limits: [500] },
        ],
      },
      markets: [
        market('binance', 'BTCUSDT', 'USDT', {
          reach: [
            { side: 'bid', reachBps: '212.34', cut: 'venue_depth_limit', depthLimit: 5000 },
            { side: 'ask', reachBps: '1000', cut: 'levels_within_bps', depthLimit: 5000 },
          ],
        }),
        market('coinbase', 'BTC-USD', 'USD', {
          reach: [
            { side: 'bid', reachBps: '812.34', cut: null, depthLimit: null },
            { side: 'ask', reachBps: null, cut: null, depthLimit: null },
          ],
          notExecutable: 'auction_mode',
        }),
      ],
    });
    const depth = /<tr data-setting="BINANCE_DEPTH_LIMIT">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(depth).toContain(
      'binance 1,000 levels a side or 5,000 levels a side · coinbase whole book · kraken 500 levels a side',
    );
    // One row for the setting: the books' own figures replace the environment's.
    expect(html.match(/data-setting="BINANCE_DEPTH_LIMIT"/g)).toHaveLength(1);
    const section = (id: string) =>
      new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
    const binance = section('market-binance-BTCUSDT');
    expect(binance).toContain(
      'Captured: bids to 212.3 bps below mid, cut by the venue’s depth limit (5,000 levels); asks to 1,000.0 bps above mid, cut by LEVELS_WITHIN_BPS.',
    );
    expect(binance).not.toContain('Not executable');
    const coinbase = section('market-coinbase-BTC-USD');
    // A side without a reach (derived before fact_reach existed) is left out of the sentence.
    expect(coinbase).toContain('Captured: bids to 812.3 bps below mid, the venue’s whole side.');
    expect(coinbase).toContain(
      'Not executable as shown (auction_mode): left out of the best venue and the split.',
    );
  });
});

describe('renderHtmlReport: rows that would print the same are one row', () => {
  it('the split table: one row per run of sizes with the same venue, split and saving', () => {
    const rows = tableRows(renderHtmlReport(DATA), 'split');
    // buy $1k–$10k all binance 100% and saving 0.00 (0.001 prints as 0.00); the rest differ.
    expect(rows.map((r) => r.cells.slice(0, 2))).toEqual([
      ['buy', '$1k – $10k'],
      ['buy', '$250k'],
      ['buy', '$1M'],
      ['sell', '$1k'],
      ['sell', '$1M'],
    ]);
    expect(rows[0]?.attrs).toContain('data-sizes="3"');
    // Its prices run from the first size's to the last's.
    expect(rows[0]?.cells[3]).toBe('84,800.40 – 84,800.50');
    expect(rows[0]?.cells.at(-1)).toBe('0.00');
    expect(rows.slice(1).every((r) => r.attrs.includes('data-sizes="1"'))).toBe(true);
  });

  it('the depth-band and size-limit tables: bands and thresholds with the same figures', () => {
    const html = renderHtmlReport(DATA);
    const bands = tableRows(html, 'bands');
    expect(bands.map((r) => r.cells[0])).toEqual(['10', '50', '200 – 1,000']);
    expect(bands[2]?.cells.slice(1)).toEqual(['316.3905', '3,163,906', '296.3783', '2,963,784']);
    expect(html).toContain('A range is one row for bands with the same figures');
    const limits = tableRows(html, 'limits');
    expect(limits.map((r) => r.cells[0])).toEqual(['5', '10', '50 – 100']);
    expect(limits[2]?.cells[1]).toBe('≥ $25,292,416');
  });

  it('keeps every row when none repeats', () => {
    const distinct = ORDERS.map((o, i) => ({ ...o, savingBps: String(i + 1) }));
    const [asset] = DATA.assets;
    if (!asset) throw new Error('no asset');
    const html = renderHtmlReport({ ...DATA, assets: [{ ...asset, orders: distinct }] });
    expect(tableRows(html, 'split')).toHaveLength(ORDERS.length);
  });
});

describe('renderHtmlReport: charts', () => {
  it('draws buy and sell of each venue in two tones, solid with circles and dashed with triangles, in the legend too', () => {
    const [cost] = charts(renderHtmlReport(DATA));
    if (!cost) throw new Error('no cost-curve chart');
    const series = [...cost.matchAll(/<path class="series" [^>]*>/g)].map((m) => m[0]);
    const of = (name: string) => series.find((p) => p.includes(`data-name="${name}"`)) ?? '';
    const stroke = (path: string) => /stroke="([^"]+)"/.exec(path)?.[1];
    for (const venue of ['binance BTCUSDT', 'coinbase BTC-USD']) {
      const [buy, sell] = [of(`${venue} buy`), of(`${venue} sell`)];
      expect(buy).not.toBe('');
      expect(stroke(buy)).not.toBe(stroke(sell));
      expect(buy).not.toContain('stroke-dasharray');
      expect(sell).toContain('stroke-dasharray');
      const legend = (side: string) =>
        new RegExp(`<g class="legend-item" data-name="${venue} ${side}">([\\s\\S]*?)</g>`).exec(cost)?.[1] ??
        '';
      expect(legend('buy')).toContain('data-marker="circle"');
      expect(legend('sell')).toContain('data-marker="triangle"');
      expect(legend('sell')).toContain('stroke-dasharray');
    }
    // Three sizes a line: each point marked with its side's shape.
    expect(cost.match(/class="dot marker-circle"/g)).toHaveLength(6);
    expect(cost.match(/class="dot marker-triangle"/g)).toHaveLength(6);
  });

  it('labels both axes of every chart with what they show and a unit, each axis at one precision', () => {
    const all = charts(renderHtmlReport(DATA));
    // One cost curve, then depth, mid and spread per market.
    expect(all).toHaveLength(1 + 2 * 3);
    for (const svg of all) {
      const title = /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? '';
      const axes = [...svg.matchAll(/<text class="axis-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
      expect(axes, title).toHaveLength(2);
      for (const label of axes) expect(label, title).toMatch(/^[a-z].*\((USD|USDT|bps|UTC)[^)]*\)$/);
      const yTicks = [...svg.matchAll(/<text class="tick"[^>]*text-anchor="end"[^>]*>([^<]*)</g)]
        .map((m) => m[1] ?? '')
        .filter((t) => t !== '0');
      expect(yTicks.length, title).toBeGreaterThan(1);
      const places = new Set(yTicks.map((t) => t.replace(/[^\d.]/g, '').split('.')[1]?.length ?? 0));
      expect(places.size, `${title}: ${yTicks.join(' ')}`).toBe(1);
    }
  });
});
