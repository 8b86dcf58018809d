import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareDecimal, type OrderBook } from '../../src/book/index.ts';
import { parseBook } from '../../src/venues/index.ts';
import { Loader, type LoadSettings } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const { warehouse } = useTestWarehouse();

const SETTINGS: LoadSettings = {
  notionalsUsd: ['50000', '100000'],
  depthBandsBps: [1, 10],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  costCurveUsd: ['1000'],
  slippageBpsThresholds: ['10'],
  levelsWithinBps: 1000,
  usdStablecoins: ['USDT', 'USDC'],
};

let keys = 0;
async function load(book: OrderBook, base: string, quote: string, settings: Partial<LoadSettings> = {}) {
  const loader = new Loader(warehouse.db, { ...SETTINGS, ...settings });
  return loader.load({
    book,
    base,
    quote,
    rawKey: `exchange=${book.venue}/market=${book.symbol}/test-${++keys}.json.gz`,
    url: bookUrl(book.venue, book.symbol),
    runId: '01900000-0000-7000-8000-000000000001',
    requestedAt: '2026-11-21T10:00:00.000Z',
    receivedAt: '2026-11-21T10:00:00.250Z',
  });
}

async function top(snapshotId: string) {
  return warehouse.db
    .selectFrom('orderbook.fact_top')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .executeTakeFirstOrThrow();
}

async function fill(snapshotId: string, side: 'buy' | 'sell', notional: string) {
  const row = await warehouse.db
    .selectFrom('orderbook.fact_fill')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .where('side', '=', side)
    .where('notional_usd', '=', notional)
    .executeTakeFirstOrThrow();
  return [
    canonical(row.filled_base),
    canonical(row.avg_price),
    canonical(row.worst_price),
    row.levels_used,
    canonical(row.slippage_bps),
    canonical(row.fee_usd),
    canonical(row.all_in_price),
    row.fully_filled,
  ];
}

const synthetic = (venue: 'coinbase' | 'binance', symbol: string): OrderBook => ({
  venue,
  symbol,
  sequence: 42n,
  exchangeTime: venue === 'coinbase' ? '2026-11-21T10:00:00.123456Z' : null,
  notExecutable: null,
  bids: [
    { price: '100', size: '1', orderCount: 1 },
    { price: '99', size: '2', orderCount: 1 },
    { price: '98', size: '5', orderCount: 1 },
  ],
  asks: [
    { price: '101', size: '1', orderCount: 1 },
    { price: '102', size: '2', orderCount: 1 },
    { price: '103', size: '5', orderCount: 1 },
  ],
});

