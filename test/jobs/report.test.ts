import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { RequestRateLimiter, WeightBudgetLimiter } from '../../src/http/ratelimit.ts';
import { EMPTY_MESSAGE, renderReport, renderReportJson } from '../../src/report/terminal.ts';
import { loadReport, type ReportData } from '../../src/warehouse/readers/report.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import { openRawStore, type RawStore } from '../../src/raw/index.ts';
import { formatAge, notionalLabel, priceDecimals, roundDecimal } from '../../src/report/format.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

// Five markets: the four defaults and one quoted in EUR, which gets no fills. The third notional
// is more than a 300-level book holds, so its fills are not fully filled and never win.
const MARKETS = 'coinbase:BTC-USD,coinbase:ETH-USD,binance:BTCUSDT,binance:ETHUSDT,coinbase:BTC-EUR';
const NOTIONALS = ['50000', '100000', '500000000'];

let sim: Simulator;
const { warehouse } = useTestWarehouse();
let dir: string;
let store: RawStore;
let empty: ReportData;
let data: ReportData;
let runs: RunSummary[];

async function run(): Promise<RunSummary> {
  const config = loadConfig({
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    BINANCE_DEPTH_LIMIT: '1000',
    MARKETS,
    NOTIONALS_USD: NOTIONALS.join(','),
    HTTP_RETRIES: '0',
  });
  const { log } = capturingLogger();
  return runOnce({
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
}

beforeAll(async () => {
  sim = await startSimulator({
    seed: 5,
    markets: [
      ...defaultSimMarkets(300),
      {
        venue: 'coinbase',
        symbol: 'BTC-EUR',
        base: 'BTC',
        quote: 'EUR',
        startMid: '78012.34',
        tickSize: '0.01',
        levels: 300,
      },
    ],
  });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-report-'));
  store = openRawStore(`file://${dir}`);
  empty = await loadReport(warehouse.db);
  runs = [];
  for (let i = 0; i < 3; i++) runs.push(await run());
  data = await loadReport(warehouse.db);
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const lastRun = () => {
  const summary = runs.at(-1);
  if (!summary) throw new Error('no run');
  return summary;
};

/** 84697.31 → "84,697.31", grouped by Intl over a BigInt: exact, and not the code under test. */
function grouped(value: string): string {
  const [int = '', frac] = value.split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const digits = BigInt(int.replace('-', '')).toLocaleString('en-US');
  return `${sign}${digits}${frac !== undefined ? `.${frac}` : ''}`;
}

/** The lines of one section of the rendered report, from its title to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  expect(start, `section "${title}" in\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start, end === -1 ? undefined : end);
}

function rowOf(lines: string[], ...cells: string[]): string[] {
  const rows = lines
    .map((l) => l.trim().split(/\s+/))
    .filter((tokens) => cells.every((c, i) => tokens[i] === c));
  expect(rows, `one row starting ${cells.join(' ')} in\n${lines.join('\n')}`).toHaveLength(1);
  return rows[0] ?? [];
}

describe('loadReport', () => {
  it('reads the newest snapshot of every market exactly as v_latest gives it', async () => {
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    const view = await sql<{
      exchange: string;
      market: string;
      base: string;
      quote: string;
      snapshot_id: string;
      run_id: string;
      captured_at: Date;
      best_bid: string;
      best_ask: string;
      mid_price: string;
      spread: string;
      spread_bps: string;
      side: 'buy' | 'sell' | null;
      notional_usd: string | null;
      avg_price: string | null;
      all_in_price: string | null;
      slippage_bps: string | null;
      fee_usd: string | null;
      fully_filled: boolean | null;
    }>`select * from orderbook.v_latest order by exchange, market, notional_usd, side`.execute(warehouse.db);

    type Expected = Record<string, unknown> & { fills: unknown[] };
    const expected = new Map<string, Expected>();
    for (const r of view.rows) {
      const key = `${r.exchange}:${r.market}`;
      const market: Expected = expected.get(key) ?? {
        exchange: r.exchange,
        market: r.market,
        base: r.base,
        quote: r.quote,
        snapshotId: r.snapshot_id,
        runId: r.run_id,
        capturedAtMs: r.captured_at.getTime(),
        bestBid: r.best_bid,
        bestAsk: r.best_ask,
        midPrice: r.mid_price,
        spread: r.spread,
        spreadBps: r.spread_bps,
        fills: [],
      };
      expected.set(key, market);
      if (r.side !== null)
        market.fills.push({
          side: r.side,
          notionalUsd: r.notional_usd,
          avgPrice: r.avg_price,
          allInPrice: r.all_in_price,
          slippageBps: r.slippage_bps,
          feeUsd: r.fee_usd,
          fullyFilled: r.fully_filled,
        });
    }
    const got = data.markets.map(({ capturedAt, ...m }) => ({ ...m, capturedAtMs: Date.parse(capturedAt) }));
    expect(got).toEqual([...expected.values()]);

    expect(data.markets.map((m) => `${m.exchange}:${m.market}`)).toEqual([
      'binance:BTCUSDT',
      'binance:ETHUSDT',
      'coinbase:BTC-EUR',
      'coinbase:BTC-USD',
      'coinbase:ETH-USD',
    ]);
    // The newest run's snapshots, to the microsecond in UTC.
    for (const m of data.markets) {
      expect(m.runId).toBe(lastRun().runId);
      expect(m.capturedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
    const eur = data.markets.find((m) => m.market === 'BTC-EUR');
    expect(eur?.fills).toEqual([]);
    const btc = data.markets.find((m) => m.market === 'BTC-USD');
    expect(btc?.fills.map((f) => [f.side, f.notionalUsd, f.fullyFilled])).toEqual([
      ['buy', '50000', true],
      ['sell', '50000', true],
      ['buy', '100000', true],
      ['sell', '100000', true],
      ['buy', '500000000', false],
      ['sell', '500000000', false],
    ]);
  });

  it("gives v_best_venue's rows for the newest run, exactly", async () => {
    const view = await sql<{
      run_id: string;
      captured_at: Date;
      base: string;
      side: 'buy' | 'sell';
      notional_usd: string;
      exchange: string;
      market: string;
      all_in_price: string;
      avg_price: string;
      runner_up_exchange: string | null;
      runner_up_market: string | null;
      runner_up_all_in_price: string | null;
      advantage_bps: string | null;
    }>`select * from orderbook.v_best_venue where run_id = ${lastRun().runId}
       order by base, side, notional_usd`.execute(warehouse.db);
    // Two bases × two sides × the two notionals a book could fill (the $500M never wins).
    expect(view.rows).toHaveLength(8);
    expect(
      data.bestVenues.map(({ capturedAt, ...b }) => ({ ...b, capturedAtMs: Date.parse(capturedAt) })),
    ).toEqual(
      view.rows.map((r) => ({
        runId: r.run_id,
        capturedAtMs: r.captured_at.getTime(),
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
      })),
    );
    // Older runs are in the view too; the report shows only the newest.
    const older = await sql<{ n: string }>`select count(*)::text as n from orderbook.v_best_venue
      where run_id <> ${lastRun().runId}`.execute(warehouse.db);
    expect(older.rows[0]?.n).toBe('16');
  });

  it('finds an empty warehouse empty', () => {
    expect(empty.markets).toEqual([]);
    expect(empty.bestVenues).toEqual([]);
  });

  it('reads a database no run has set up yet as empty, and fails loudly on anything else', async () => {
    const bare = await createTestDatabase();
    try {
      const db = await bare.open({ migrate: false });
      try {
        const report = await loadReport(db.db);
        expect(report.markets).toEqual([]);
        expect(report.bestVenues).toEqual([]);
        // Views that exist but do not answer are an error, not an empty report.
        await sql`create schema orderbook`.execute(db.db);
        await sql`create view orderbook.v_latest as select 1 / 0 as exchange`.execute(db.db);
        await expect(loadReport(db.db)).rejects.toThrow(/column .* does not exist|division by zero/);
      } finally {
        await db.close();
      }
    } finally {
      await bare.cleanup();
    }
  });
});

describe('renderReport', () => {
  it("prints each market's top of book as PostgreSQL rounds the view's figures", async () => {
    const text = renderReport(data, { color: false });
    const lines = section(text, 'Latest book per market');
    expect(lines[1]?.trim().split(/\s{2,}/)).toEqual([
      'exchange',
      'market',
      'captured (UTC)',
      'age',
      'best bid',
      'best ask',
      'mid',
      'spread bps',
    ]);
    const view = await sql<{
      exchange: string;
      market: string;
      captured: string;
      bid: string;
      ask: string;
      mid: string;
      spread_bps: string;
    }>`select distinct exchange, market,
         to_char(captured_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as captured,
         round(best_bid, 2)::text as bid, round(best_ask, 2)::text as ask,
         round(mid_price, 3)::text as mid, round(spread_bps, 4)::text as spread_bps
       from orderbook.v_latest`.execute(warehouse.db);
    expect(view.rows).toHaveLength(5);
    for (const r of view.rows) {
      const [date, time] = r.captured.split(' ');
      const tokens = rowOf(lines, r.exchange, r.market);
      expect(tokens.slice(2, 4)).toEqual([date, time]);
      expect(tokens[5]).toBe('ago');
      expect(tokens.slice(6)).toEqual([grouped(r.bid), grouped(r.ask), grouped(r.mid), r.spread_bps]);
    }
  });

  it('prints the all-in price of every fill, in notional order, marking what the book could not fill', async () => {
    const text = renderReport(data, { color: false });
    const lines = section(text, 'All-in price of a market order');
    expect(lines[1]?.trim().split(/\s+/)).toEqual([
      'exchange',
      'market',
      ...['$50k', '$100k', '$500M'].flatMap((label) => ['buy', label, 'sell', label]),
    ]);
    const view = await sql<{
      exchange: string;
      market: string;
      all_in: string | null;
      fully_filled: boolean | null;
    }>`select exchange, market, round(all_in_price, 2)::text as all_in, fully_filled
       from orderbook.v_latest order by exchange, market, notional_usd, side`.execute(warehouse.db);
    const expected = new Map<string, string[]>();
    for (const r of view.rows) {
      const key = `${r.exchange} ${r.market}`;
      const cells = expected.get(key) ?? [];
      if (r.all_in !== null) cells.push(`${grouped(r.all_in)}${r.fully_filled ? '' : '*'}`);
      expected.set(key, cells);
    }
    for (const [key, cells] of expected) {
      const [exchange = '', market = ''] = key.split(' ');
      const values = rowOf(lines, exchange, market).slice(2);
      // The EUR market has no fills: a dash in every column.
      expect(values).toEqual(cells.length > 0 ? cells : Array<string>(6).fill('—'));
    }
    expect(text).toContain('* not fully filled');
    expect(text).toContain('— no fill');
  });

  it("prints the newest run's preferred venues with runner-up and advantage, as the view has them", async () => {
    const text = renderReport(data, { color: false });
    const lines = section(text, 'Preferred venue');
    expect(lines[1]).toContain(lastRun().runId);
    const view = await sql<{
      base: string;
      side: string;
      notional_usd: string;
      exchange: string;
      market: string;
      all_in: string;
      runner_up_exchange: string;
      runner_up_market: string;
      runner_up_all_in: string;
      advantage: string;
    }>`select base, side, notional_usd::text as notional_usd, exchange, market,
         round(all_in_price, 2)::text as all_in, runner_up_exchange, runner_up_market,
         round(runner_up_all_in_price, 2)::text as runner_up_all_in, round(advantage_bps, 2)::text as advantage
       from orderbook.v_best_venue b where run_id = ${lastRun().runId}
       order by b.base, b.side, b.notional_usd`.execute(warehouse.db);
    const label: Record<string, string> = { '50000': '$50k', '100000': '$100k' };
    const table = lines.slice(3).map((l) => l.trim().split(/\s+/));
    expect(table).toEqual(
      view.rows.map((r) => [
        r.base,
        r.side,
        label[r.notional_usd],
        `${r.exchange}:${r.market}`,
        grouped(r.all_in),
        `${r.runner_up_exchange}:${r.runner_up_market}`,
        grouped(r.runner_up_all_in),
        r.advantage,
      ]),
    );
  });

  it('says what to do when the warehouse is empty', () => {
    const text = renderReport(empty, { color: false });
    expect(text).toContain(EMPTY_MESSAGE);
    expect(text).toContain('no snapshots yet — run `npm run etl` first');
    expect(text).not.toContain('Preferred venue');
    expect(JSON.parse(renderReportJson(empty))).toEqual(empty);
  });

  it('uses ANSI styles only when asked, and lines up the same either way', () => {
    const plain = renderReport(data, { color: false });
    const colored = renderReport(data, { color: true });
    expect(plain).not.toContain('\x1b');
    expect(colored).toContain('\x1b[');
    expect(stripVTControlCharacters(colored)).toBe(plain);
  });

  it('leaves out optional columns to fit a narrow terminal', () => {
    const narrow = renderReport(data, { color: false, width: 80 });
    const books = section(narrow, 'Latest book per market');
    const venues = section(narrow, 'Preferred venue').slice(2);
    for (const line of [...books, ...venues]) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(books[1]).not.toContain('captured');
    expect(books[1]).toContain('age');
    expect(venues[0]?.trim().split(/\s+/)).toContain('runner-up');
    expect(renderReport(data, { color: false })).toContain('captured (UTC)');
  });
});

describe('renderReportJson', () => {
  it('is ReportData, with stable keys and every number a decimal string', () => {
    const json = renderReportJson(data);
    const parsed = JSON.parse(json) as ReportData;
    expect(parsed).toEqual(data);
    expect(Object.keys(parsed)).toEqual(['generatedAt', 'markets', 'bestVenues']);
    expect(Object.keys(parsed.markets[0] ?? {})).toEqual([
      'exchange',
      'market',
      'base',
      'quote',
      'snapshotId',
      'runId',
      'capturedAt',
      'bestBid',
      'bestAsk',
      'midPrice',
      'spread',
      'spreadBps',
      'fills',
    ]);
    // Same data in another key order renders to the same text.
    const shuffled = JSON.parse(json, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as ReportData;
    expect(renderReportJson(shuffled)).toBe(json);
    const numbers: unknown[] = [];
    JSON.parse(json, (_key, value: unknown) => {
      if (typeof value === 'number') numbers.push(value);
      return value;
    });
    expect(numbers).toEqual([]);
    expect(json).toContain(`"bestBid": "${data.markets[0]?.bestBid ?? ''}"`);
  });
});

describe('formatting helpers', () => {
  it('rounds decimal strings exactly as PostgreSQL round(numeric, n) does', async () => {
    const cases: [string, number][] = [
      ['84697.315', 2],
      ['9.995', 2],
      ['99999.9999999999999999999', 2],
      ['0.004', 2],
      ['0.005', 2],
      ['-0.005', 2],
      ['-0.004', 2],
      ['-2.345', 2],
      ['2.5', 0],
      ['0', 2],
      ['12', 3],
      ['0.000012345678901234567890', 10],
      ['123456789012345678901234567890.5', 0],
    ];
    for (const [value, places] of cases) {
      const row = await sql<{
        r: string;
      }>`select round(${value}::numeric, ${places}::int)::text as r`.execute(warehouse.db);
      expect(roundDecimal(value, places), `round(${value}, ${places})`).toBe(row.rows[0]?.r);
    }
  });

  it('picks about six significant digits for prices, labels sizes and ages', () => {
    expect(priceDecimals('84697.315')).toBe(2);
    expect(priceDecimals('151.2345')).toBe(3);
    expect(priceDecimals('0.51')).toBe(6);
    expect(priceDecimals('0.0000123')).toBe(10);
    expect(priceDecimals(null)).toBe(2);
    expect(['50000', '100000.00', '1000000', '2500', '0.5'].map(notionalLabel)).toEqual([
      '$50k',
      '$100k',
      '$1M',
      '$2,500',
      '$0.5',
    ]);
    const now = '2026-11-21T13:00:00.000Z';
    expect(formatAge('2026-11-21T12:59:48.500000Z', now)).toBe('11s ago');
    expect(formatAge('2026-11-21T12:57:00.000000Z', now)).toBe('3m ago');
    expect(formatAge('2026-11-21T08:00:00.000000Z', now)).toBe('5h ago');
    expect(formatAge('2026-11-18T13:00:00.000000Z', now)).toBe('3d ago');
  });
});
