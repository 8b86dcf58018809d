import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseBook } from '../../src/venues/index.ts';
import type { Config } from '../../src/config.ts';
import {
  backfill,
  BackfillArgsError,
  backfillOptions,
  type BackfillOptions,
} from '../../src/jobs/backfill.ts';
import { ArgsError, parseCommandArgs } from '../../src/cli/args.ts';
import { COMMANDS } from '../../src/cli/commands.ts';
import { LogProgress, TerminalProgress, type ProgressSink } from '../../src/jobs/progress.ts';
import { listSnapshots, listTrades, readSnapshot, type RawStore } from '../../src/raw/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { runCli } from '../helpers/child.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { contents, LAKE_ENV, makeLake, rowCounts, type Lake } from './backfill-lake.ts';

let lake: Lake;

beforeAll(async () => {
  lake = await makeLake(21);
});
afterAll(async () => {
  await lake.close();
});

async function database(): Promise<Warehouse> {
  return (await lake.database()).warehouse;
}

function run(
  warehouse: Warehouse,
  options: BackfillOptions = {},
  settings: Partial<Config> = {},
  progress?: ProgressSink,
) {
  const { log, lines } = capturingLogger();
  const merged = { ...lake.config, ...settings };
  return backfill(
    {
      config: merged,
      log,
      store: lake.store,
      db: warehouse.db,
      loader: new Loader(warehouse.db, merged),
      ...(progress ? { progress } : {}),
    },
    options,
  ).then((summary) => ({ summary, lines }));
}

/** Exact decimal → integer units at `scale` places (test arithmetic without floats). */
function units(value: string, scale: number): bigint {
  const [whole = '0', frac = ''] = value.split('.');
  return BigInt(whole + frac.padEnd(scale, '0').slice(0, scale));
}