describe('metrics on a small book, worked by hand (Coinbase fee 60 bps)', () => {
  // bids 100×1, 99×2, 98×5 · asks 101×1, 102×2, 103×5 · mid = (100 + 101)/2 = 100.5
  let id: string;
  beforeAll(async () => {
    id = (
      await load(synthetic('coinbase', 'SYN-USD'), 'SYN', 'USD', { notionalsUsd: ['101', '300', '1000'] })
    ).snapshotId;
  });

  it('top of book: mid, spread and spread_bps = 1 / 100.5 × 10000', async () => {
    const t = await top(id);
    expect([t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size].map(canonical)).toEqual([
      '100',
      '1',
      '101',
      '1',
    ]);
    expect(canonical(t.mid_price)).toBe('100.5');
    expect(canonical(t.spread)).toBe('1');
    expect(canonical(t.spread_bps)).toBe('99.502487562189054726');
  });

  it('a buy that ends exactly on a level boundary uses that level whole and no more', async () => {
    // $101 = 101 × 1: level 1 whole, nothing of level 2. avg 101, slippage (101 − 100.5)/100.5 × 10000.
    expect(await fill(id, 'buy', '101')).toEqual([
      '1',
      '101',
      '101',
      1,
      '49.751243781094527363',
      '0.606', // 101 × 60 / 10000
      '101.606', // 101 × 1.006
      true,
    ]);
  });

  it('a buy that ends inside a level takes the part (N − cum_quote) / price', async () => {
    // $300: 101 (level 1) + (300 − 101)/102 = 1.950980392156862745… of level 2 → 2.950980392156862745 BTC
    // avg = 300 / 2.950980392156862745… = 101.661129568106312292
    expect(await fill(id, 'buy', '300')).toEqual([
      '2.950980392156862745',
      '101.661129568106312292',
      '102',
      2,
      '115.535280408588287797', // (101.6611… − 100.5) / 100.5 × 10000
      '1.8',
      '102.271096345514950166', // avg × 1.006
      true,
    ]);
  });

  it('a sell walks bids from the best and is priced below mid', async () => {
    // $300: 100 + 198 (levels 1–2) + 2/98 of level 3 → 3.020408163265306122 units, avg 99.324324…
    expect(await fill(id, 'sell', '300')).toEqual([
      '3.020408163265306122',
      '99.324324324324324324',
      '98',
      3,
      '116.982654296087131908', // (100.5 − 99.3243…) / 100.5 × 10000
      '1.8',
      '98.728378378378378378', // avg × 0.994
      true,
    ]);
  });

  it('an order the book cannot fill: all of the side, volume-weighted, never fully filled', async () => {
    // asks hold 101 + 204 + 515 = 820 USD for 8 units → avg 102.5; fee on the 820 actually traded.
    expect(await fill(id, 'buy', '1000')).toEqual([
      '8',
      '102.5',
      '103',
      3,
      '199.004975124378109453',
      '4.92',
      '103.115',
      false,
    ]);
    // bids hold 100 + 198 + 490 = 788 for 8 → avg 98.5
    expect(await fill(id, 'sell', '1000')).toEqual([
      '8',
      '98.5',
      '98',
      3,
      '199.004975124378109453',
      '4.728',
      '97.909',
      false,
    ]);
  });

  it('depth per band: 1 bps of 100.5 holds only the best levels', async () => {
    const rows = await warehouse.db
      .selectFrom('orderbook.fact_depth')
      .selectAll()
      .where('snapshot_id', '=', id)
      .orderBy('band_bps')
      .execute();
    // band 1: bids ≥ 100.48995 → none (best bid 100 is 49.75 bps away); asks ≤ 100.51005 → none.
    // band 10: bids ≥ 100.3995 → none; asks ≤ 100.6005 → none. The spread is 99.5 bps wide.
    expect(
      rows.map((r) => [r.band_bps, ...[r.bid_base, r.bid_quote, r.ask_base, r.ask_quote].map(canonical)]),
    ).toEqual([
      [1, '0', '0', '0', '0'],
      [10, '0', '0', '0', '0'],
    ]);
  });
});

