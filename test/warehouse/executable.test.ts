/**
 * Books that are not executable as shown (fact_snapshot.executable, migration 0020): a Coinbase
 * book in auction_mode, a market its venue's list shows halted. Worked by hand on small books
 * loaded through the Loader (fills and splits derived as a run derives them): such a book never
 * wins v_best_venue nor is runner-up, is not counted among the books compared, takes no part in
 * the split, and both views name it with its reason.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Level, OrderBook } from '../../src/book/index.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import type { Venue } from '../../src/markets.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const { warehouse } = useTestWarehouse();

const AUCTION = '01900000-0000-7000-8000-000000002001';
const HALTED = '01900000-0000-7000-8000-000000002002';
const NONE_LEFT = '01900000-0000-7000-8000-000000002003';
const ALL_LIVE = '01900000-0000-7000-8000-000000002004';

// No fees, one size: every all-in price is the average price, worked out below.
const SETTINGS: LoadSettings = {
  notionalsUsd: ['300'],
  depthBandsBps: [100],
  takerFeeBps: { coinbase: '0', binance: '0', kraken: '0', okx: '0', bybit: '0' },
  costCurveUsd: ['300'],
  slippageBpsThresholds: ['25'],
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
};

const levels = (pairs: [string, string][]): Level[] =>
  pairs.map(([price, size]) => ({ price, size, orderCount: null }));

let keys = 0;
async function load(
  venue: Venue,
  symbol: string,
  quote: string,
  runId: string,
  book: { bids: [string, string][]; asks: [string, string][] },
  why: { book?: string; market?: string | null } = {},
): Promise<string> {
  const orderBook: OrderBook = {
    venue,
    symbol,
    sequence: 1n,
    exchangeTime: null,
    notExecutable: why.book ?? null,
    bids: levels(book.bids),
    asks: levels(book.asks),
  };
  const result = await new Loader(warehouse.db, SETTINGS).load({
    book: orderBook,
    base: 'EXA',
    quote,
    rawKey: `executable-test-${++keys}`,
    url: bookUrl(venue, symbol),
    runId,
    requestedAt: '2026-06-01T00:00:00Z',
    receivedAt: `2026-06-01T00:00:0${keys % 10}Z`,
    ...(why.market === undefined ? {} : { marketNotExecutable: why.market }),
  });
  return result.snapshotId;
}

// The best book of all: buy $300 = 3 units at 100, sell $300 at 99. Not to be had.
const BEST = {
  asks: [['100', '10']] as [string, string][],
  bids: [['99', '10']] as [string, string][],
};
// buy $300: 101 × 1, then 199 / 102 of the next level: 2.950980392156862745… units, avg
// 300 / (1 + 199/102) = 101.661129568106312292…; sell $300 at 98.
const BINANCE = {
  asks: [
    ['101', '1'],
    ['102', '10'],
  ] as [string, string][],
  bids: [['98', '10']] as [string, string][],
};
// buy $300 at 101.5 (2.955665024630541871… units), sell at 97.
const KRAKEN = {
  asks: [['101.5', '10']] as [string, string][],
  bids: [['97', '10']] as [string, string][],
};

async function best(runId: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select side, exchange, market, all_in_price, runner_up_exchange, runner_up_all_in_price, advantage_bps,
           books_compared, books_excluded, excluded
    from orderbook.v_best_venue where run_id = ${runId} order by side`.execute(warehouse.db);
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? canonical(v) : v])),
  );
}

describe('books not executable as shown', () => {
  beforeAll(async () => {
    await load('coinbase', 'EXA-USD', 'USD', AUCTION, BEST, { book: 'auction_mode' });
    await load('binance', 'EXAUSDT', 'USDT', AUCTION, BINANCE);
    await load('kraken', 'EXAUSD', 'USD', AUCTION, KRAKEN);

    await load('coinbase', 'EXA-USD', 'USD', HALTED, BINANCE);
    await load('binance', 'EXAUSDT', 'USDT', HALTED, BEST, { market: 'status: BREAK' });
    await load('kraken', 'EXAUSD', 'USD', HALTED, KRAKEN);

    await load('coinbase', 'EXA-USD', 'USD', NONE_LEFT, BEST, {
      book: 'auction_mode',
      market: 'cancel_only',
    });

    await load('binance', 'EXAUSDT', 'USDT', ALL_LIVE, BINANCE);
    // The market list said the market trades (null), as a run passes it.
    await load('kraken', 'EXAUSD', 'USD', ALL_LIVE, KRAKEN, { market: null });
  });

  it("v_snapshot and v_book_top carry the flag and the reason in the venue's words", async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select s.run_id, s.exchange, s.executable, s.not_executable_reason, t.best_ask, t.executable as top_executable,
             t.not_executable_reason as top_reason
      from orderbook.v_snapshot s join orderbook.v_book_top t using (snapshot_id)
      where not s.executable order by s.snapshot_id`.execute(warehouse.db);
    expect(rows).toEqual([
      {
        run_id: AUCTION,
        exchange: 'coinbase',
        executable: false,
        not_executable_reason: 'auction_mode',
        best_ask: '100',
        top_executable: false,
        top_reason: 'auction_mode',
      },
      {
        run_id: HALTED,
        exchange: 'binance',
        executable: false,
        not_executable_reason: 'status: BREAK',
        best_ask: '100',
        top_executable: false,
        top_reason: 'status: BREAK',
      },
      {
        run_id: NONE_LEFT,
        exchange: 'coinbase',
        executable: false,
        // The book's own flag first, then the market's status.
        not_executable_reason: 'auction_mode; cancel_only',
        best_ask: '100',
        top_executable: false,
        top_reason: 'auction_mode; cancel_only',
      },
    ]);
    const live = await sql<{ n: number }>`
      select count(*)::int as n from orderbook.v_snapshot where executable and not_executable_reason is null`.execute(
      warehouse.db,
    );
    expect(live.rows).toEqual([{ n: 6 }]);
  });

  it('an auction-mode Coinbase book with the best price does not win: the runner-up is promoted', async () => {
    // Without the flag coinbase (100 / 99) would win both sides. Among the two executable books:
    // buy: kraken 101.5 beats binance 101.661129568106312292 (fact_fill keeps 18 decimals);
    //   advantage (101.661129568106312292 − 101.5) / 101.661129568106312292 × 10000
    //   = 15.849673202614379050 bps (15.849673202614379085 from the unrounded price).
    // sell: binance 98 beats kraken 97; (98 − 97) / 97 × 10000 = 103.092783505154639175 bps.
    const rows = await best(AUCTION);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      side: 'buy',
      exchange: 'kraken',
      all_in_price: '101.5',
      runner_up_exchange: 'binance',
      advantage_bps: '15.84967320261437905',
      books_compared: 2,
      books_excluded: 1,
      excluded: 'coinbase:EXA-USD (auction_mode)',
    });
    expect(rows[0]?.runner_up_all_in_price).toBe('101.661129568106312292');
    expect(rows[1]).toEqual({
      side: 'sell',
      exchange: 'binance',
      market: 'EXAUSDT',
      all_in_price: '98',
      runner_up_exchange: 'kraken',
      runner_up_all_in_price: '97',
      advantage_bps: '103.092783505154639175',
      books_compared: 2,
      books_excluded: 1,
      excluded: 'coinbase:EXA-USD (auction_mode)',
    });
  });

  it('a market whose status is not trading (status: BREAK) is left out the same way', async () => {
    const rows = await best(HALTED);
    expect(rows.map((r) => [r.side, r.exchange, r.runner_up_exchange, r.books_compared, r.excluded])).toEqual(
      [
        ['buy', 'kraken', 'coinbase', 2, 'binance:EXAUSDT (status: BREAK)'],
        ['sell', 'coinbase', 'kraken', 2, 'binance:EXAUSDT (status: BREAK)'],
      ],
    );
  });

  it('a run whose only book is not executable has no best venue at all', async () => {
    expect(await best(NONE_LEFT)).toEqual([]);
    const split = await sql`select 1 from orderbook.v_optimal_split where run_id = ${NONE_LEFT}`.execute(
      warehouse.db,
    );
    expect(split.rows).toEqual([]);
  });

  it('the split never uses the auction book, and says so on every row', async () => {
    // Binance and Kraken asks merged: 101 × 1 (binance), 101.5 × 10 (kraken), 102 × 10 (binance).
    // $300: binance's 101, then 199 / 101.5 = 1.960591133004926108… of kraken's level.
    // Q = 2.960591133004926108…, blended 300 / Q = 101.331114808652246256; the best venue alone
    // for Q is kraken at 101.5, so the split saves (101.5 − 101.331114…) / 101.5 × 10000
    // = 16.638935108153078203 bps.
    const { rows } = await sql<Record<string, unknown>>`
      select exchange, usd_amount, base_amount, share_pct, blended_all_in_price, best_single_exchange,
             saving_bps, venues_used, books_excluded, excluded
      from orderbook.v_optimal_split where run_id = ${AUCTION} and side = 'buy' order by exchange`.execute(
      warehouse.db,
    );
    const canon = rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? canonical(v) : v])),
    );
    const common = {
      blended_all_in_price: '101.331114808652246256',
      best_single_exchange: 'kraken',
      saving_bps: '16.638935108153078203',
      venues_used: 2,
      books_excluded: 1,
      excluded: 'coinbase:EXA-USD (auction_mode)',
    };
    expect(canon).toEqual([
      {
        exchange: 'binance',
        usd_amount: '101',
        base_amount: '1',
        share_pct: '33.666666666666666667',
        ...common,
      },
      {
        exchange: 'kraken',
        usd_amount: '199',
        base_amount: '1.960591133004926108',
        share_pct: '66.333333333333333333',
        ...common,
      },
    ]);
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from orderbook.fact_split f
      join orderbook.fact_snapshot s on s.snapshot_id = f.snapshot_id where not s.executable`.execute(
      warehouse.db,
    );
    expect(stored.rows).toEqual([{ n: 0 }]);
  });

  it("the halted market's split: coinbase and kraken only, binance named on every row", async () => {
    const { rows } = await sql<{ exchange: string; books_excluded: number; excluded: string }>`
      select distinct exchange, books_excluded, excluded from orderbook.v_optimal_split
      where run_id = ${HALTED} order by exchange`.execute(warehouse.db);
    expect(rows).toEqual([
      { exchange: 'coinbase', books_excluded: 1, excluded: 'binance:EXAUSDT (status: BREAK)' },
      { exchange: 'kraken', books_excluded: 1, excluded: 'binance:EXAUSDT (status: BREAK)' },
    ]);
  });

  it('a run that leaves nothing out says 0 and null', async () => {
    const venue = await best(ALL_LIVE);
    expect(venue.map((r) => [r.side, r.exchange, r.books_compared, r.books_excluded, r.excluded])).toEqual([
      ['buy', 'kraken', 2, 0, null],
      ['sell', 'binance', 2, 0, null],
    ]);
    const { rows } = await sql<{ books_excluded: number; excluded: string | null }>`
      select distinct books_excluded, excluded from orderbook.v_optimal_split where run_id = ${ALL_LIVE}`.execute(
      warehouse.db,
    );
    expect(rows).toEqual([{ books_excluded: 0, excluded: null }]);
  });

  it('fact_snapshot refuses a flag without a reason, or a reason on an executable book', async () => {
    const row = await warehouse.db
      .selectFrom('orderbook.fact_snapshot')
      .select('snapshot_id')
      .where('run_id', '=', AUCTION)
      .where('executable', '=', true)
      .executeTakeFirstOrThrow();
    await expect(
      sql`update orderbook.fact_snapshot set executable = false where snapshot_id = ${row.snapshot_id}`.execute(
        warehouse.db,
      ),
    ).rejects.toThrow(/fact_snapshot_executable_reason/);
    await expect(
      sql`update orderbook.fact_snapshot set not_executable_reason = 'auction_mode'
          where snapshot_id = ${row.snapshot_id}`.execute(warehouse.db),
    ).rejects.toThrow(/fact_snapshot_executable_reason/);
  });
});
