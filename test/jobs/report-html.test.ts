import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import { loadHtmlReport, type HtmlReportData } from '../../src/warehouse/readers/html-report.ts';
import { runOnce } from '../../src/jobs/run.ts';
import { openRawStore, type RawStore } from '../../src/raw/index.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { headless } from '../helpers/chromium.ts';
import { runCli } from '../helpers/child.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

// The four default markets and one quoted in EUR (charts, but no cost figures). Equal fees, so
// the venues' books compete on price alone and large orders split across them.
const ENV = {
  MARKETS: 'coinbase:BTC-USD,coinbase:ETH-USD,binance:BTCUSDT,binance:ETHUSDT,coinbase:BTC-EUR',
  TAKER_FEE_BPS: 'coinbase:10,binance:10',
  BINANCE_DEPTH_LIMIT: '1000',
  HTTP_RETRIES: '0',
};

let sim: Simulator;
const testDb = useTestDatabase();
let warehouse: Warehouse | undefined;
let dir: string;
let store: RawStore;
let data: HtmlReportData;

function db() {
  if (!warehouse) throw new Error('warehouse closed');
  return warehouse.db;
}

beforeAll(async () => {
  sim = await startSimulator({
    seed: 8,
    markets: [
      ...defaultSimMarkets(400),
      {
        venue: 'coinbase',
        symbol: 'BTC-EUR',
        base: 'BTC',
        quote: 'EUR',
        startMid: '78012.34',
        tickSize: '0.01',
        levels: 400,
      },
    ],
  });
  warehouse = await testDb.open();
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-html-'));
  store = openRawStore(`file://${path.join(dir, 'raw')}`);
  const config = loadConfig({ COINBASE_API_URL: sim.url, BINANCE_API_URL: sim.url, ...ENV });
  const { log } = capturingLogger();
  for (let i = 0; i < 3; i++) {
    const summary = await runOnce({
      config,
      log,
      store,
      clients: createVenueClients(config, log, {
        coinbase: new RequestRateLimiter(1000),
        binance: new WeightBudgetLimiter(6000),
      }),
      db: warehouse.db,
      loader: new Loader(warehouse.db, config),
    });
    expect(summary.exitCode).toBe(0);
  }
  data = await loadHtmlReport(warehouse.db);
}, 120_000); // three runs: embedded PGlite (no server, no Docker) takes its time
afterAll(async () => {
  await sim.close();
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('loadHtmlReport', () => {
  it('reads the newest book of every market with its depth, history, size limits and cost curve', () => {
    expect(data.markets.map((m) => `${m.exchange}:${m.market}`)).toEqual([
      'binance:BTCUSDT',
      'binance:ETHUSDT',
      'coinbase:BTC-EUR',
      'coinbase:BTC-USD',
      'coinbase:ETH-USD',
    ]);
    for (const m of data.markets) {
      // Three runs: three snapshots, oldest first.
      expect(m.history).toHaveLength(3);
      expect(m.history.map((h) => h.capturedAt)).toEqual(m.history.map((h) => h.capturedAt).sort());
      // Depth from the best level out: prices move away from mid, cumulative USD grows.
      expect(m.bids.length).toBeGreaterThan(10);
      expect(m.asks.length).toBeGreaterThan(10);
      for (const [levels, away] of [
        [m.bids, -1],
        [m.asks, 1],
      ] as const) {
        for (let i = 1; i < levels.length; i++) {
          const [a, b] = [levels[i - 1], levels[i]];
          expect(Math.sign(Number(b?.price) - Number(a?.price))).toBe(away);
          expect(Number(b?.cumQuote)).toBeGreaterThan(Number(a?.cumQuote));
        }
      }
      const usd = m.quote !== 'EUR';
      // 2 sides × 9 COST_CURVE_USD sizes, 2 sides × 5 SLIPPAGE_BPS_THRESHOLDS; none in EUR.
      expect([m.costCurve.length, m.sizeLimits.length]).toEqual(usd ? [18, 10] : [0, 0]);
    }
  });

  it('gives the depth, size limits and cost curve exactly as the views have them', async () => {
    const m = data.markets.find((x) => x.market === 'BTC-USD');
    if (!m) throw new Error('no BTC-USD');
    const { rows: levels } = await sql<{ price: string; cum_quote: string }>`
      select price::text as price, cum_quote::text as cum_quote from orderbook.v_book_levels
      where snapshot_id = ${m.snapshotId} and side = 'ask' order by level_no limit 5`.execute(db());
    expect(m.asks.slice(0, 5)).toEqual(levels.map((l) => ({ price: l.price, cumQuote: l.cum_quote })));
    const { rows: limit } = await sql<{ max_notional_usd: string; book_exhausted: boolean }>`
      select max_notional_usd::text as max_notional_usd, book_exhausted from orderbook.v_max_size
      where snapshot_id = ${m.snapshotId} and side = 'sell' and threshold_bps = 5`.execute(db());
    const five = m.sizeLimits.find((l) => l.side === 'sell' && l.thresholdBps === '5');
    expect([five?.maxNotionalUsd, five?.bookExhausted]).toEqual([
      limit[0]?.max_notional_usd,
      limit[0]?.book_exhausted,
    ]);
    const { rows: cost } = await sql<{ all_in_cost_bps: string }>`
      select all_in_cost_bps::text as all_in_cost_bps from orderbook.v_cost_curve
      where snapshot_id = ${m.snapshotId} and side = 'buy' and notional_usd = 250000`.execute(db());
    expect(m.costCurve.find((c) => c.side === 'buy' && c.notionalUsd === '250000')?.allInCostBps).toBe(
      cost[0]?.all_in_cost_bps,
    );
  });

  it("gives each asset's optimal splits for the newest run, as v_optimal_split has them", async () => {
    expect(data.assets.map((a) => a.base)).toEqual(['BTC', 'ETH']);
    const btc = data.assets[0];
    expect(btc?.runId).toBe(data.markets.find((m) => m.market === 'BTC-USD')?.runId);
    // NOTIONALS_USD (50k, 100k) are on the COST_CURVE_USD ladder: 9 sizes × 2 sides, two venues each.
    expect(btc?.orders).toHaveLength(18);
    expect(btc?.orders.every((o) => o.venues.length === 2)).toBe(true);
    const million = btc?.orders.find((o) => o.side === 'buy' && o.notionalUsd === '1000000');
    const { rows } = await sql<{ exchange: string; usd_amount: string; blended_all_in_price: string }>`
      select exchange, usd_amount::text as usd_amount, blended_all_in_price::text as blended_all_in_price
      from orderbook.v_optimal_split
      where run_id = ${btc?.runId ?? ''}::uuid and base = 'BTC' and side = 'buy' and notional_usd = 1000000
      order by exchange, market`.execute(db());
    expect(million?.venues.map((v) => [v.exchange, v.usdAmount])).toEqual(
      rows.map((r) => [r.exchange, r.usd_amount]),
    );
    expect(million?.blendedAllInPrice).toBe(rows[0]?.blended_all_in_price);
  });
});

describe('loadHtmlReport: what the figures assume', () => {
  it('reads fees, sizes, thresholds and bands as the views applied them, and each book’s depth bands', async () => {
    const { rows: fees } = await sql<{ exchange: string; fee_bps: string }>`
      select distinct exchange, fee_bps::text as fee_bps from orderbook.v_cost_curve order by 1, 2`.execute(
      db(),
    );
    expect(fees).toEqual([
      { exchange: 'binance', fee_bps: '10' },
      { exchange: 'coinbase', fee_bps: '10' },
    ]);
    expect(data.assumptions).toEqual({
      fees: fees.map((f) => ({ exchange: f.exchange, feeBps: [f.fee_bps] })),
      usdStablecoins: ['USDT'],
      notionalsUsd: ['50000', '100000'],
      costCurveUsd: ['1000', '5000', '10000', '25000', '50000', '100000', '250000', '500000', '1000000'],
      slippageThresholdsBps: ['5', '10', '25', '50', '100'],
      depthBandsBps: ['10', '50', '100', '200', '500', '1000'],
      // As the books were asked for: BINANCE_DEPTH_LIMIT, and Coinbase's whole book.
      depthLimits: [
        { exchange: 'binance', limits: [1000] },
        { exchange: 'coinbase', limits: [null] },
      ],
      // Not given: the warehouse does not record what was stored.
      storage: null,
    });
    const m = data.markets.find((x) => x.market === 'BTCUSDT');
    const { rows: bands } = await sql<{ band_bps: string; bid_quote: string; ask_base: string }>`
      select band_bps::text as band_bps, bid_quote::text as bid_quote, ask_base::text as ask_base
      from orderbook.v_depth d where d.snapshot_id = ${m?.snapshotId ?? '0'} order by d.band_bps`.execute(
      db(),
    );
    expect(m?.depthBands.map((b) => [b.bandBps, b.bidQuote, b.askBase])).toEqual(
      bands.map((b) => [b.band_bps, b.bid_quote, b.ask_base]),
    );
  });
});

describe('renderHtmlReport', () => {
  it('shows every split decision once: each row a run of sizes, no two neighbours alike', () => {
    const html = renderHtmlReport(data);
    for (const asset of data.assets) {
      const section = html.slice(html.indexOf(`<section id="asset-${asset.base}">`));
      const body = /<table class="split">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? '';
      const rows = [...body.matchAll(/<tr[^>]*data-sizes="(\d+)"[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => {
        const cells = [...(r[2] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
          (c[1] ?? '').replace(/<[^>]+>/g, ''),
        );
        // Side, best single venue, split and saving: what decides; sizes and prices may differ.
        return { sizes: Number(r[1]), decision: [cells[0], cells[2], cells[4], cells[6]].join('|') };
      });
      expect(rows.reduce((n, r) => n + r.sizes, 0)).toBe(asset.orders.length);
      for (let i = 1; i < rows.length; i++) expect(rows[i]?.decision).not.toBe(rows[i - 1]?.decision);
    }
  });

  it('is one self-contained page: nothing fetched, a chart per asset and three per market', () => {
    const html = renderHtmlReport(data);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    // 2 cost-curve charts (BTC, ETH) + 5 markets × (depth, mid, spread).
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2 + 5 * 3);
    expect(html).toContain('Largest order within a slippage threshold');
    expect(html).toContain('Best venue and optimal split per order size');
  });

  it('escapes every text it prints', () => {
    const [first] = data.markets;
    if (!first) throw new Error('no market');
    const evil = '<img src=x onerror=alert(1)>&"\'';
    const html = renderHtmlReport({
      ...data,
      markets: [{ ...first, exchange: evil, market: evil, base: evil, quote: evil }],
      assets: [{ base: evil, runId: evil, capturedAt: null, orders: [] }],
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
  });

  it('says what to do when the warehouse is empty', () => {
    const html = renderHtmlReport({ ...data, markets: [], assets: [] });
    expect(html).toContain('No snapshots yet');
    expect(html).not.toContain('<svg');
  });
});

describe('npm run report -- --html FILE, in headless Chromium', () => {
  let file: string;
  beforeAll(async () => {
    file = path.join(dir, 'report.html');
    // PGlite allows one process at a time: hand the warehouse to the CLI.
    await warehouse?.close();
    warehouse = undefined;
    const result = await runCli(
      ['report', '--html', file],
      {
        HOME: process.env.HOME ?? '',
        DATA_DIR: testDb.dataDir,
        LOG_LEVEL: 'warn',
        ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
      },
      60_000, // the hook's own limit
    );
    expect(result.stderr).toBe('');
    expect([result.code, result.stdout]).toEqual([0, `report written to ${file}\n`]);
  });

  it('loads without errors and draws every chart', { timeout: 120_000 }, async () => {
    const html = await readFile(file, 'utf8');
    const charts = html.match(/<svg class="chart"/g)?.length ?? 0;
    expect(charts).toBe(17);
    const result = await headless(file, ['--dump-dom']);
    expect(result.code).toBe(0);
    // The page's own probe: errors (scripts, resources) counted from the first line, then at
    // load the charts and those whose line the browser laid out with a length.
    const root = /<html[^>]*>/.exec(result.stdout)?.[0] ?? '';
    expect(root).toContain('data-ready="true"');
    expect(root).toContain('data-errors="0"');
    expect(root).toContain(`data-charts="${charts}"`);
    expect(root).toContain(`data-charts-drawn="${charts}"`);
    // And the lines really have points: every chart's series path has a moveto and linetos.
    const paths = [...result.stdout.matchAll(/<path class="series" d="(M[^"]*)"/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThanOrEqual(charts);
    for (const d of paths) expect(d).toMatch(/^M[\d.-]+,[\d.-]+( L[\d.-]+,[\d.-]+)+$/);
  });

  it("states this environment's storage settings too", async () => {
    const html = await readFile(file, 'utf8');
    for (const setting of [
      'TAKER_FEE_BPS',
      'LEVELS_WITHIN_BPS',
      'BINANCE_DEPTH_LIMIT',
      'LEVEL_RETENTION_DAYS',
    ])
      expect(html).toContain(`<tr data-setting="${setting}">`);
    expect(html).toContain('within 1,000 bps of mid');
  });

  it('renders to a screenshot', { timeout: 120_000 }, async () => {
    const png = path.join(dir, 'report.png');
    const result = await headless(file, [
      '--hide-scrollbars',
      '--window-size=1280,2400',
      `--screenshot=${png}`,
    ]);
    expect(result.code).toBe(0);
    const bytes = await readFile(png);
    // PNG signature, then IHDR: width and height as big-endian 32-bit integers.
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 2400]);
    // A blank page compresses to almost nothing; charts and tables do not.
    expect(bytes.length).toBeGreaterThan(50_000);
  });
});