describe('metrics on recorded live payloads', () => {
  it('Coinbase BTC-USD (2026-09-02): top, depth and $50k/$100k buys and sells with the 60 bps fee', async () => {
    const book = parseBook('coinbase', 'BTC-USD', fixtureText('coinbase-book-l2-BTC-USD-senken.json'));
    const { snapshotId } = await load(book, 'BTC', 'USD');
    const t = await top(snapshotId);
    // 77588.84 / 77588.85: mid 77588.845, spread 0.01 → 0.01 / 77588.845 × 10000 bps
    expect(canonical(t.mid_price)).toBe('77588.845');
    expect(canonical(t.spread)).toBe('0.01');
    expect(canonical(t.spread_bps)).toBe('0.001288845065292569');

    const depth = await warehouse.db
      .selectFrom('orderbook.fact_depth')
      .selectAll()
      .where('snapshot_id', '=', snapshotId)
      .orderBy('band_bps')
      .execute();
    // 1 bps: bids ≥ 77581.0861155 are the first 10 (down to 77581.38), asks ≤ 77596.6038845 the first 10.
    // 10 bps covers all 30 + 30 stored levels.
    expect(
      depth.map((r) => [r.band_bps, ...[r.bid_base, r.bid_quote, r.ask_base, r.ask_quote].map(canonical)]),
    ).toEqual([
      [1, '2.22231699', '172416.5438764395', '0.65943785', '51168.1883425366'],
      [10, '5.74430119', '445638.296229056', '5.06742878', '393237.1990093973'],
    ]);
    // Orders behind them (each level's third field): the first 10 bids 3 + 9 × 1 = 12, asks
    // 3+1+1+1+1+2+1+1+1+2 = 14; all 30 bids 34 (3, two 2s, 27 × 1), asks 37 (3, five 2s, 24 × 1).
    expect(depth.map((r) => [r.band_bps, r.bid_orders, r.ask_orders])).toEqual([
      [1, '12', '14'],
      [10, '34', '37'],
    ]);

    // $50k buy: 9 whole asks hold less than 50000; the 10th (77596.13) completes it.
    expect(await fill(snapshotId, 'buy', '50000')).toEqual([
      '0.644383125717531274',
      '77593.589907128887951672',
      '77596.13',
      10,
      '0.611545013833876722',
      '300',
      '78059.151446571661279382',
      true,
    ]);
    expect(await fill(snapshotId, 'sell', '50000')).toEqual([
      '0.64444346670291794',
      '77586.324609369506008082',
      '77586.24',
      4,
      '0.324839302672180765',
      '300',
      '77120.806661713288972034',
      true,
    ]);
    expect(await fill(snapshotId, 'buy', '100000')).toEqual([
      '1.288726876403118379',
      '77595.960657779936096985',
      '77600.58',
      15,
      '0.917098041598131405',
      '600',
      '78061.536421726615713567',
      true,
    ]);
    expect(await fill(snapshotId, 'sell', '100000')).toEqual([
      '1.288906380142382799',
      '77585.154003934101588479',
      '77583.81',
      7,
      '0.475712206554745276',
      '600',
      '77119.643079910496978948',
      true,
    ]);
  });

  it('Binance BTCUSDT (limit 5): USDT counts as USD; $50k buy cannot fill the 47,340 USDT of asks', async () => {
    const book = parseBook('binance', 'BTCUSDT', fixtureText('binance-depth-BTCUSDT-5-soworks.json'));
    const { snapshotId } = await load(book, 'BTC', 'USDT');
    expect(await fill(snapshotId, 'buy', '50000')).toEqual([
      '0.55888',
      '84705.665761344116805039', // 47340.3024807 / 0.55888
      '84707.53',
      5,
      '0.00363155817399929',
      '47.3403024807', // 10 bps of the 47340.3024807 traded
      '84790.371427105460921844',
      false,
    ]);
    // A sell inside the first level (84705.63 × 5.70639) averages exactly that level's price.
    expect(await fill(snapshotId, 'sell', '50000')).toEqual([
      '0.590279536318896394',
      '84705.63',
      '84705.63',
      1,
      '0.000590279501475905',
      '50',
      '84620.92437',
      true,
    ]);
  });

  it('a market quoted in EUR gets top and depth but no USD fills', async () => {
    const book = parseBook('coinbase', 'BTC-EUR', fixtureText('coinbase-book-l2-BTC-EUR-bennycode.json'));
    const { snapshotId } = await load(book, 'BTC', 'EUR', { levelsWithinBps: null });
    expect(canonical((await top(snapshotId)).mid_price)).toBe('54483.02'); // (8966.04 + 100000) / 2
    const fills = await warehouse.db
      .selectFrom('orderbook.fact_fill')
      .selectAll()
      .where('snapshot_id', '=', snapshotId)
      .execute();
    expect(fills).toEqual([]);
    const asset = await warehouse.db
      .selectFrom('orderbook.dim_asset')
      .selectAll()
      .where('code', '=', 'EUR')
      .executeTakeFirstOrThrow();
    expect(asset.is_usd).toBe(false);
    const usdt = await warehouse.db
      .selectFrom('orderbook.dim_asset')
      .selectAll()
      .where('code', '=', 'USDT')
      .executeTakeFirstOrThrow();
    expect(usdt.is_usd).toBe(true);
  });
});

