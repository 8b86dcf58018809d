/**
 * One snapshot into the warehouse, in one transaction: dimensions, fact_snapshot, its levels
 * (set-based, one statement), then the derived rows. Keyed on the raw object, so loading the
 * same object twice changes nothing. Trades responses load the same way (load-trades.ts).
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { levelsWithin } from '../book/cut.ts';
import type { Level, OrderBook } from '../book/index.ts';
import type { Venue } from '../markets.ts';
import { deriveSnapshots, type DeriveSettings } from './derive.ts';
import { insertTrades, type TradesLoadResult, type TradesToLoad } from './load-trades.ts';
import type { Database } from './schema.ts';

export interface LoadSettings extends DeriveSettings {
  levelsWithinBps: number | null;
  usdStablecoins: string[];
}

export interface SnapshotToLoad {
  book: OrderBook;
  base: string;
  quote: string;
  rawKey: string;
  runId: string;
  requestedAt: string;
  receivedAt: string;
}

export interface LoadResult {
  snapshotId: string;
  /** False when the raw object was already in the warehouse (nothing was written). */
  inserted: boolean;
  storedLevels: number;
}

const EXCHANGE_ID: Record<Venue, number> = { coinbase: 1, binance: 2 };

// Arrays of one statement, so 44,000 levels cost one round trip and one plan.
const INSERT_LEVELS = `
insert into orderbook.fact_level (snapshot_id, side, level_no, price, size, order_count)
select $1::bigint, l.side, l.level_no, l.price, l.size, l.order_count
from unnest($2::text[], $3::integer[], $4::numeric[], $5::numeric[], $6::integer[])
  as l (side, level_no, price, size, order_count)`;

export class Loader {
  private readonly db: Kysely<Database>;
  private readonly settings: LoadSettings;

  constructor(db: Kysely<Database>, settings: LoadSettings) {
    this.db = db;
    this.settings = settings;
  }

  isUsd(asset: string): boolean {
    return asset === 'USD' || this.settings.usdStablecoins.includes(asset);
  }

  /**
   * `derive: false` leaves fact_top/depth/fill to the caller, who derives many snapshots in one
   * set-based pass (backfill); a run derives each snapshot in its own load transaction.
   */
  async load(snapshot: SnapshotToLoad, { derive = true }: { derive?: boolean } = {}): Promise<LoadResult> {
    const { book } = snapshot;
    const bids = levelsWithin(book, 'bids', this.settings.levelsWithinBps);
    const asks = levelsWithin(book, 'asks', this.settings.levelsWithinBps);
    return this.db.transaction().execute(async (tx) => {
      const marketId = await upsertMarket(
        tx,
        {
          venue: book.venue,
          symbol: book.symbol,
          base: snapshot.base,
          quote: snapshot.quote,
          receivedAt: snapshot.receivedAt,
        },
        (asset) => this.isUsd(asset),
      );
      const inserted = await tx
        .insertInto('orderbook.fact_snapshot')
        .values({
          market_id: marketId,
          run_id: snapshot.runId,
          requested_at: snapshot.requestedAt,
          received_at: snapshot.receivedAt,
          exchange_time: book.exchangeTime,
          exchange_sequence: book.sequence.toString(),
          bid_levels: book.bids.length,
          ask_levels: book.asks.length,
          stored_levels: bids + asks,
          raw_key: snapshot.rawKey,
        })
        .onConflict((oc) => oc.column('raw_key').doNothing())
        .returning('snapshot_id')
        .executeTakeFirst();
      if (!inserted) {
        const existing = await tx
          .selectFrom('orderbook.fact_snapshot')
          .select(['snapshot_id', 'stored_levels'])
          .where('raw_key', '=', snapshot.rawKey)
          .executeTakeFirstOrThrow();
        return { snapshotId: existing.snapshot_id, inserted: false, storedLevels: existing.stored_levels };
      }
      await tx.executeQuery(
        CompiledQuery.raw(INSERT_LEVELS, [inserted.snapshot_id, ...levelArrays(book, bids, asks)]),
      );
      if (derive) await deriveSnapshots(tx, [inserted.snapshot_id], this.settings);
      return { snapshotId: inserted.snapshot_id, inserted: true, storedLevels: bids + asks };
    });
  }

