import { sql, type Transaction } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OrderBook } from '../../src/book/index.ts';
import type { Database } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { bookUrl } from '../helpers/book-url.ts';

const { warehouse } = useTestWarehouse();

const RUN_A = '01900000-0000-7000-8000-00000000000a';
const RUN_B = '01900000-0000-7000-8000-00000000000b';
const VIEWS = [
  // Every stored level, rows and compacted days alike (migration 0015): what v_book_levels and
  // the derive read; a table's columns, no names.
  'fact_level_all',
  'v_best_venue',
  'v_book_levels',
  'v_book_top',
  'v_cost_curve',
  'v_depth',
  'v_etl_health',
  'v_execution_cost',
  'v_forecast_error',
  'v_freshness',
  'v_latest',
  'v_max_size',
  'v_max_spread',
  'v_mid_price_day',
  'v_mid_price_forecast',
  'v_mid_price_hour',
  'v_mid_price_minute',
  'v_optimal_split',
  'v_optimal_transactions',
  'v_reach',
  'v_run',
  'v_snapshot',
  'v_spread_rolling',
  'v_trade',
  'v_vwap',
];
const TABLES = [
  'dim_asset',
  'dim_exchange',
  'dim_market',
  'etl_error',
  'etl_run',
  'fact_cost_curve',
  'fact_depth',
  'fact_fill',
  'fact_level',
  'fact_level_compact',
  'fact_size_limit',
  'fact_snapshot',
  'fact_top',
  'fact_trade',
  'fact_trade_fetch',
];

const markets: Record<string, number> = {};

async function asset(code: string, isUsd: boolean): Promise<number> {
  const row = await warehouse.db
    .insertInto('orderbook.dim_asset')
    .values({ code, is_usd: isUsd })
    .returning('asset_id')
    .executeTakeFirstOrThrow();
  return row.asset_id;
}

async function market(exchangeId: number, symbol: string, base: number, quote: number): Promise<void> {
  const row = await warehouse.db
    .insertInto('orderbook.dim_market')
    .values({
      exchange_id: exchangeId,
      symbol,
      base_asset_id: base,
      quote_asset_id: quote,
      first_seen: '2026-01-01T00:00:00Z',
      last_seen: '2026-01-01T00:00:00Z',
    })
    .returning('market_id')
    .executeTakeFirstOrThrow();
  markets[symbol] = row.market_id;
}

let rawKeys = 0;
/** A snapshot with a top of book whose mid is `mid` (bid mid − 1, ask mid + 1). */
async function snapshot(symbol: string, runId: string, at: string, mid: string): Promise<string> {
  const row = await warehouse.db
    .insertInto('orderbook.fact_snapshot')
    .values({
      market_id: markets[symbol] ?? -1,
      run_id: runId,
      requested_at: at,
      received_at: at,
      exchange_time: null,
      exchange_sequence: '1',
      bid_levels: 1,
      ask_levels: 1,
      stored_levels: 2,
      raw_key: `views-test-${++rawKeys}`,
    })
    .returning('snapshot_id')
    .executeTakeFirstOrThrow();
  await sql`insert into orderbook.fact_top values
    (${row.snapshot_id}, ${mid}::numeric - 1, 1, ${mid}::numeric + 1, 1, ${mid}, 2, 2 / ${mid}::numeric * 10000)`.execute(
    warehouse.db,
  );
  return row.snapshot_id;
}

async function fill(snapshotId: string, side: 'buy' | 'sell', allIn: string, fully = true): Promise<void> {
  await warehouse.db
    .insertInto('orderbook.fact_fill')
    .values({
      snapshot_id: snapshotId,
      side,
      notional_usd: '50000',
      filled_base: '500',
      avg_price: allIn,
      worst_price: allIn,
      levels_used: 1,
      slippage_bps: '0',
      fee_bps: '0',
      fee_usd: '0',
      all_in_price: allIn,
      fully_filled: fully,
    })
    .execute();
}

beforeAll(async () => {
  const btc = await asset('BTC', false);
  const usd = await asset('USD', true);
  const usdt = await asset('USDT', true);
  const eur = await asset('EUR', false);
  await market(1, 'BTC-USD', btc, usd);
  await market(2, 'BTCUSDT', btc, usdt);
  await market(1, 'BTC-USDT', btc, usdt);
  await market(1, 'BTC-EUR', btc, eur);
});

