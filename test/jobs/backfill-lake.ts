/**
 * A raw lake made the way production makes one: real runs against the simulator into a folder
 * raw store and a warehouse ("A"), with a crossed book and a 503 in the middle run. Backfill
 * tests rebuild other warehouses from it and compare them with A, keyed on raw objects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig, type Config } from '../../src/config.ts';
import { createVenueClients } from '../../src/venues/index.ts';
import { runOnce, type RunSummary } from '../../src/jobs/run.ts';
import { openRawStore, type RawStore } from '../../src/raw/index.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

/** Settings the runs used; a child process gets them as its environment. */
export const LAKE_ENV = {
  BINANCE_DEPTH_LIMIT: '100',
  HTTP_RETRIES: '1',
  HTTP_BACKOFF_MS: '5',
  LEVELS_WITHIN_BPS: '50',
};

export interface Lake {
  sim: Simulator;
  /** Root folder of the raw store. */
  rawDir: string;
  store: RawStore;
  config: Config;
  /** Warehouse A: what the runs themselves loaded. */
  original: Warehouse;
  runs: RunSummary[];
  /** Raw keys of the crossed Coinbase ETH-USD book and the Binance ETHUSDT 503, sorted. */
  invalidKeys: string[];
  /** A fresh, migrated, empty warehouse, cleaned up by close(). */
  database(): Promise<{ warehouse: Warehouse; testDb: TestDatabase }>;
  close(): Promise<void>;
}

export async function makeLake(seed: number): Promise<Lake> {
  const sim = await startSimulator({ seed, markets: defaultSimMarkets(150) });
  const dir = await mkdtemp(path.join(tmpdir(), 'obetl-backfill-'));
  const rawDir = path.join(dir, 'raw');
  const store = openRawStore(`file://${rawDir}`);
  const config = loadConfig({ COINBASE_API_URL: sim.url, BINANCE_API_URL: sim.url, ...LAKE_ENV });
  const opened: { testDb: TestDatabase; warehouse: Warehouse }[] = [];
  const database = async () => {
    const testDb = await createTestDatabase();
    const warehouse = await testDb.open();
    opened.push({ testDb, warehouse });
    return { warehouse, testDb };
  };
  const { warehouse: original } = await database();
  const { log } = capturingLogger();
  const runs: RunSummary[] = [];
  for (let i = 0; i < 3; i++) {
    if (i === 1) {
      sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'crossed' });
      sim.injectFault({ venue: 'binance', symbol: 'ETHUSDT' }, { kind: 'status', status: 503 }, 2);
    }
    runs.push(
      await runOnce({
        config,
        log,
        store,
        clients: createVenueClients(config, log),
        db: original.db,
        loader: new Loader(original.db, config),
      }),
    );
  }
  const rawKeyOf = (run: RunSummary | undefined, symbol: string) =>
    run?.outcomes.find((o) => o.market.symbol === symbol)?.rawKey ?? `missing ${symbol}`;
  return {
    sim,
    rawDir,
    store,
    config,
    original,
    runs,
    invalidKeys: [rawKeyOf(runs[1], 'ETH-USD'), rawKeyOf(runs[1], 'ETHUSDT')].sort(),
    database,
    async close() {
      await sim.close();
      for (const { testDb, warehouse } of opened) {
        await warehouse.close();
        await testDb.cleanup();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Everything a load and derive write, keyed by raw object (and codes) instead of surrogate ids,
 * in a stable order: two warehouses built from the same lake must give equal results.
 */
export async function contents(warehouse: Warehouse) {
  const query = async (text: string) =>
    (await sql.raw<Record<string, unknown>>(text).execute(warehouse.db)).rows.map((r) =>
      JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : String(v)))),
    );
  const snap = `orderbook.fact_snapshot s join orderbook.dim_market m using (market_id)`;
  return {
    snapshots:
      await query(`select s.raw_key, m.symbol, s.run_id, s.requested_at, s.received_at, s.exchange_time,
        s.exchange_sequence, s.bid_levels, s.ask_levels, s.stored_levels, s.depth_limit from ${snap} order by 1`),
    levels: await query(`select s.raw_key, l.side, l.level_no, l.price, l.size, l.order_count
        from ${snap} join orderbook.fact_level l using (snapshot_id) order by 1, 2, 3`),
    top: await query(`select s.raw_key, t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size, t.mid_price,
        t.spread, t.spread_bps from ${snap} join orderbook.fact_top t using (snapshot_id) order by 1`),
    depth: await query(`select s.raw_key, d.band_bps, d.bid_base, d.bid_quote, d.ask_base, d.ask_quote,
        d.bid_orders, d.ask_orders
        from ${snap} join orderbook.fact_depth d using (snapshot_id) order by 1, 2`),
    fills: await query(`select s.raw_key, f.side, f.notional_usd, f.filled_base, f.avg_price, f.worst_price,
        f.levels_used, f.slippage_bps, f.fee_bps, f.fee_usd, f.all_in_price, f.fully_filled
        from ${snap} join orderbook.fact_fill f using (snapshot_id) order by 1, 2, 3`),
    costCurve:
      await query(`select s.raw_key, c.side, c.notional_usd, c.filled_base, c.avg_price, c.worst_price,
        c.levels_used, c.slippage_bps, c.fee_bps, c.fee_usd, c.all_in_price, c.fully_filled
        from ${snap} join orderbook.fact_cost_curve c using (snapshot_id) order by 1, 2, 3`),
    sizeLimits: await query(`select s.raw_key, z.side, z.threshold_bps, z.max_notional_usd, z.max_base,
        z.levels_used, z.worst_price, z.avg_price, z.slippage_bps, z.book_exhausted
        from ${snap} join orderbook.fact_size_limit z using (snapshot_id) order by 1, 2, 3`),
    reach:
      await query(`select s.raw_key, r.side, r.levels_sent, r.levels_stored, r.far_price, r.reach_bps, r.cut
        from ${snap} join orderbook.fact_reach r using (snapshot_id) order by 1, 2`),
    markets: await query(`select e.code, m.symbol, b.code, q.code, m.first_seen, m.last_seen
        from orderbook.dim_market m join orderbook.dim_exchange e using (exchange_id)
        join orderbook.dim_asset b on b.asset_id = m.base_asset_id
        join orderbook.dim_asset q on q.asset_id = m.quote_asset_id order by 1, 2`),
    assets: await query(`select code, is_usd from orderbook.dim_asset order by 1`),
    tradeFetches: await query(`select f.raw_key, m.symbol, f.run_id, f.requested_at, f.received_at,
        f.trade_count, f.first_trade_id, f.last_trade_id
        from orderbook.fact_trade_fetch f join orderbook.dim_market m using (market_id) order by 1`),
    // Each trade with the raw object of the fetch it is attributed to, not the surrogate fetch_id.
    trades: await query(`select e.code, m.symbol, t.trade_id, t.traded_at, t.price, t.size, t.taker_side,
        f.raw_key
        from orderbook.fact_trade t join orderbook.fact_trade_fetch f on f.fetch_id = t.fetch_id
        join orderbook.dim_market m on m.market_id = t.market_id
        join orderbook.dim_exchange e on e.exchange_id = m.exchange_id order by 1, 2, 3`),
  };
}

/** How many rows each table of `contents` holds: proves a comparison is not of empty sets. */
export async function rowCounts(warehouse: Warehouse): Promise<Record<string, number>> {
  const c = await contents(warehouse);
  return Object.fromEntries(Object.entries(c).map(([name, rows]) => [name, rows.length]));
}
