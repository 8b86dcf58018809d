/** One run over all five venues through the simulator into PostgreSQL: best venue and split compare them all. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import { runOnce } from '../../src/jobs/run.ts';
import { openRawStore } from '../../src/raw/index.ts';
import { allSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { loadHtmlReport } from '../../src/warehouse/readers/html-report.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

let sim: Simulator;
let dir: string;
const { warehouse } = useTestWarehouse();
const BTC = allSimMarkets(200).filter((m) => m.base === 'BTC');

beforeAll(async () => {
  sim = await startSimulator({ seed: 16, markets: allSimMarkets(200) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-five-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a run over five venues', () => {
  it('loads a book of every venue, and v_best_venue and v_optimal_split compare all five for BTC', async () => {
    const url = sim.url;
    const config = loadConfig({
      MARKETS: BTC.map((m) => `${m.venue}:${m.symbol}`).join(','),
      COINBASE_API_URL: url,
      BINANCE_API_URL: url,
      KRAKEN_API_URL: url,
      OKX_API_URL: url,
      BYBIT_API_URL: url,
      BINANCE_DEPTH_LIMIT: '1000',
      // Equal fees: the comparison is of the books alone.
      TAKER_FEE_BPS: 'coinbase:10,binance:10,kraken:10,okx:10,bybit:10',
      NOTIONALS_USD: '50000',
      HTTP_RETRIES: '1',
      HTTP_BACKOFF_MS: '5',
    });
    const log = capturingLogger().log;
    const summary = await runOnce({
      config,
      log,
      store: openRawStore(`file://${dir}`),
      clients: createVenueClients(config, log, {
        coinbase: new RequestRateLimiter(1000),
        binance: new WeightBudgetLimiter(6000),
      }),
      db: warehouse.db,
      loader: new Loader(warehouse.db, config),
    });
    expect(summary.exitCode).toBe(0);

    const loaded = await sql<{ exchange: string; base: string; quote: string; levels: number }>`
      select e.code as exchange, b.code as base, q.code as quote, s.bid_levels as levels
      from orderbook.fact_snapshot s
      join orderbook.dim_market m using (market_id)
      join orderbook.dim_exchange e using (exchange_id)
      join orderbook.dim_asset b on b.asset_id = m.base_asset_id
      join orderbook.dim_asset q on q.asset_id = m.quote_asset_id
      order by e.code`.execute(warehouse.db);
    expect(loaded.rows).toEqual([
      { exchange: 'binance', base: 'BTC', quote: 'USDT', levels: 200 },
      { exchange: 'bybit', base: 'BTC', quote: 'USDT', levels: 200 },
      { exchange: 'coinbase', base: 'BTC', quote: 'USD', levels: 200 },
      { exchange: 'kraken', base: 'BTC', quote: 'USD', levels: 200 },
      { exchange: 'okx', base: 'BTC', quote: 'USDT', levels: 200 },
    ]);

    // Every venue's BTC fill took part: the winner and runner-up are two of the five, and each
    // venue's fully filled fill is there to be compared.
    const best = await sql<{
      side: string;
      exchange: string;
      runner_up_exchange: string;
      books_compared: number;
    }>`
      select side, exchange, runner_up_exchange, books_compared from orderbook.v_best_venue
      where base = 'BTC' and notional_usd = 50000 order by side`.execute(warehouse.db);
    expect(best.rows).toHaveLength(2);
    const venues = ['coinbase', 'binance', 'kraken', 'okx', 'bybit'];
    for (const row of best.rows) {
      expect(venues).toContain(row.exchange);
      expect(venues).toContain(row.runner_up_exchange);
      // Every venue's book could fill $50k, so all five competed.
      expect(row.books_compared).toBe(5);
    }
    const compared = await sql<{ exchange: string }>`
      select distinct exchange from orderbook.v_execution_cost
      where base = 'BTC' and notional_usd = 50000 and fully_filled order by exchange`.execute(warehouse.db);
    expect(compared.rows.map((r) => r.exchange)).toEqual([...venues].sort());

    const split = await sql<{ exchange: string }>`
      select distinct exchange from orderbook.v_optimal_split where base = 'BTC'`.execute(warehouse.db);
    // One row per competing book: the split merged all five venues' books.
    expect(split.rows.map((r) => r.exchange).sort()).toEqual([...venues].sort());
  });

  it('counts the orders per depth band where the venue gives them (Coinbase, OKX), null elsewhere', async () => {
    // The 1000 bps band against the same levels summed apart, in v_book_levels.
    const { rows } = await sql<{
      exchange: string;
      bid_orders: string | null;
      ask_orders: string | null;
      bids: string | null;
      asks: string | null;
    }>`
      select d.exchange, d.bid_orders, d.ask_orders,
             (select sum(l.order_count) from orderbook.v_book_levels l
              where l.snapshot_id = d.snapshot_id and l.side = 'bid' and l.price >= t.mid_price * 0.9) as bids,
             (select sum(l.order_count) from orderbook.v_book_levels l
              where l.snapshot_id = d.snapshot_id and l.side = 'ask' and l.price <= t.mid_price * 1.1) as asks
      from orderbook.v_depth d join orderbook.fact_top t using (snapshot_id)
      where d.band_bps = 1000 order by d.exchange`.execute(warehouse.db);
    expect(rows.map((r) => [r.exchange, r.bid_orders === null, r.ask_orders === null])).toEqual([
      ['binance', true, true],
      ['bybit', true, true],
      ['coinbase', false, false],
      ['kraken', true, true],
      ['okx', false, false],
    ]);
    for (const r of rows.filter((row) => row.bid_orders !== null)) {
      expect([r.bid_orders, r.ask_orders], r.exchange).toEqual([r.bids, r.asks]);
      expect(Number(r.bid_orders)).toBeGreaterThan(0);
    }
  });

  it('the HTML report covers every venue: a section per book, each in the BTC charts, every fee', async () => {
    const data = await loadHtmlReport(warehouse.db);
    const venues = ['binance', 'bybit', 'coinbase', 'kraken', 'okx'];
    expect(data.markets.map((m) => m.exchange).sort()).toEqual(venues);
    expect(data.assumptions.fees.map((f) => [f.exchange, f.feeBps])).toEqual(venues.map((v) => [v, ['10']]));
    for (const m of data.markets) {
      // Every book was priced: cost curve, depth bands and size limits, whatever its venue.
      expect(m.costCurve.length, m.exchange).toBeGreaterThan(0);
      expect(m.depthBands.length, m.exchange).toBeGreaterThan(0);
      expect(m.sizeLimits.length, m.exchange).toBeGreaterThan(0);
    }
    const html = renderHtmlReport(data);
    for (const m of data.markets) {
      expect(html, m.exchange).toContain(
        `<section id="market-${m.exchange}-${m.market.replace(/[^A-Za-z0-9-]/g, '_')}">`,
      );
    }
    // The BTC section's cost-curve chart names every venue's book in its legend.
    const btc = /<section id="asset-BTC">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    const legend = [...btc.matchAll(/<g class="legend-item" data-name="([^"]+)">/g)].map((x) => x[1] ?? '');
    for (const m of data.markets) {
      expect(
        legend.some((name) => name.includes(m.exchange)),
        `${m.exchange} in ${legend.join(' | ')}`,
      ).toBe(true);
    }
    // The depth each venue was asked for, and each book's reach with what ended it.
    expect(data.assumptions.depthLimits).toEqual([
      { exchange: 'binance', limits: [1000] },
      { exchange: 'bybit', limits: [1000] },
      { exchange: 'coinbase', limits: [null] },
      { exchange: 'kraken', limits: [500] },
      { exchange: 'okx', limits: [5000] },
    ]);
    const depth = /<tr data-setting="BINANCE_DEPTH_LIMIT">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(depth).toContain(
      'binance 1,000 levels a side · bybit 1,000 levels a side · coinbase whole book · kraken 500 levels a side · okx 5,000 levels a side',
    );
    for (const m of data.markets) {
      expect(
        m.reach.map((r) => r.side),
        m.exchange,
      ).toEqual(['bid', 'ask']);
      // 200 levels a side in the simulator: under every venue's limit, so each side is whole.
      expect(
        m.reach.map((r) => r.cut),
        m.exchange,
      ).toEqual([null, null]);
      expect(m.notExecutable, m.exchange).toBeNull();
    }
    expect(html.match(/Captured: bids to [\d,.]+ bps below mid, the venue’s whole side/g)).toHaveLength(5);
    const fee = /<tr data-setting="TAKER_FEE_BPS">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    for (const v of venues) expect(fee).toContain(`${v} 10`);
  });
});
