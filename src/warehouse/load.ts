/**
 * One snapshot into the warehouse: its dimensions first (short statements of their own), then
 * one transaction with fact_snapshot, its levels (by COPY, PostgreSQL's bulk path: no plan and
 * no array literals to parse) and the derived
 * rows. Keyed on the raw object, so loading the same object twice changes nothing. Trades responses load
 * the same way (load-trades.ts).
 */
import { sql, type Kysely } from 'kysely';
import { copyLevels } from './copy.ts';
import { LevelCopyRows } from './level-copy.ts';
import { levelsWithin } from '../book/cut.ts';
import type { OrderBook } from '../book/index.ts';
import type { Venue } from '../markets.ts';
import { venueOf } from '../venues/registry.ts';
import { DEFAULT_FORECAST_WINDOW } from '../config.ts';
import { deriveTrailing, deriveSnapshots, deriveSplits, type DeriveSettings } from './derive.ts';
import { ensureLevelPartition } from './partitions.ts';
import { insertTrades, type TradesLoadResult, type TradesToLoad } from './load-trades.ts';
import type { Database } from './schema.ts';

export interface LoadSettings extends DeriveSettings {
  levelsWithinBps: number | null;
  usdStablecoins: string[];
}

/** What a load takes from a raw object's envelope besides its body: assets, key, run, times. */
export interface LoadSource {
  base: string;
  quote: string;
  rawKey: string;
  runId: string;
  requestedAt: string;
  receivedAt: string;
  /**
   * Why the run's market list says a taker cannot take this market now (MarketInfo
   * .notExecutable); null when it can. Absent when that list is not known (a backfill whose
   * raw store lacks the run's metadata object): only the book's own flags then decide.
   */
  marketNotExecutable?: string | null;
}

/**
 * Why a book is not executable as shown: its own flags (auction_mode) first, then its market's
 * status; null when neither stops a taker.
 */
export function notExecutableReason(
  book: OrderBook,
  marketNotExecutable: string | null | undefined,
): string | null {
  const why = [book.notExecutable, marketNotExecutable ?? null].filter((w): w is string => w !== null);
  return why.length === 0 ? null : why.join('; ');
}

export interface SnapshotToLoad extends LoadSource {
  book: OrderBook;
  /**
   * The request URL the book answered (the raw envelope's url): the venue reads from it the depth
   * it was asked for (fact_snapshot.depth_limit), so a backfill records what the run asked.
   */
  url: string;
}

export interface LoadResult {
  snapshotId: string;
  /** False when the raw object was already in the warehouse (nothing was written). */
  inserted: boolean;
  storedLevels: number;
}

export class Loader {
  private readonly db: Kysely<Database>;
  private readonly settings: LoadSettings;
  /** dim_exchange ids by venue code, looked up once per loader. */
  private readonly exchangeIds = new Map<Venue, Promise<number>>();

  constructor(db: Kysely<Database>, settings: LoadSettings) {
    this.db = db;
    this.settings = settings;
  }

  /** The venue's dim_exchange id, asked of the warehouse once per loader. */
  private exchangeId(venue: Venue): Promise<number> {
    let id = this.exchangeIds.get(venue);
    if (id === undefined) {
      id = exchangeIdOf(this.db, venue);
      // A failed lookup (database down) is asked again next time rather than remembered.
      id.catch(() => this.exchangeIds.delete(venue));
      this.exchangeIds.set(venue, id);
    }
    return id;
  }

  isUsd(asset: string): boolean {
    return asset === 'USD' || this.settings.usdStablecoins.includes(asset);
  }

