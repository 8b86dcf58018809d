/**
 * The lake's Parquet tables, written once: each column with the type every engine gives it, the
 * Hive partitions, the sort order inside a file and how many rows make a file. The export writes
 * exactly these columns and `lake ddl` declares exactly these, so the two cannot drift apart.
 */

export interface DecimalType {
  precision: number;
  scale: number;
}

/**
 * 8 decimals is the finest either venue quotes (Binance prints every price and quantity with 8;
 * Coinbase's smallest quote and base increments are 0.00000001), and 10 integer digits hold every
 * price seen, the deepest being a 1,000,000,000 ask in a recorded Coinbase ETH-USDT book. 18
 * digits keep the column an INT64 in Parquet: about a third of the bytes of a wider decimal and
 * ~50x faster for DuckDB to build.
 */
export const PRICE: DecimalType = { precision: 18, scale: 8 };
/**
 * Sizes of low-priced assets run past 10^10 units (Binance's own quantities go to
 * 92,233,720,368.54775807), so sizes get the widest decimal every engine reads.
 */
export const SIZE: DecimalType = { precision: 38, scale: 8 };
/** (best bid + best ask) / 2 of two PRICE values: one decimal more, never more integer digits. */
export const MID: DecimalType = { precision: 19, scale: 9 };
/** spread_bps as fact_top keeps it: rounded to 18 decimals, and below 20,000 for any sound book. */
export const BPS: DecimalType = { precision: 24, scale: 18 };

export type ColumnType = 'timestamp' | 'varchar' | 'integer' | 'bigint' | DecimalType;

export interface LakeColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
  comment: string;
}

export type LakeTableName = 'levels' | 'top' | 'trades';

export interface LakeTable {
  name: LakeTableName;
  comment: string;
  /** Stored in the files, in this order. */
  columns: LakeColumn[];
  /** Order of the rows inside a file (and so of its row groups). */
  sortedBy: string[];
  /** A file is full at this many rows; the next rows of its partition start another. */
  fileRows: number;
}

/** Hive partitions of every table, in path order: `exchange=…/market=…/date=YYYY-MM-DD/`. */
export const PARTITIONS = ['exchange', 'market', 'date'] as const;
export type PartitionName = (typeof PARTITIONS)[number];

const col = (name: string, type: ColumnType, comment: string, nullable = false): LakeColumn => ({
  name,
  type,
  nullable,
  comment,
});

const RUN = col('run_id', 'varchar', 'The run that fetched the response (etl_run.run_id, a UUID).');

export const LEVELS: LakeTable = {
  name: 'levels',
  comment:
    'Every price level of every book response, as the warehouse parses it (all levels: LEVELS_WITHIN_BPS cuts only the warehouse). One row per snapshot, side and level.',
  columns: [
    col('captured_at', 'timestamp', 'When the book arrived (fact_snapshot.received_at), UTC.'),
    RUN,
    col('side', 'varchar', 'bid or ask.'),
    col('level_no', 'integer', 'Position from the best price, 1 the best (fact_level.level_no).'),
    col('price', PRICE, 'Price of the level, quote per base, exactly as the venue sent it.'),
    col('size', SIZE, 'Size resting at the level, base units, exactly as the venue sent it.'),
    col('order_count', 'integer', 'Orders at the level (Coinbase); null where the venue does not say.', true),
    col('raw_key', 'varchar', 'The raw object the book came from (fact_snapshot.raw_key).'),
  ],
  sortedBy: ['captured_at', 'raw_key', 'side', 'level_no'],
  fileRows: 10_000_000,
};

export const TOP: LakeTable = {
  name: 'top',
  comment:
    'Top of book per snapshot, exactly as fact_top defines it, with the snapshot facts. One row per snapshot.',
  columns: [
    col('captured_at', 'timestamp', 'When the book arrived (fact_snapshot.received_at), UTC.'),
    col('requested_at', 'timestamp', 'When the request was sent, UTC.'),
    RUN,
    col('exchange_time', 'timestamp', 'Coinbase `time` cut to microseconds; null for Binance.', true),
    col('exchange_sequence', 'bigint', 'Coinbase `sequence` / Binance `lastUpdateId`.'),
    col('bid_levels', 'integer', 'Bid levels in the response.'),
    col('ask_levels', 'integer', 'Ask levels in the response.'),
    col('best_bid', PRICE, 'Highest bid price.'),
    col('best_bid_size', SIZE, 'Size at the best bid.'),
    col('best_ask', PRICE, 'Lowest ask price.'),
    col('best_ask_size', SIZE, 'Size at the best ask.'),
    col('mid_price', MID, '(best_bid + best_ask) / 2, as fact_top.mid_price.'),
    col('spread', PRICE, 'best_ask - best_bid.'),
    col('spread_bps', BPS, 'spread / mid * 10000, rounded to 18 decimals as fact_top.spread_bps.'),
    col('raw_key', 'varchar', 'The raw object the book came from (fact_snapshot.raw_key).'),
  ],
  sortedBy: ['captured_at', 'raw_key'],
  fileRows: 2_000_000,
};

export const TRADES: LakeTable = {
  name: 'trades',
  comment:
    'Every public trade fetched, each once however many fetches carried it (as v_trade), partitioned by the day it traded. One row per trade.',
  columns: [
    col('trade_id', 'bigint', "The venue's trade id, counting up per market."),
    col('traded_at', 'timestamp', "The venue's execution time, UTC (microseconds at most)."),
    col('price', PRICE, 'Trade price, quote per base.'),
    col('size', SIZE, 'Trade size, base units.'),
    col('taker_side', 'varchar', 'Side of the order that took liquidity: buy or sell.'),
    col('run_id', 'varchar', 'The run of the earliest fetch that carried the trade.'),
    col('fetched_at', 'timestamp', 'When that fetch arrived, UTC.'),
    col('raw_key', 'varchar', 'The raw object of that fetch (fact_trade_fetch.raw_key).'),
  ],
  sortedBy: ['traded_at', 'trade_id'],
  fileRows: 5_000_000,
};

export const LAKE_TABLES: readonly LakeTable[] = [LEVELS, TOP, TRADES];

export function isDecimal(type: ColumnType): type is DecimalType {
  return typeof type === 'object';
}

/** `part-00000.parquet`, `part-00001.parquet`, …: a partition's files in the order they were started. */
export function partFile(n: number): string {
  return `part-${String(n).padStart(5, '0')}.parquet`;
}

const PART_FILE = /^part-(\d{5})\.parquet$/;

export function partNumber(name: string): number | null {
  const m = PART_FILE.exec(name);
  return m ? Number(m[1]) : null;
}
