/**
 * fact_split on deep books (thousands of levels a side, the default sizes up to $1M): the derive
 * (sql/derive/split.sql) reads each book only as far as a split can reach — its own fill of the
 * largest size, and for the single-venue comparison as far as the quantity the split buys — and
 * must store exactly the rows of the plain walk over every level of every book
 * (test/fixtures/sql/split-reference.sql, the derive as it was before it was bounded).
 */
import { CompiledQuery, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Level, OrderBook } from '../../src/book/index.ts';
import { loadConfig } from '../../src/config.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { sqlFile } from '../../src/warehouse/sqlfiles.ts';
import { levelRowsRead } from '../helpers/level-reads.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const { warehouse } = useTestWarehouse();

const DEFAULTS = loadConfig({});
// The default sizes (NOTIONALS_USD, COST_CURVE_USD up to $1M) and fees (Coinbase 60 bps,
// Binance 10 bps); every level kept.
const SETTINGS: LoadSettings = {
  notionalsUsd: DEFAULTS.notionalsUsd,
  depthBandsBps: [100],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  costCurveUsd: DEFAULTS.costCurveUsd,
  slippageBpsThresholds: ['25'],
  levelsWithinBps: null,
  usdStablecoins: ['USDT', 'USDC'],
};
const LEVELS = 4000;

/** Cents as a decimal string. */
const cents = (n: number) => `${String(Math.floor(n / 100))}.${String(n % 100).padStart(2, '0')}`;
/** Thousandths of a unit as a decimal string. */
const thousandths = (n: number) => `${String(Math.floor(n / 1000))}.${String(n % 1000).padStart(3, '0')}`;

/**
 * A side of `count` levels from `bestCents` away from mid (asks up, bids down), one to three
 * ticks apart, sizes 0.001 … 4.999 units spread unevenly: some $15k a level at $3,000, so $1M
 * takes some 70 levels of the 4,000.
 */
function side(bestCents: number, dir: 1 | -1, count: number, seed: number): Level[] {
  const out: Level[] = [];
  let price = bestCents;
  for (let i = 1; i <= count; i++) {
    out.push({
      price: cents(price),
      size: thousandths(((i * 7919 + seed * 104729) % 4999) + 1),
      orderCount: null,
    });
    price += dir * (1 + ((i * 31 + seed) % 3));
  }
  return out;
}

let keys = 0;
async function load(
  venue: 'coinbase' | 'binance',
  symbol: string,
  quote: string,
  runId: string,
  bidCents: number,
  askCents: number,
  seed: number,
  { levels = LEVELS, coinbaseFeeBps = '60' }: { levels?: number; coinbaseFeeBps?: string } = {},
): Promise<string> {
  const book: OrderBook = {
    venue,
    symbol,
    sequence: 1n,
    exchangeTime: null,
    notExecutable: null,
    bids: side(bidCents, -1, levels, seed),
    asks: side(askCents, 1, levels, seed + 1),
  };
  const settings = { ...SETTINGS, takerFeeBps: { ...SETTINGS.takerFeeBps, coinbase: coinbaseFeeBps } };
  const result = await new Loader(warehouse.db, settings).load({
    book,
    base: 'DEEP',
    quote,
    rawKey: `split-reach-${String(++keys)}`,
    url: bookUrl(venue, symbol),
    runId,
    requestedAt: '2026-06-01T00:00:00Z',
    receivedAt: '2026-06-01T00:00:01Z',
  });
  return result.snapshotId;
}

// Each run is one split group (run × DEEP).
const RUNS = {
  // Binance cheaper on both counts (raw price and fee) for a buy: the split buys there, and
  // Coinbase alone must be walked for more base than its own $1M fill holds.
  cheaper: '01900000-0000-7000-8000-00000000a001',
  // Binance's best prices some 43 bps worse than Coinbase's, its fee 50 bps less: it is cheaper
  // all-in at the top, dearer some levels down, and the larger sizes take from both.
  interleaved: '01900000-0000-7000-8000-00000000a002',
  // A thin Binance book (60 levels, less than $1M a side) priced some 4% below Coinbase's (and
  // its bids as much below), with a Coinbase fee of 500 bps: Binance's levels are the best
  // all-in, its fill is not full and its side is read whole. The split takes them first, so it
  // buys (or sells) several units more base than Coinbase's own $1M fill, more than that fill's
  // last level holds: Coinbase, the best venue alone (Binance cannot hold that much), is walked
  // past its fill. Three books: a Coinbase USDC market too.
  thin: '01900000-0000-7000-8000-00000000a003',
};

const COLUMNS = `run_id, base_asset_id, side, notional_usd, snapshot_id, captured_at, fee_bps, usd_amount, base_exact,
  levels_used, worst_price, single_snapshot_id, single_exact`;
const groups = Object.values(RUNS);