describe('views', () => {
  it('are exactly the analysts’ API, and each names exchange, market, base, quote', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.views where table_schema = 'orderbook' order by table_name`.execute(
      warehouse.db,
    );
    expect(rows.map((r) => r.table_name)).toEqual(VIEWS);
    const { rows: columns } = await sql<{ table_name: string; n: string }>`
      select table_name, count(*) as n from information_schema.columns
      where table_schema = 'orderbook' and table_name like 'v\\_%'
        and column_name in ('exchange', 'market', 'base', 'quote')
      group by table_name order by table_name`.execute(warehouse.db);
    // v_best_venue names the winner's exchange and market and the base; v_etl_health exchange
    // and market (a market that only ever failed has no assets); v_run is about runs, not
    // markets; the others all four.
    const named: Record<string, number> = { v_best_venue: 3, v_etl_health: 2 };
    expect(columns.map((c) => [c.table_name, Number(c.n)])).toEqual(
      VIEWS.filter((v) => v.startsWith('v_') && v !== 'v_run').map((v) => [v, named[v] ?? 4]),
    );
  });
});

describe('v_best_venue', () => {
  beforeAll(async () => {
    const at = '2026-01-01T10:00:00Z';
    const coinbase = await snapshot('BTC-USD', RUN_A, at, '100');
    const binance = await snapshot('BTCUSDT', RUN_A, at, '100');
    const thin = await snapshot('BTC-USDT', RUN_A, at, '100');
    const euro = await snapshot('BTC-EUR', RUN_A, at, '100');
    await fill(coinbase, 'buy', '100.60');
    await fill(binance, 'buy', '100.20');
    await fill(thin, 'buy', '100.10', false); // cheapest, but the book could not fill it
    await fill(euro, 'buy', '90'); // not a USD quote: never compared
    await fill(coinbase, 'sell', '99.40');
    await fill(binance, 'sell', '99.80');
    await fill(thin, 'sell', '99.90', false);
    const alone = await snapshot('BTC-USD', RUN_B, '2026-01-01T11:00:00Z', '100');
    await fill(alone, 'buy', '100.50');
  });

  const best = async (runId: string, side: string) => {
    const { rows } = await sql<{
      exchange: string;
      market: string;
      all_in_price: string;
      runner_up_exchange: string | null;
      runner_up_market: string | null;
      runner_up_all_in_price: string | null;
      advantage_bps: string | null;
      base: string;
      notional_usd: string;
    }>`select * from orderbook.v_best_venue where run_id = ${runId} and side = ${side}`.execute(warehouse.db);
    return rows;
  };

  it('prefers the LOWEST all-in price to buy, among fully filled USD and stablecoin books', async () => {
    const rows = await best(RUN_A, 'buy');
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect([
      row?.base,
      canonical(row?.notional_usd),
      row?.exchange,
      row?.market,
      canonical(row?.all_in_price),
    ]).toEqual(['BTC', '50000', 'binance', 'BTCUSDT', '100.2']);
    expect([row?.runner_up_exchange, row?.runner_up_market, canonical(row?.runner_up_all_in_price)]).toEqual([
      'coinbase',
      'BTC-USD',
      '100.6',
    ]);
    // (100.60 − 100.20) / 100.60 × 10000
    expect(canonical(row?.advantage_bps)).toBe('39.761431411530815109');
  });

  it('prefers the HIGHEST all-in price to sell', async () => {
    const [row] = await best(RUN_A, 'sell');
    expect([row?.exchange, canonical(row?.all_in_price), row?.runner_up_exchange]).toEqual([
      'binance',
      '99.8',
      'coinbase',
    ]);
    // (99.80 − 99.40) / 99.40 × 10000
    expect(canonical(row?.advantage_bps)).toBe('40.241448692152917505');
  });

  it('has no runner-up when one venue could fill', async () => {
    const [row] = await best(RUN_B, 'buy');
    expect([row?.exchange, row?.runner_up_exchange, row?.runner_up_all_in_price, row?.advantage_bps]).toEqual(
      ['coinbase', null, null, null],
    );
  });
});

describe('v_mid_price_* buckets', () => {
  beforeAll(async () => {
    const run = '01900000-0000-7000-8000-0000000000c0';
    await snapshot('BTC-EUR', run, '2026-02-01T10:15:00Z', '100');
    await snapshot('BTC-EUR', run, '2026-02-01T10:45:30Z', '110');
    await snapshot('BTC-EUR', run, '2026-02-01T11:05:00Z', '120');
    await snapshot('BTC-EUR', run, '2026-02-02T00:30:00Z', '130');
  });

  async function buckets(view: string) {
    // A session in New York must still see UTC buckets.
    return warehouse.db.transaction().execute(async (tx) => {
      await sql`set local time zone 'America/New_York'`.execute(tx);
      const { rows } = await sql<{
        bucket: Date;
        avg_mid: string;
        min_mid: string;
        max_mid: string;
        snapshots: string;
      }>`
        select bucket, avg_mid, min_mid, max_mid, snapshots from ${sql.table(`orderbook.${view}`)}
        where market = 'BTC-EUR' and bucket >= '2026-02-01T00:00:00Z' order by bucket`.execute(tx);
      return rows.map((r) => [
        new Date(r.bucket).toISOString(),
        canonical(r.avg_mid),
        canonical(r.min_mid),
        canonical(r.max_mid),
        Number(r.snapshots),
      ]);
    });
  }

  it('averages per UTC hour', async () => {
    expect(await buckets('v_mid_price_hour')).toEqual([
      ['2026-02-01T10:00:00.000Z', '105', '100', '110', 2],
      ['2026-02-01T11:00:00.000Z', '120', '120', '120', 1],
      ['2026-02-02T00:00:00.000Z', '130', '130', '130', 1],
    ]);
  });

  it('averages per UTC day and minute', async () => {
    expect(await buckets('v_mid_price_day')).toEqual([
      ['2026-02-01T00:00:00.000Z', '110', '100', '120', 3],
      ['2026-02-02T00:00:00.000Z', '130', '130', '130', 1],
    ]);
    const minutes = await buckets('v_mid_price_minute');
    expect(minutes.map((m) => m[0])).toEqual([
      '2026-02-01T10:15:00.000Z',
      '2026-02-01T10:45:00.000Z',
      '2026-02-01T11:05:00.000Z',
      '2026-02-02T00:30:00.000Z',
    ]);
  });
});

describe('v_optimal_transactions and v_latest on a loaded book', () => {
  // asks 101×1, 102×2, 103×5 · bids 100×1, 99×2, 98×5
  const book: OrderBook = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    sequence: 7n,
    exchangeTime: null,
    notExecutable: null,
    bids: [
      { price: '100', size: '1', orderCount: null },
      { price: '99', size: '2', orderCount: null },
      { price: '98', size: '5', orderCount: null },
    ],
    asks: [
      { price: '101', size: '1', orderCount: null },
      { price: '102', size: '2', orderCount: null },
      { price: '103', size: '5', orderCount: null },
    ],
  };
  let snapshotId: string;

  beforeAll(async () => {
    const loader = new Loader(warehouse.db, {
      notionalsUsd: ['300', '1000'],
      depthBandsBps: [100],
      takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
      costCurveUsd: ['300'],
      slippageBpsThresholds: ['10'],
      levelsWithinBps: null,
      usdStablecoins: ['USDT'],
    });
    const result = await loader.load({
      book,
      base: 'BTC',
      quote: 'USDT',
      rawKey: 'views-test-loaded',
      url: bookUrl(book.venue, book.symbol),
      runId: '01900000-0000-7000-8000-0000000000d0',
      requestedAt: '2026-03-01T00:00:00Z',
      receivedAt: '2026-03-01T00:00:01Z',
    });
    snapshotId = result.snapshotId;
  });

  const levels = async (side: string, notional: string) => {
    const { rows } = await sql<Record<string, string | number>>`
      select level_no, price, level_size, taken_base, taken_quote, cum_base, cum_quote
      from orderbook.v_optimal_transactions
      where snapshot_id = ${snapshotId} and side = ${side} and notional_usd = ${notional}
      order by level_no`.execute(warehouse.db);
    return rows.map((r) => Object.values(r).map((v) => canonical(String(v))));
  };

  it('lists the levels a $300 buy takes, the last one in part', async () => {
    // 101 × 1 whole, then (300 − 101) / 102 = 1.950980392156862745 of the 102 level, worth the 199 still needed.
    expect(await levels('buy', '300')).toEqual([
      ['1', '101', '1', '1', '101', '1', '101'],
      ['2', '102', '2', '1.950980392156862745', '199', '2.950980392156862745', '300'],
    ]);
  });

  it('walks only the snapshot asked for, when it is chosen by a subquery as the docs do', async () => {
    const loader = new Loader(warehouse.db, {
      notionalsUsd: ['300', '1000'],
      depthBandsBps: [100],
      takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
      costCurveUsd: ['300'],
      slippageBpsThresholds: ['10'],
      levelsWithinBps: null,
      usdStablecoins: ['USDT'],
    });
    // Other books whose walks a filter applied after the window would compute too.
    for (let i = 0; i < 3; i++) {
      await loader.load({
        book,
        base: 'BTC',
        quote: 'USDT',
        rawKey: `views-test-other-${String(i)}`,
        url: bookUrl(book.venue, book.symbol),
        runId: '01900000-0000-7000-8000-0000000000d1',
        requestedAt: '2026-02-28T00:00:00Z',
        receivedAt: `2026-02-28T0${String(i)}:00:01Z`,
      });
    }
    const { rows: plan } = await sql<{ 'QUERY PLAN': unknown }>`
      explain (analyze, format json)
      select * from orderbook.v_optimal_transactions
      where snapshot_id = (select snapshot_id from orderbook.v_snapshot where market = 'BTCUSDT'
                           order by captured_at desc limit 1)`.execute(warehouse.db);
    const windows: number[] = [];
    const visit = (node: Record<string, unknown>) => {
      if (node['Node Type'] === 'WindowAgg') windows.push(Number(node['Actual Rows']));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
    };
    visit((plan[0]?.['QUERY PLAN'] as [{ Plan: Record<string, unknown> }])[0].Plan);
    // The newest book's walks: $300 buy 2 levels, $300 sell 3, $1000 buy 3, $1000 sell 3.
    expect(windows).toEqual([11, 11]);
  });

  it('takes every level whole for an order the book cannot fill', async () => {
    // bids hold 100 + 198 + 490 = 788 USD of the 1000 asked.
    expect(await levels('sell', '1000')).toEqual([
      ['1', '100', '1', '1', '100', '1', '100'],
      ['2', '99', '2', '2', '198', '3', '298'],
      ['3', '98', '5', '5', '490', '8', '788'],
    ]);
  });

  it('v_latest shows the newest snapshot of each market, with its fills', async () => {
    const { rows } = await sql<{
      market: string;
      snapshot_id: string;
      side: string | null;
      notional_usd: string | null;
    }>`
      select market, snapshot_id, side, notional_usd from orderbook.v_latest
      order by market, side, notional_usd`.execute(warehouse.db);
    const binance = rows.filter((r) => r.market === 'BTCUSDT');
    expect(binance.map((r) => [r.snapshot_id, r.side, canonical(r.notional_usd)])).toEqual(
      [
        [snapshotId, 'buy', '300'],
        [snapshotId, 'buy', '1000'],
        [snapshotId, 'sell', '300'],
        [snapshotId, 'sell', '1000'],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1])) || Number(a[2]) - Number(b[2])),
    );
    // BTC-EUR: newest is 2026-02-02T00:30 (mid 130), no fills → one row with null fill columns.
    const euro = rows.filter((r) => r.market === 'BTC-EUR');
    expect(euro).toHaveLength(1);
    expect(euro[0]?.side).toBeNull();
    const { rows: mid } = await sql<{ mid_price: string }>`
      select mid_price from orderbook.v_latest where market = 'BTC-EUR'`.execute(warehouse.db);
    expect(canonical(mid[0]?.mid_price)).toBe('130');
  });
});

describe('v_etl_health', () => {
  it('counts runs, loads and failures per day and market, with the newest error', async () => {
    const run1 = '01900000-0000-7000-8000-0000000000e1';
    const run2 = '01900000-0000-7000-8000-0000000000e2';
    await snapshot('BTC-USDT', run1, '2026-04-01T01:00:00Z', '100');
    await warehouse.db
      .insertInto('orderbook.etl_error')
      .values([
        {
          run_id: run2,
          exchange: 'coinbase',
          market: 'BTC-USDT',
          stage: 'fetch',
          kind: 'http_503',
          message: 'first',
          raw_key: null,
          at: '2026-04-01T02:00:00Z',
        },
        {
          run_id: run2,
          exchange: 'binance',
          market: 'NEWCOIN',
          stage: 'fetch',
          kind: 'unknown_market',
          message: 'never listed',
          raw_key: null,
          at: '2026-04-01T02:00:00Z',
        },
        {
          run_id: run1,
          exchange: 'coinbase',
          market: 'BTC-USDT',
          stage: 'parse',
          kind: 'invalid_book',
          message: 'crossed',
          raw_key: 'k',
          at: '2026-04-01T03:00:00Z',
        },
      ])
      .execute();
    const { rows } = await sql<Record<string, unknown>>`
      select exchange, market, runs, loaded, failed, last_error, last_error_stage
      from orderbook.v_etl_health where day = '2026-04-01' order by exchange, market`.execute(warehouse.db);
    expect(rows.map((r) => Object.values(r).map(String))).toEqual([
      ['binance', 'NEWCOIN', '1', '0', '1', 'never listed', 'fetch'],
      ['coinbase', 'BTC-USDT', '2', '1', '2', 'crossed', 'parse'],
    ]);
  });
});

describe('orderbook_reader', () => {
  async function asReader<T>(fn: (tx: Transaction<Database>) => Promise<T>) {
    return warehouse.db.transaction().execute(async (tx) => {
      await sql`set local role orderbook_reader`.execute(tx);
      return fn(tx);
    });
  }

  it('can read every view', async () => {
    for (const view of VIEWS) {
      await asReader((tx) => sql`select * from ${sql.table(`orderbook.${view}`)} limit 1`.execute(tx));
    }
  });

  it.each(TABLES)('is refused the base table %s', async (table) => {
    await expect(
      asReader((tx) => sql`select * from ${sql.table(`orderbook.${table}`)} limit 1`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
  });
});