  /** One trades response, in one transaction; loading the same raw object twice changes nothing. */
  async loadTrades(load: TradesToLoad): Promise<TradesLoadResult> {
    return this.db.transaction().execute(async (tx) => {
      const marketId = await upsertMarket(
        tx,
        {
          venue: load.batch.venue,
          symbol: load.batch.symbol,
          base: load.base,
          quote: load.quote,
          receivedAt: load.receivedAt,
        },
        (asset) => this.isUsd(asset),
      );
      return insertTrades(tx, marketId, load);
    });
  }
}

export interface MarketSeen {
  venue: Venue;
  symbol: string;
  base: string;
  quote: string;
  /** When a response about the market arrived: widens first_seen/last_seen. */
  receivedAt: string;
}

/**
 * The market's dimension rows, created or updated, and its id. Order-independent (first_seen
 * and last_seen only widen), so loads in any order, and backfills, agree.
 */
export async function upsertMarket(
  tx: Kysely<Database>,
  seen: MarketSeen,
  isUsd: (asset: string) => boolean,
): Promise<number> {
  const assets = await tx
    .insertInto('orderbook.dim_asset')
    .values([...new Set([seen.base, seen.quote])].map((code) => ({ code, is_usd: isUsd(code) })))
    .onConflict((oc) => oc.column('code').doUpdateSet({ is_usd: (eb) => eb.ref('excluded.is_usd') }))
    .returning(['asset_id', 'code'])
    .execute();
  const assetId = (code: string) => {
    const row = assets.find((a) => a.code === code);
    if (!row) throw new Error(`dim_asset upsert returned no id for ${code}`);
    return row.asset_id;
  };
  const market = await tx
    .insertInto('orderbook.dim_market')
    .values({
      exchange_id: EXCHANGE_ID[seen.venue],
      symbol: seen.symbol,
      base_asset_id: assetId(seen.base),
      quote_asset_id: assetId(seen.quote),
      first_seen: seen.receivedAt,
      last_seen: seen.receivedAt,
    })
    .onConflict((oc) =>
      oc.columns(['exchange_id', 'symbol']).doUpdateSet({
        base_asset_id: (eb) => eb.ref('excluded.base_asset_id'),
        quote_asset_id: (eb) => eb.ref('excluded.quote_asset_id'),
        first_seen: sql`least(orderbook.dim_market.first_seen, excluded.first_seen)`,
        last_seen: sql`greatest(orderbook.dim_market.last_seen, excluded.last_seen)`,
      }),
    )
    .returning('market_id')
    .executeTakeFirstOrThrow();
  return market.market_id;
}

/** Column arrays for INSERT_LEVELS: the first `bids` bids then the first `asks` asks. */
function levelArrays(book: OrderBook, bids: number, asks: number): unknown[] {
  const n = bids + asks;
  const side: string[] = new Array<string>(n);
  const levelNo: number[] = new Array<number>(n);
  const price: string[] = new Array<string>(n);
  const size: string[] = new Array<string>(n);
  const orders: (number | null)[] = new Array<number | null>(n);
  const put = (i: number, s: string, no: number, level: Level) => {
    side[i] = s;
    levelNo[i] = no;
    price[i] = level.price;
    size[i] = level.size;
    orders[i] = level.orderCount;
  };
  for (let i = 0; i < bids; i++) put(i, 'bid', i + 1, book.bids[i] as Level);
  for (let i = 0; i < asks; i++) put(bids + i, 'ask', i + 1, book.asks[i] as Level);
  return [side, levelNo, price, size, orders];
}