  /**
   * `derive: false` leaves the derived rows to the caller, who derives many snapshots in one
   * set-based pass (backfill); a run derives each snapshot in its own load transaction: its own
   * metrics, its market's forecasts, and the split of its run × base across the venues loaded.
   * `split: false` leaves that split to the caller: a run derives each base's split once, after
   * all its books are in, instead of once per book (a split walks every book of the base).
   */
  async load(
    snapshot: SnapshotToLoad,
    { derive = true, split = true }: { derive?: boolean; split?: boolean } = {},
  ): Promise<LoadResult> {
    const { book } = snapshot;
    // Everything the transaction needs is taken from the book before the first await, so the
    // tens of thousands of level objects can be collected young instead of living (and being
    // promoted to the old generation) for as long as the database takes.
    const { levels, stored } = this.levelParams(book);
    const bids = stored.bids;
    const asks = stored.asks;
    const reason = notExecutableReason(book, snapshot.marketNotExecutable);
    const row = {
      run_id: snapshot.runId,
      requested_at: snapshot.requestedAt,
      received_at: snapshot.receivedAt,
      exchange_time: book.exchangeTime,
      exchange_sequence: book.sequence.toString(),
      bid_levels: book.bids.length,
      ask_levels: book.asks.length,
      depth_limit: venueOf(book.venue).book.depthLimit(snapshot.url),
      stored_levels: bids + asks,
      raw_key: snapshot.rawKey,
      executable: reason === null,
      not_executable_reason: reason,
    };
    // Dimensions outside the load's transaction: an upsert row-locks its row until commit, and
    // concurrent loads of markets sharing an asset (every USD market) or of one market (backfill)
    // would otherwise queue behind each other's whole load.
    const marketId = await upsertMarket(
      this.db,
      {
        venue: book.venue,
        symbol: book.symbol,
        base: snapshot.base,
        quote: snapshot.quote,
        receivedAt: snapshot.receivedAt,
      },
      (asset) => this.isUsd(asset),
      await this.exchangeId(book.venue),
    );
    // The day's partition of fact_level exists before the load needs it, whatever the day (a
    // backfill loads any date), made in a statement of its own so no load waits on DDL.
    await ensureLevelPartition(this.db, snapshot.receivedAt);
    const loadOnce = () =>
      this.db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('orderbook.fact_snapshot')
          .values({ market_id: marketId, ...row })
          .onConflict((oc) => oc.column('raw_key').doNothing())
          .returning('snapshot_id')
          .executeTakeFirst();
        if (!inserted) {
          const existing = await tx
            .selectFrom('orderbook.fact_snapshot')
            .select(['snapshot_id', 'stored_levels'])
            .where('raw_key', '=', row.raw_key)
            .executeTakeFirstOrThrow();
          return { snapshotId: existing.snapshot_id, inserted: false, storedLevels: existing.stored_levels };
        }
        await tx.executeQuery(copyLevels(levels.withId(inserted.snapshot_id)));
        if (derive) {
          await deriveSnapshots(tx, [inserted.snapshot_id], this.settings);
          await deriveTrailing(
            tx,
            [inserted.snapshot_id],
            this.settings.forecastWindow ?? DEFAULT_FORECAST_WINDOW,
          );
          if (split && this.isUsd(snapshot.quote))
            await deriveSplits(tx, [{ runId: snapshot.runId, base: snapshot.base }]);
        }
        return { snapshotId: inserted.snapshot_id, inserted: true, storedLevels: row.stored_levels };
      });
    try {
      return await loadOnce();
    } catch (error) {
      // Retention elsewhere dropped the day's partition between its check and this load (a
      // backfill of a day past LEVEL_RETENTION_DAYS): made again, the load goes through.
      if (!isMissingPartition(error)) throw error;
      await ensureLevelPartition(this.db, snapshot.receivedAt);
      return loadOnce();
    }
  }

  /**
   * Puts a snapshot's levels back from its raw book, cut by LEVELS_WITHIN_BPS as a load would,
   * inside the caller's transaction: derive-only reads levels past LEVEL_RETENTION_DAYS again
   * this way (the caller removes them before committing). Returns the levels written.
   */
  async restoreLevels(
    tx: Kysely<Database>,
    snapshotId: string,
    receivedAt: string | Date,
    book: OrderBook,
  ): Promise<number> {
    const { levels, stored } = this.levelParams(book);
    await ensureLevelPartition(tx, receivedAt);
    await tx.executeQuery(copyLevels(levels.withId(snapshotId)));
    return stored.bids + stored.asks;
  }

  private levelParams(book: OrderBook): {
    levels: LevelCopyRows;
    stored: { bids: number; asks: number };
  } {
    const bids = levelsWithin(book, 'bids', this.settings.levelsWithinBps);
    const asks = levelsWithin(book, 'asks', this.settings.levelsWithinBps);
    return { levels: LevelCopyRows.of(book.asks, asks, book.bids, bids), stored: { bids, asks } };
  }

  /** One trades response, in one transaction; loading the same raw object twice changes nothing. */
  async loadTrades(load: TradesToLoad): Promise<TradesLoadResult> {
    const exchangeId = await this.exchangeId(load.batch.venue);
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
        exchangeId,
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
  /** dim_exchange's id of seen.venue (exchangeIdOf). */
  exchangeId: number,
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
      exchange_id: exchangeId,
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

/**
 * dim_exchange's id of a venue, by its code. A venue the warehouse has not met yet (one added to
 * the registry after migration 0001 seeded Coinbase and Binance) gets its row, with the next
 * free id and the venue's name: adding a venue needs no migration.
 */
export async function exchangeIdOf(db: Kysely<Database>, venue: Venue): Promise<number> {
  // Two loaders adding different venues at once can pick the same id: one insert wins, the other
  // does nothing and looks again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await db
      .selectFrom('orderbook.dim_exchange')
      .select('exchange_id')
      .where('code', '=', venue)
      .executeTakeFirst();
    if (row) return row.exchange_id;
    await sql`
      insert into orderbook.dim_exchange (exchange_id, code, name)
      select coalesce(max(exchange_id), 0) + 1, ${venue}, ${venueOf(venue).name} from orderbook.dim_exchange
      on conflict do nothing`.execute(db);
  }
  throw new Error(`dim_exchange: no row for venue ${venue} after 5 attempts to add it`);
}

function isMissingPartition(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23514' &&
    /no partition of relation/.test(String((error as { message?: unknown }).message))
  );
}