describe('backfill', () => {
  it('the runs made what they should: 12 raw objects, 10 snapshots', async () => {
    expect(lake.runs.map((s) => s.marketsOk)).toEqual([4, 2, 4]);
    const keys: string[] = [];
    for await (const key of listSnapshots(lake.store)) keys.push(key);
    expect(keys).toHaveLength(12);
    // 10 books × top 1, depth 6 bands, fills 2 sides × 2 notionals, cost curve 2 sides × 9
    // sizes, size limits 2 sides × 5 thresholds; 4 markets over 4 assets.
    expect(await rowCounts(lake.original)).toMatchObject({
      snapshots: 10,
      top: 10,
      depth: 60,
      fills: 40,
      costCurve: 180,
      sizeLimits: 100,
      reach: 20,
      markets: 4,
      assets: 4,
    });
    expect((await rowCounts(lake.original)).levels).toBeGreaterThan(100);
    // Coinbase counts the orders at each level, Binance does not: 5 books × 6 bands each.
    const { rows: counted } = await sql<{ code: string; counted: string; uncounted: string }>`
      select e.code, count(*) filter (where d.bid_orders > 0 and d.ask_orders > 0)::text as counted,
             count(*) filter (where d.bid_orders is null and d.ask_orders is null)::text as uncounted
      from orderbook.fact_depth d
      join orderbook.fact_snapshot s using (snapshot_id)
      join orderbook.dim_market m using (market_id)
      join orderbook.dim_exchange e using (exchange_id)
      group by e.code order by e.code`.execute(lake.original.db);
    expect(counted).toEqual([
      { code: 'binance', counted: '0', uncounted: '30' },
      { code: 'coinbase', counted: '30', uncounted: '0' },
    ]);
    // And every market's trades each run: 12 fetches of 1000 overlapping trades.
    const tradeKeys: string[] = [];
    for await (const key of listTrades(lake.store)) tradeKeys.push(key);
    expect(tradeKeys).toHaveLength(12);
    const counts = await rowCounts(lake.original);
    expect(counts.tradeFetches).toBe(12);
    expect(counts.trades).toBeGreaterThanOrEqual(4000);
    expect(counts.trades).toBeLessThan(12000);
  });

  it('into an empty database gives exactly the rows the runs gave; twice = once', async () => {
    const rebuilt = await database();
    const { summary, lines } = await run(rebuilt);
    expect(summary).toMatchObject({ listed: 12, loaded: 10, alreadyPresent: 0, failed: [], derived: 10 });
    expect(summary.trades).toEqual({ listed: 12, loaded: 12, alreadyPresent: 0 });
    expect(summary.invalid.map((i) => i.key).sort()).toEqual(lake.invalidKeys);
    expect(summary.invalid.map((i) => i.reason).sort()).toEqual([
      'HTTP 503 response, not a book',
      expect.stringMatching(/^crossed book: best bid \S+ >= best ask \S+$/),
    ]);
    expect(await contents(rebuilt)).toEqual(await contents(lake.original));
    const finished = lines().find((l) => l.msg === 'backfill finished');
    expect(finished).toMatchObject({
      listed: 12,
      loaded: 10,
      alreadyPresent: 0,
      invalid: 2,
      failed: 0,
      derived: 10,
    });
    expect((finished?.invalidKeys as string[]).sort()).toEqual(lake.invalidKeys);
    // Each invalid object is logged as it is met, with its reason.
    const invalidLines = lines().filter((l) => l.msg === 'raw object invalid: kept, not loaded');
    expect(invalidLines.map((l) => l.rawKey).sort()).toEqual(lake.invalidKeys);

    // Twice = once, here one object at a time and three snapshots per derive transaction, so
    // the keyset pagination of the derive walks four pages.
    const before = await contents(rebuilt);
    const again = await run(rebuilt, { concurrency: 1, deriveBatch: 3, chunk: 5 });
    expect(again.summary).toMatchObject({
      listed: 12,
      loaded: 0,
      alreadyPresent: 10,
      trades: { listed: 12, loaded: 0, alreadyPresent: 12 },
      failed: [],
      derived: 10,
    });
    expect(again.summary.invalid).toHaveLength(2);
    expect(await contents(rebuilt)).toEqual(before);
  });

  it('reads the depth limit of each book from its raw URL again, and derives the same reach', async () => {
    const rebuilt = await database();
    await run(rebuilt);
    const byVenue = async (w: Warehouse) =>
      (
        await sql<{ row: string }>`
          select g::text as row from (
            select e.code, coalesce(s.depth_limit::text, 'none'), r.side, r.levels_sent,
                   r.levels_stored < r.levels_sent, coalesce(r.cut, 'whole'), count(*)
            from orderbook.fact_snapshot s
            join orderbook.dim_market m using (market_id)
            join orderbook.dim_exchange e using (exchange_id)
            join orderbook.fact_reach r using (snapshot_id)
            group by 1, 2, 3, 4, 5, 6) g
          order by 1`.execute(w.db)
      ).rows.map((r) => r.row);
    // LAKE_ENV: Binance asked for 100 of the simulator's 150 levels a side, so got them all and
    // is cut by its limit; Coinbase sends all 150 (level 2, no limit). LEVELS_WITHIN_BPS=50 keeps
    // every level of books this tight (levels_stored < levels_sent false). Five books of each.
    expect(await byVenue(rebuilt)).toEqual([
      '(binance,100,ask,100,f,venue_depth_limit,5)',
      '(binance,100,bid,100,f,venue_depth_limit,5)',
      '(coinbase,none,ask,150,f,whole,5)',
      '(coinbase,none,bid,150,f,whole,5)',
    ]);
    expect(await byVenue(rebuilt)).toEqual(await byVenue(lake.original));
  });

  it('converges after dying half-way: part loaded, part loaded without derived rows', async () => {
    const crashed = await database();
    // A first backfill that only got through the first run's objects…
    await run(crashed, { to: lake.runs[1]?.startedAt });
    // …and one that died between loading an object and deriving it.
    const loader = new Loader(crashed.db, lake.config);
    const key = lake.runs[2]?.outcomes[0]?.rawKey ?? '';
    const record = await readSnapshot(lake.store, key);
    await loader.load(
      {
        book: parseBook(record.meta.exchange, record.meta.market, record.payloadText ?? ''),
        base: record.meta.base ?? '',
        quote: record.meta.quote ?? '',
        rawKey: key,
        url: record.meta.url,
        runId: record.meta.run_id,
        requestedAt: record.meta.requested_at,
        receivedAt: record.meta.received_at,
      },
      { derive: false },
    );
    expect(await rowCounts(crashed)).toMatchObject({ snapshots: 5, top: 4 });
    const { summary } = await run(crashed);
    expect(summary).toMatchObject({ loaded: 5, alreadyPresent: 5, failed: [], derived: 10 });
    expect(await contents(crashed)).toEqual(await contents(lake.original));
  });

  it('filters by exchange, market and time', async () => {
    const filtered = await database();
    const binance = await run(filtered, { exchange: 'binance' });
    expect(binance.summary).toMatchObject({ listed: 6, loaded: 5, derived: 5 });
    expect(binance.summary.invalid.map((i) => i.key)).toEqual([lake.invalidKeys[0]]);
    const cbBtc = await run(filtered, { exchange: 'coinbase', market: 'BTC-USD' });
    expect(cbBtc.summary).toMatchObject({ listed: 3, loaded: 3, invalid: [], derived: 3 });
    // The last run alone, by time.
    const third = lake.runs[2];
    const window = await run(filtered, {
      from: third?.startedAt,
      to: new Date((third?.finishedAt ?? new Date()).getTime() + 1),
    });
    expect(window.summary).toMatchObject({ listed: 4, loaded: 1, alreadyPresent: 3, derived: 4 });
    const thirdKeys = (third?.outcomes ?? []).map((o) => o.rawKey);
    const snapshots = (await contents(filtered)).snapshots.map((s) => JSON.parse(s) as string[]);
    expect(snapshots.map((s) => s[1]).sort()).toEqual([
      'BTC-USD',
      'BTC-USD',
      'BTC-USD',
      'BTCUSDT',
      'BTCUSDT',
      'BTCUSDT',
      'ETH-USD',
      'ETHUSDT',
      'ETHUSDT',
    ]);
    // The only ETH-USD snapshot is the third run's: the window took exactly that run's objects.
    expect(snapshots.filter((s) => s[1] === 'ETH-USD').map((s) => s[0])).toEqual(
      thirdKeys.filter((k) => k?.includes('market=ETH-USD/')),
    );
    // A window with nothing in it lists nothing and derives nothing.
    const empty = await run(filtered, { from: new Date('2001-01-01Z'), to: new Date('2001-01-02Z') });
    expect(empty.summary).toMatchObject({ listed: 0, loaded: 0, derived: 0 });
  });

  it('--derive-only recomputes fills after a fee and notional change, without reading raw', async () => {
    const target = await database();
    await run(target);
    const emptyStore: RawStore = {
      location: 'file:///unused',
      put: () => Promise.reject(new Error('derive-only must not write raw')),
      get: () => Promise.reject(new Error('derive-only must not read raw')),
      listChildren: () => Promise.reject(new Error('derive-only must not list raw')),
      probe: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const fills = async () =>
      (
        await sql<{
          raw_key: string;
          code: string;
          side: string;
          notional_usd: string;
          fee_bps: string;
          fee_usd: string;
          avg_price: string;
          all_in_price: string;
          fully_filled: boolean;
        }>`
        select s.raw_key, e.code, f.side, f.notional_usd::text, f.fee_bps::text, f.fee_usd::text,
               f.avg_price::text, f.all_in_price::text, f.fully_filled
        from orderbook.fact_fill f
        join orderbook.fact_snapshot s using (snapshot_id)
        join orderbook.dim_market m using (market_id)
        join orderbook.dim_exchange e using (exchange_id)
        order by 1, 3, 4`.execute(target.db)
      ).rows;
    const rederive = async (settings: Partial<Config>, options: BackfillOptions = {}) => {
      const { log } = capturingLogger();
      const merged = { ...lake.config, ...settings };
      return backfill(
        { config: merged, log, store: emptyStore, db: target.db, loader: new Loader(target.db, merged) },
        { ...options, deriveOnly: true },
      );
    };
    const before = await fills();
    const { top, depth } = await contents(target);

    // Coinbase's taker fee 60 → 25 bps.
    const feeCut = await rederive({
      takerFeeBps: { coinbase: '25', binance: '10', kraken: '40', okx: '10', bybit: '10' },
    });
    expect(feeCut).toMatchObject({ listed: 0, loaded: 0, failed: [], derived: 10 });
    const after = await fills();
    expect(after).toHaveLength(40);
    const binance = (rows: typeof after) => rows.filter((r) => r.code === 'binance');
    expect(binance(after)).toEqual(binance(before));
    const coinbase = after.filter((r) => r.code === 'coinbase');
    expect(coinbase).toHaveLength(20);
    expect(new Set(coinbase.map((r) => Number(r.fee_bps)))).toEqual(new Set([25]));
    // One by hand: a $50,000 Coinbase buy pays 50000 × 25 / 10000 = $125, and its all-in price
    // is avg × (1 + 25/10000). avg is stored at 18 places and all-in was computed from the
    // unrounded avg, so they may differ by a rounding step (1e-18) and no more.
    const buy = coinbase.find((r) => r.side === 'buy' && Number(r.notional_usd) === 50000);
    expect(buy?.fully_filled).toBe(true);
    expect(units(buy?.fee_usd ?? '', 18)).toBe(units('125', 18));
    const expectedAllIn = units(buy?.avg_price ?? '', 18) * 10025n; // scale 22
    const allIn = units(buy?.all_in_price ?? '', 18) * 10000n; // scale 22
    const diff = expectedAllIn > allIn ? expectedAllIn - allIn : allIn - expectedAllIn;
    expect(diff <= 10_100n).toBe(true);
    expect(allIn).not.toBe(units(buy?.avg_price ?? '', 18) * 10060n); // no longer the 60 bps price
    // Top and depth do not depend on fees: recomputed, identical.
    expect((await contents(target)).top).toEqual(top);
    expect((await contents(target)).depth).toEqual(depth);

    // A derive limited to Binance leaves Coinbase as it was, whatever the settings say.
    const onlyBinance = await rederive(
      { takerFeeBps: { coinbase: '99', binance: '10', kraken: '40', okx: '10', bybit: '10' } },
      { exchange: 'binance' },
    );
    expect(onlyBinance.derived).toBe(5);
    expect(await fills()).toEqual(after);

    // New notionals: the old ones' rows are gone, the new ones are there, for every snapshot.
    const notionals = await rederive({
      takerFeeBps: { coinbase: '25', binance: '10', kraken: '40', okx: '10', bybit: '10' },
      notionalsUsd: ['75000'],
    });
    expect(notionals.derived).toBe(10);
    const rows = await fills();
    expect(rows).toHaveLength(10 * 2);
    expect(new Set(rows.map((r) => `${r.code}:${r.fee_bps}:${Number(r.notional_usd)}`))).toEqual(
      new Set(['coinbase:25:75000', 'binance:10:75000']),
    );
  });

  it('--derive-only rebuilds size limits and cost curves for new SLIPPAGE_BPS_THRESHOLDS and COST_CURVE_USD', async () => {
    const target = await database();
    await run(target);
    const before = await contents(target);
    const { log } = capturingLogger();
    const merged = {
      ...lake.config,
      slippageBpsThresholds: ['0.05', '200'],
      costCurveUsd: ['20000', '2000000'],
    };
    const summary = await backfill(
      { config: merged, log, store: lake.store, db: target.db, loader: new Loader(target.db, merged) },
      { deriveOnly: true },
    );
    expect(summary).toMatchObject({ listed: 0, loaded: 0, failed: [], derived: 10 });
    const after = await contents(target);
    // Fills, top and depth do not depend on these settings.
    expect([after.fills, after.top, after.depth]).toEqual([before.fills, before.top, before.depth]);

    const { rows: limits } = await sql<{
      threshold_bps: string;
      max_notional_usd: string;
      max_base: string;
      avg_price: string;
      slippage_bps: string;
      book_exhausted: boolean;
      side_usd: string;
    }>`
      select z.threshold_bps::text, z.max_notional_usd::text, z.max_base::text, z.avg_price::text,
             z.slippage_bps::text, z.book_exhausted,
             (select sum(l.price * l.size) from orderbook.fact_level l
              where l.snapshot_id = z.snapshot_id and l.side = case z.side when 'buy' then 'ask' else 'bid' end)::text as side_usd
      from orderbook.fact_size_limit z`.execute(target.db);
    // Only the new thresholds, for every snapshot and side.
    expect(limits).toHaveLength(10 * 2 * 2);
    expect(new Set(limits.map((l) => Number(l.threshold_bps)))).toEqual(new Set([0.05, 200]));
    // The runs kept levels within 50 bps of mid (LEVELS_WITHIN_BPS): a 200 bps limit is the
    // whole stored side, flagged as such.
    for (const l of limits.filter((x) => Number(x.threshold_bps) === 200)) {
      expect(l.book_exhausted).toBe(true);
      expect(units(l.max_notional_usd, 18)).toBe(units(l.side_usd, 18));
    }
    // 0.05 bps falls inside the books: the order stops exactly at 0.05 bps of slippage, or is 0
    // where even the best level is further from mid.
    const tight = limits.filter((x) => Number(x.threshold_bps) === 0.05);
    const inside = tight.filter((l) => units(l.max_notional_usd, 18) > 0n);
    expect(inside.length).toBeGreaterThan(0);
    for (const l of inside)
      expect([l.book_exhausted, units(l.slippage_bps, 18)]).toEqual([false, units('0.05', 18)]);
    for (const l of tight.filter((x) => !inside.includes(x))) {
      expect([l.book_exhausted, l.max_base, l.avg_price, l.slippage_bps]).toEqual([
        false,
        expect.stringMatching(/^0(\.0+)?$/),
        null,
        null,
      ]);
    }

    const { rows: curve } = await sql<{ notional_usd: string; n: string }>`
      select notional_usd::text, count(*)::text as n from orderbook.fact_cost_curve
      group by notional_usd order by notional_usd`.execute(target.db);
    expect(curve.map((c) => [Number(c.notional_usd), Number(c.n)])).toEqual([
      [20000, 20],
      [2000000, 20],
    ]);
  });

  it('draws a bar on a terminal; elsewhere logs progress lines with counts and rate, then the summary', async () => {
    let out = '';
    const terminal = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.toString('utf8');
        callback();
      },
    });
    const target = await database();
    const { summary } = await run(target, {}, {}, new TerminalProgress(terminal));
    expect(summary.loaded).toBe(10);
    // Rewritten in place: carriage returns, not one line per object; each phase ends on its own line.
    expect(out).toContain('\r');
    const finalLines = out
      .split('\n')
      .map((l) => l.split('\r').at(-1)?.replaceAll('\u001b[2K', ''))
      .filter((l) => l !== '');
    expect(finalLines).toHaveLength(3);
    expect(finalLines[0]).toMatch(/^load +\[█{24}\] 12\/12 objects +\d+\/s/);
    expect(finalLines[1]).toMatch(/^trades +\[█{24}\] 12\/12 objects +\d+\/s/);
    expect(finalLines[2]).toBe('derive  10 snapshots');

    // Not a terminal (cron, a container log): log lines, here one per change so the test need
    // not wait the default 10 s between them.
    const { log, lines } = capturingLogger();
    const again = await backfill(
      {
        config: lake.config,
        log,
        store: lake.store,
        db: target.db,
        loader: new Loader(target.db, lake.config),
        progress: new LogProgress(log, 0),
      },
      { exchange: 'coinbase' },
    );
    expect(again).toMatchObject({ listed: 6, loaded: 0, alreadyPresent: 5, derived: 5 });
    const progress = lines().filter((l) => l.msg === 'backfill progress');
    const load = progress.filter((l) => l.phase === 'load');
    expect(load.at(-1)).toMatchObject({ done: 6, total: 6, listed: 6 });
    expect(typeof load.at(-1)?.perSecond).toBe('number');
    expect(progress.filter((l) => l.phase === 'derive').at(-1)).toMatchObject({ derived: 5 });
    expect(lines().at(-1)).toMatchObject({
      msg: 'backfill finished',
      listed: 6,
      loaded: 0,
      alreadyPresent: 5,
      invalid: 1,
      invalidKeys: [lake.invalidKeys[1]],
      failed: 0,
      failedKeys: [],
      derived: 5,
    });
    expect(typeof lines().at(-1)?.durationMs).toBe('number');
  });
});