describe('loading', () => {
  it('stores only levels within LEVELS_WITHIN_BPS of mid, and says how many', async () => {
    const book = parseBook('coinbase', 'ETH-USDT', fixtureText('coinbase-book-l2-ETH-USDT-openbb.json'));
    const result = await load(book, 'ETH', 'USDT', { levelsWithinBps: 100 });
    // mid 1125.32; 1%: bids ≥ 1114.0668, asks ≤ 1136.5732
    const counts = await warehouse.db
      .selectFrom('orderbook.fact_level')
      .select([
        'side',
        (eb) => eb.fn.countAll<string>().as('n'),
        (eb) => eb.fn.min('price').as('lo'),
        (eb) => eb.fn.max('price').as('hi'),
      ])
      .where('snapshot_id', '=', result.snapshotId)
      .groupBy('side')
      .orderBy('side')
      .execute();
    const expectedAsks = book.asks.filter((l) => compareDecimal(l.price, '1136.5732') <= 0).length;
    const expectedBids = book.bids.filter((l) => compareDecimal(l.price, '1114.0668') >= 0).length;
    expect(counts.map((c) => [c.side, Number(c.n)])).toEqual([
      ['ask', expectedAsks],
      ['bid', expectedBids],
    ]);
    expect(result.storedLevels).toBe(expectedAsks + expectedBids);
    const snap = await warehouse.db
      .selectFrom('orderbook.fact_snapshot')
      .selectAll()
      .where('snapshot_id', '=', result.snapshotId)
      .executeTakeFirstOrThrow();
    expect([snap.bid_levels, snap.ask_levels, snap.stored_levels]).toEqual([
      839,
      5586,
      expectedAsks + expectedBids,
    ]);
  });

  it('is idempotent on the raw key: the second load writes nothing', async () => {
    const loader = new Loader(warehouse.db, SETTINGS);
    const snapshot = {
      book: synthetic('binance', 'SYNUSDT'),
      base: 'SYN',
      quote: 'USDT',
      rawKey: 'exchange=binance/market=SYNUSDT/same.json.gz',
      url: bookUrl('binance', 'SYNUSDT'),
      runId: '01900000-0000-7000-8000-000000000002',
      requestedAt: '2026-11-21T11:00:00.000Z',
      receivedAt: '2026-11-21T11:00:00.100Z',
    };
    const first = await loader.load(snapshot);
    const count = async () =>
      Promise.all(
        (
          [
            'orderbook.fact_snapshot',
            'orderbook.fact_level',
            'orderbook.fact_top',
            'orderbook.fact_depth',
            'orderbook.fact_fill',
            'orderbook.dim_market',
          ] as const
        ).map(
          async (t) =>
            (
              await warehouse.db
                .selectFrom(t)
                .select((eb) => eb.fn.countAll<string>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
        ),
      );
    const before = await count();
    const second = await loader.load(snapshot);
    expect(first.inserted).toBe(true);
    expect(second).toEqual({ snapshotId: first.snapshotId, inserted: false, storedLevels: 6 });
    expect(await count()).toEqual(before);
  });

  it('keeps the sequence beyond 2^53 and the Coinbase time to the microsecond', async () => {
    const book = { ...synthetic('coinbase', 'BIG-USD'), sequence: 9007199254740993123n };
    const { snapshotId } = await load(book, 'BIG', 'USD');
    const row = await warehouse.db
      .selectFrom('orderbook.fact_snapshot')
      .select([
        'exchange_sequence',
        sql<string>`to_char(exchange_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`.as('t'),
      ])
      .where('snapshot_id', '=', snapshotId)
      .executeTakeFirstOrThrow();
    expect(row.exchange_sequence).toBe('9007199254740993123');
    expect(row.t).toBe('2026-11-21T10:00:00.123456');
  });
});