beforeAll(async () => {
  await load('coinbase', 'DEEP-USD', 'USD', RUNS.cheaper, 300_000, 300_001, 1);
  await load('binance', 'DEEPUSDT', 'USDT', RUNS.cheaper, 300_040, 299_960, 2);
  await load('coinbase', 'DEEP-USD', 'USD', RUNS.interleaved, 300_000, 300_001, 3);
  await load('binance', 'DEEPUSDT', 'USDT', RUNS.interleaved, 298_700, 301_300, 4);
  const fee500 = { coinbaseFeeBps: '500' };
  await load('coinbase', 'DEEP-USD', 'USD', RUNS.thin, 300_000, 300_001, 5, fee500);
  await load('coinbase', 'DEEP-USDC', 'USDC', RUNS.thin, 299_990, 300_011, 6, fee500);
  await load('binance', 'DEEPUSDT', 'USDT', RUNS.thin, 287_000, 288_000, 7, { levels: 60 });
}, 120_000);

// The insert casts levels_used to integer; the query gives the sum as it is (bigint, a string).
const values = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.values(r).map((v) => (typeof v === 'string' || typeof v === 'number' ? canonical(String(v)) : v)),
  );

describe('fact_split on deep books', () => {
  it('stores exactly the rows of the walk over every level of every book', async () => {
    const reference = sqlFile('test/fixtures/sql/split-reference.sql');
    const expected = await warehouse.db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(`select ${COLUMNS} from (${reference}) r order by 1, 2, 3, 4, 5`, [
        groups,
        groups.map(() => 'DEEP'),
      ]),
    );
    const { rows: actual } = await sql<Record<string, unknown>>`
      select ${sql.raw(COLUMNS)} from orderbook.fact_split
      where run_id = any (${groups}::uuid[]) order by 1, 2, 3, 4, 5`.execute(warehouse.db);
    // 2 sides × 9 sizes (NOTIONALS_USD's are on the ladder) × the books of each run (2, 2, 3).
    expect(actual).toHaveLength(2 * 9 * 7);
    expect(values(actual)).toEqual(values(expected.rows));
  });

  it('covers the cases the bound must get right: a split past a book’s own fill, across books, a side read whole', async () => {
    const { rows } = await sql<{
      run_id: string;
      side: string;
      deeper: boolean;
      single_deeper: boolean;
      shared: boolean;
      short: boolean;
    }>`
      with q as (
        select run_id, side, notional_usd, sum(base_exact) as q, count(*) filter (where usd_amount > 0) as books
        from orderbook.fact_split where notional_usd = 1000000 group by 1, 2, 3
      )
      select q.run_id::text, q.side,
             bool_or(q.q > c.filled_base) as deeper,
             -- More than all the levels of the book's own fill hold, the last one whole.
             bool_or(f.single_snapshot_id = f.snapshot_id and q.q > (
               select sum(l.size) from orderbook.fact_level l
               where l.snapshot_id = f.snapshot_id and l.side = case f.side when 'buy' then 'ask' else 'bid' end
                 and l.level_no <= c.levels_used)) as single_deeper,
             bool_or(q.books > 1) as shared,
             bool_or(not c.fully_filled) as short
      from q
      join orderbook.fact_split f using (run_id, side, notional_usd)
      join orderbook.fact_cost_curve c on c.snapshot_id = f.snapshot_id and c.side = f.side and c.notional_usd = f.notional_usd
      group by 1, 2 order by 1, 2`.execute(warehouse.db);
    const of = (run: string, s: string) => rows.find((r) => r.run_id === run && r.side === s);
    // Coinbase alone must buy (and sell) more base than its own $1M fill takes.
    expect(of(RUNS.cheaper, 'buy')?.deeper).toBe(true);
    expect(of(RUNS.cheaper, 'sell')?.deeper).toBe(true);
    expect(of(RUNS.interleaved, 'buy')?.shared).toBe(true);
    expect(of(RUNS.interleaved, 'sell')?.shared).toBe(true);
    // ... and is the venue alone the split is compared with: its walk past its fill decides.
    expect(of(RUNS.thin, 'buy')?.single_deeper).toBe(true);
    expect(of(RUNS.thin, 'sell')?.single_deeper).toBe(true);
    expect(of(RUNS.thin, 'buy')?.short).toBe(true);
    expect(of(RUNS.thin, 'sell')?.short).toBe(true);
  });

  it('reads a few hundred levels of each book, not its thousands', async () => {
    const read = await levelRowsRead(warehouse.db, 'sql/derive/split.sql', [[RUNS.cheaper], ['DEEP']], (tx) =>
      sql`delete from orderbook.fact_split where run_id = ${RUNS.cheaper}`.execute(tx),
    );
    expect(read).toBeGreaterThan(0);
    // Two books × two sides × 4,000 levels is what the walk of whole books reads.
    expect(read).toBeLessThan((2 * 2 * LEVELS) / 10);
  });
});