/** backfill's arguments as the CLI reads them: the one parser, then backfill's own checks. */
function parseBackfillArgs(args: string[]) {
  const parsed = parseCommandArgs(COMMANDS.backfill ?? fail(), args);
  if (parsed.help) return fail();
  return backfillOptions(parsed.values);
}

function fail(): never {
  throw new Error('no backfill command spec, or --help asked');
}

describe('backfill arguments', () => {
  it('reads every flag', () => {
    expect(
      parseBackfillArgs([
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-02T12:00:00Z',
        '--exchange',
        'coinbase',
        '--market',
        'BTC-USD',
      ]),
    ).toEqual({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-02T12:00:00Z'),
      exchange: 'coinbase',
      market: 'BTC-USD',
      deriveOnly: false,
    });
    expect(parseBackfillArgs(['--derive-only']).deriveOnly).toBe(true);
    expect(parseBackfillArgs([])).toEqual({
      from: undefined,
      to: undefined,
      exchange: undefined,
      market: undefined,
      deriveOnly: false,
    });
    expect(parseBackfillArgs(['--from', '2026-11-21T13:00:00.5+01:00']).from).toEqual(
      new Date('2026-11-21T12:00:00.500Z'),
    );
    expect(parseBackfillArgs(['--market', 'BTCUSDT']).market).toBe('BTCUSDT');
  });

  it.each([
    [['--from', 'yesterday'], /--from "yesterday" is not an ISO 8601 time: expected .* e\.g\. 2026-11-21/],
    [['--to', '2026-02-30'], /--to "2026-02-30" is not a valid date or time/],
    [['--to', '2026-11-21T24:00:00Z'], /--to "2026-11-21T24:00:00Z" is not a valid date or time/],
    // Without a zone it would be read in the server's time zone, while the lake is in UTC.
    [['--from', '2026-11-21T13:00:00'], /--from "2026-11-21T13:00:00" has no time zone: add Z for UTC/],
    [['--from', '2026-11-02', '--to', '2026-11-01'], /--from 2026-11-02 is not before --to 2026-11-01/],
    [['--exchange', 'bitstamp'], /--exchange "bitstamp" is not a venue/],
    [
      ['--exchange', 'binance', '--market', 'BTC-USD'],
      /--market "BTC-USD" is not a binance symbol: a binance symbol matches \^\[A-Z0-9\]\{2,20\}\$ \(e\.g\. BTCUSDT\)/,
    ],
    [['--market', '../etc'], /--market "..\/etc" is not a venue symbol: a coinbase symbol matches/],
    [['--market', 'btc-usd'], /--market "btc-usd" is not a venue symbol/],
  ])('%j', (args, message) => {
    expect(() => parseBackfillArgs(args)).toThrow(BackfillArgsError);
    expect(() => parseBackfillArgs(args)).toThrow(message);
  });

  it.each([
    [['--frm', 'x'], /Unknown option '--frm'.*see `backfill --help`/],
    [['--from'], /--from.*argument missing.*see `backfill --help`/],
    [['coinbase'], /Unexpected argument 'coinbase'.*see `backfill --help`/],
  ])('%j is refused by the one parser', (args, message) => {
    expect(() => parseBackfillArgs(args)).toThrow(ArgsError);
    expect(() => parseBackfillArgs(args)).toThrow(message);
  });
});

describe('npm run backfill', () => {
  it('rebuilds from the folder named by RAW_STORE_URL, logs its summary, exits 0', async () => {
    const testDb = await createTestDatabase();
    onTestFinished(() => testDb.cleanup());
    const result = await runCli(['backfill', '--exchange', 'coinbase'], {
      DATA_DIR: testDb.dataDir,
      RAW_STORE_URL: `file://${lake.rawDir}`,
      ...LAKE_ENV,
      ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}),
    });
    expect(result.code).toBe(0);
    const finished = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'backfill finished');
    expect(finished).toMatchObject({ listed: 6, loaded: 5, invalid: 1, failed: 0, derived: 5 });
  });
});
