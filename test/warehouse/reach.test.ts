/**
 * Captured reach on small books worked by hand: fact_snapshot.depth_limit read from the request
 * URL, fact_reach (how far each stored side reaches, and what cut it), and the views that say
 * whether an order that ran out of book met a thin book or one we did not capture.
 *
 * Every book has mid (100 + 101) / 2 = 100.5.
 *   CUT  Binance, BINANCE_DEPTH_LIMIT=3: bids 100, 99, 98 (3 sent = the limit: cut by the venue),
 *        asks 101, 102 (2 < 3: the whole side).
 *   CB   Coinbase level 2 (no limit): bids 100, 99; asks 101, 102, 103. Never cut.
 *   LWB  Binance, limit 3, LEVELS_WITHIN_BPS=100 (bids ≥ 99.495, asks ≤ 101.505 kept): bids 100,
 *        99.5, 90 (3 sent = the limit, 2 stored: our cut wins), asks 101, 101.5, 110 (2 stored).
 * Every level holds 1 unit.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Level, OrderBook } from '../../src/book/index.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { bookUrl } from '../helpers/book-url.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';

const { warehouse } = useTestWarehouse();

const RUN_1 = '01900000-0000-7000-8000-000000001601';
const RUN_2 = '01900000-0000-7000-8000-000000001602';

const SETTINGS: LoadSettings = {
  notionalsUsd: ['200', '1000'],
  depthBandsBps: [100],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  costCurveUsd: ['200', '1000'],
  slippageBpsThresholds: ['25', '500'],
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
};

const side = (prices: string[]): Level[] => prices.map((price) => ({ price, size: '1', orderCount: null }));

let keys = 0;
async function load(
  book: OrderBook,
  quote: string,
  runId: string,
  url: string,
  settings: Partial<LoadSettings> = {},
): Promise<string> {
  const result = await new Loader(warehouse.db, { ...SETTINGS, ...settings }).load({
    book,
    base: 'RCH',
    quote,
    rawKey: `reach-test-${String(++keys)}`,
    url,
    runId,
    requestedAt: '2026-12-01T00:00:00Z',
    receivedAt: '2026-12-01T00:00:01Z',
  });
  return result.snapshotId;
}

const book = (venue: 'coinbase' | 'binance', symbol: string, bids: string[], asks: string[]): OrderBook => ({
  venue,
  symbol,
  notExecutable: null,
  sequence: 1n,
  exchangeTime: null,
  bids: side(bids),
  asks: side(asks),
});

const LIMIT_3 = { BINANCE_DEPTH_LIMIT: '3' };
let cut: string;
let coinbase: string;
let ours: string;

beforeAll(async () => {
  cut = await load(
    book('binance', 'RCHUSDT', ['100', '99', '98'], ['101', '102']),
    'USDT',
    RUN_1,
    bookUrl('binance', 'RCHUSDT', LIMIT_3),
  );
  coinbase = await load(
    book('coinbase', 'RCH-USD', ['100', '99'], ['101', '102', '103']),
    'USD',
    RUN_1,
    bookUrl('coinbase', 'RCH-USD'),
  );
  ours = await load(
    book('binance', 'RCHFDUSD', ['100', '99.5', '90'], ['101', '101.5', '110']),
    'USDT',
    RUN_2,
    bookUrl('binance', 'RCHFDUSD', LIMIT_3),
    { levelsWithinBps: 100 },
  );
});

async function reach(snapshotId: string) {
  const { rows } = await sql<{
    side: string;
    depth_limit: number | null;
    levels_sent: number;
    levels_stored: number;
    far_price: string;
    reach_bps: string;
    cut: string | null;
  }>`select side, depth_limit, levels_sent, levels_stored, far_price::text, reach_bps::text, cut
     from orderbook.v_reach where snapshot_id = ${snapshotId} order by side`.execute(warehouse.db);
  return rows.map((r) => ({ ...r, far_price: canonical(r.far_price), reach_bps: canonical(r.reach_bps) }));
}

describe('fact_snapshot.depth_limit', () => {
  it('is the depth the request URL asked: Binance limit=3, Coinbase level 2 none', async () => {
    const { rows } = await sql<{ snapshot_id: string; depth_limit: number | null }>`
      select snapshot_id, depth_limit from orderbook.fact_snapshot
      where snapshot_id = any (${[cut, coinbase, ours]}::bigint[]) order by snapshot_id`.execute(
      warehouse.db,
    );
    expect(Object.fromEntries(rows.map((r) => [r.snapshot_id, r.depth_limit]))).toEqual({
      [cut]: 3,
      [coinbase]: null,
      [ours]: 3,
    });
  });
});

describe('v_reach', () => {
  it('a side with as many levels as the limit asked is cut by the venue; a shorter one is whole', async () => {
    // Bids reach 98: (100.5 − 98) / 100.5 × 10000; asks 102: (102 − 100.5) / 100.5 × 10000.
    expect(await reach(cut)).toEqual([
      {
        side: 'ask',
        depth_limit: 3,
        levels_sent: 2,
        levels_stored: 2,
        far_price: '102',
        reach_bps: '149.25373134328358209',
        cut: null,
      },
      {
        side: 'bid',
        depth_limit: 3,
        levels_sent: 3,
        levels_stored: 3,
        far_price: '98',
        reach_bps: '248.756218905472636816',
        cut: 'venue_depth_limit',
      },
    ]);
  });

  it('a Coinbase level-2 book has no limit: never cut by the venue', async () => {
    // Asks reach 103: 2.5 / 100.5 × 10000; bids 99: 1.5 / 100.5 × 10000.
    expect(await reach(coinbase)).toEqual([
      {
        side: 'ask',
        depth_limit: null,
        levels_sent: 3,
        levels_stored: 3,
        far_price: '103',
        reach_bps: '248.756218905472636816',
        cut: null,
      },
      {
        side: 'bid',
        depth_limit: null,
        levels_sent: 2,
        levels_stored: 2,
        far_price: '99',
        reach_bps: '149.25373134328358209',
        cut: null,
      },
    ]);
  });

  it('LEVELS_WITHIN_BPS keeping fewer levels than sent is our cut, even where the venue cut too', async () => {
    // Both sides reach 1 from mid: 1 / 100.5 × 10000 = 99.502487562189054726 (to 18 places).
    expect(await reach(ours)).toEqual([
      {
        side: 'ask',
        depth_limit: 3,
        levels_sent: 3,
        levels_stored: 2,
        far_price: '101.5',
        reach_bps: '99.502487562189054726',
        cut: 'levels_within_bps',
      },
      {
        side: 'bid',
        depth_limit: 3,
        levels_sent: 3,
        levels_stored: 2,
        far_price: '99.5',
        reach_bps: '99.502487562189054726',
        cut: 'levels_within_bps',
      },
    ]);
  });
});

interface RanOut {
  side: string;
  size: string;
  reach_bps: string | null;
  ran_out: string | null;
}

const shape = (rows: RanOut[]) =>
  rows.map((r) => [r.side, canonical(r.size), canonical(r.reach_bps), r.ran_out] as const);

describe('thin or not captured', () => {
  it('v_execution_cost: an unfilled order says which; a filled one says nothing', async () => {
    // $200 fills on every side here (bids 100 + 99 + 1/98 of 98; asks 101 + 99/102 of 102);
    // $1000 fills nowhere.
    const { rows } = await sql<RanOut>`
      select side, notional_usd::text as size, reach_bps::text, ran_out from orderbook.v_execution_cost
      where snapshot_id = ${cut} order by side, notional_usd`.execute(warehouse.db);
    expect(shape(rows)).toEqual([
      ['buy', '200', '149.25373134328358209', null],
      ['buy', '1000', '149.25373134328358209', 'book_thin'],
      ['sell', '200', '248.756218905472636816', null],
      ['sell', '1000', '248.756218905472636816', 'not_captured'],
    ]);
  });

  it('v_cost_curve: the same per size, for every book', async () => {
    const { rows } = await sql<RanOut & { snapshot_id: string }>`
      select snapshot_id, side, notional_usd::text as size, reach_bps::text, ran_out from orderbook.v_cost_curve
      where snapshot_id = any (${[cut, coinbase, ours]}::bigint[]) and notional_usd = 1000
      order by snapshot_id, side`.execute(warehouse.db);
    const by = (id: string) => shape(rows.filter((r) => r.snapshot_id === id));
    expect(by(cut)).toEqual([
      ['buy', '1000', '149.25373134328358209', 'book_thin'],
      ['sell', '1000', '248.756218905472636816', 'not_captured'],
    ]);
    expect(by(coinbase)).toEqual([
      ['buy', '1000', '248.756218905472636816', 'book_thin'],
      ['sell', '1000', '149.25373134328358209', 'book_thin'],
    ]);
    expect(by(ours)).toEqual([
      ['buy', '1000', '99.502487562189054726', 'not_captured'],
      ['sell', '1000', '99.502487562189054726', 'not_captured'],
    ]);
  });

  it('v_max_size: a limit that takes the whole stored side says whether the book ends there', async () => {
    // 500 bps: limit prices 105.525 (buy) and 95.475 (sell) lie past every stored level, so both
    // limits are the whole side. 25 bps: 100.75125 / 100.24875, inside the best levels: limit 0.
    const { rows } = await sql<RanOut & { book_exhausted: boolean }>`
      select side, threshold_bps::text as size, reach_bps::text, ran_out, book_exhausted from orderbook.v_max_size
      where snapshot_id = ${cut} order by side, threshold_bps`.execute(warehouse.db);
    expect(rows.map((r) => r.book_exhausted)).toEqual([false, true, false, true]);
    expect(shape(rows)).toEqual([
      ['buy', '25', '149.25373134328358209', null],
      ['buy', '500', '149.25373134328358209', 'book_thin'],
      ['sell', '25', '248.756218905472636816', null],
      ['sell', '500', '248.756218905472636816', 'not_captured'],
    ]);
  });

  it('v_optimal_split: counts the cut books of a split, and blames them when it cannot take N', async () => {
    // Run 1 merges CUT and CB: $1000 is more than both books' asks (101 + 102 + 101 + 102 + 103)
    // or bids (100 + 99 + 98 + 100 + 99) hold. Asks: neither book cut; bids: CUT's was.
    const { rows } = await sql<{
      exchange: string;
      side: string;
      size: string;
      fully_filled: boolean;
      reach_bps: string;
      books_cut: number;
      ran_out: string | null;
    }>`select exchange, side, notional_usd::text as size, fully_filled, reach_bps::text, books_cut, ran_out
       from orderbook.v_optimal_split where run_id = ${RUN_1} and base = 'RCH'
       order by side, notional_usd, exchange`.execute(warehouse.db);
    expect(
      rows.map((r) => [
        r.exchange,
        r.side,
        r.size,
        r.fully_filled,
        canonical(r.reach_bps),
        r.books_cut,
        r.ran_out,
      ]),
    ).toEqual([
      ['binance', 'buy', '200', true, '149.25373134328358209', 0, null],
      ['coinbase', 'buy', '200', true, '248.756218905472636816', 0, null],
      ['binance', 'buy', '1000', false, '149.25373134328358209', 0, 'book_thin'],
      ['coinbase', 'buy', '1000', false, '248.756218905472636816', 0, 'book_thin'],
      ['binance', 'sell', '200', true, '248.756218905472636816', 1, null],
      ['coinbase', 'sell', '200', true, '149.25373134328358209', 1, null],
      ['binance', 'sell', '1000', false, '248.756218905472636816', 1, 'not_captured'],
      ['coinbase', 'sell', '1000', false, '149.25373134328358209', 1, 'not_captured'],
    ]);
    // Run 2 has LWB alone, cut on both sides by LEVELS_WITHIN_BPS.
    const { rows: alone } = await sql<{ side: string; books_cut: number; ran_out: string | null }>`
      select side, books_cut, ran_out from orderbook.v_optimal_split
      where run_id = ${RUN_2} and notional_usd = 1000 order by side`.execute(warehouse.db);
    expect(alone).toEqual([
      { side: 'buy', books_cut: 1, ran_out: 'not_captured' },
      { side: 'sell', books_cut: 1, ran_out: 'not_captured' },
    ]);
  });
});
