/**
 * DuckDB as the lake's Parquet writer (docs/lake.md says why this library). Parsed rows are
 * staged as text in an in-memory DuckDB: a book side is one row holding its prices, sizes and
 * order counts joined by commas (one call per side instead of nine per level), and DuckDB splits,
 * casts to the exact DECIMAL types and writes each file sorted, compressed and with statistics.
 * Every value was checked to fit its column before staging (export.ts), so no cast here rounds.
 *
 * The native module is loaded only when an export starts: no other command pays for it.
 */
import path from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { isDecimal, LEVELS, TOP, TRADES, type LakeColumn, type LakeTable } from './schema.ts';

export interface EngineOptions {
  /** Where DuckDB may spill and where files are written before they are published. */
  workDir: string;
  threads: number;
  /** DuckDB's own memory cap, e.g. `1GB` (outside Node's heap). */
  memoryLimit: string;
}

/** One staged book: its snapshot facts and top of book as text, and which tables still lack it. */
export interface StagedSnapshot {
  values: Record<string, string | null>;
  levels: boolean;
  top: boolean;
}

export interface StagedSide {
  side: 'bid' | 'ask';
  prices: string;
  sizes: string;
  /** Null when the venue gives no order counts (Binance). */
  counts: string | null;
}

function typeSql(c: LakeColumn): string {
  const t = c.type;
  if (isDecimal(t)) return `DECIMAL(${t.precision},${t.scale})`;
  return { timestamp: 'TIMESTAMPTZ', varchar: 'VARCHAR', integer: 'INTEGER', bigint: 'BIGINT' }[t];
}

/**
 * The staged text as the column's type. DuckDB 1.5 turns text into a DECIMAL wider than 18 digits
 * ~50x slower than into one of 18, so the wide cast is taken only by the rare value over 18
 * digits; both are exact for a value that fits (checked before staging).
 */
function cast(c: LakeColumn, expr: string): string {
  const t = c.type;
  if (t === 'varchar') return expr;
  if (!isDecimal(t) || t.precision <= 18) return `CAST(${expr} AS ${typeSql(c)})`;
  const narrow = `DECIMAL(18,${Math.min(t.scale, 18)})`;
  return `coalesce(CAST(try_cast(${expr} AS ${narrow}) AS ${typeSql(c)}), CAST(${expr} AS ${typeSql(c)}))`;
}

const column = (table: LakeTable, name: string): LakeColumn => {
  const c = table.columns.find((x) => x.name === name);
  if (!c) throw new Error(`lake: ${table.name} has no column ${name}`);
  return c;
};

const SNAPSHOT_COLUMNS = TOP.columns.map((c) => c.name);

type Staging = 'snapshots' | 'sides' | 'trades';
const text = (names: string[]) => names.map((n) => `${n} VARCHAR`).join(', ');
const STAGING: Record<Staging, string> = {
  snapshots: `snap INTEGER, levels BOOLEAN, top BOOLEAN, ${text(SNAPSHOT_COLUMNS)}`,
  sides: 'snap INTEGER, side VARCHAR, prices VARCHAR, sizes VARCHAR, counts VARCHAR',
  trades: `trade_date VARCHAR, ${text(TRADES.columns.map((c) => c.name))}`,
};

const COPY_OPTIONS =
  'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 9, PARQUET_VERSION v2, ROW_GROUP_SIZE 1000000';

const castAs = (c: LakeColumn, expr = c.name): string => cast(c, expr) + ' AS ' + c.name;
const levelCol = (name: string): string => castAs(column(LEVELS, name), 'l.' + name);

/** The staged books [$from, $to] as `levels` rows. A snapshot's columns are cast once a book. */
const LEVELS_STAGED = [
  'SELECT s.captured_at, s.run_id, l.side, CAST(l.level_no AS INTEGER) AS level_no,',
  '  ' + ['price', 'size', 'order_count'].map(levelCol).join(', ') + ', s.raw_key',
  'FROM (',
  '  SELECT snap, side, unnest(range(1, len(p) + 1)) AS level_no, unnest(p) AS price,',
  '    unnest(q) AS size, unnest(c) AS order_count',
  '  FROM (',
  "    SELECT snap, side, string_split(prices, ',') AS p, string_split(sizes, ',') AS q,",
  "      string_split(counts, ',') AS c",
  '    FROM lake_sides WHERE snap BETWEEN $from AND $to',
  '  )',
  ') l JOIN (',
  '  SELECT snap, ' + castAs(column(LEVELS, 'captured_at')) + ', run_id, raw_key',
  '  FROM lake_snapshots WHERE snap BETWEEN $from AND $to',
  ') s USING (snap)',
].join('\n');

const TOP_STAGED =
  'SELECT ' +
  TOP.columns.map((c) => castAs(c)).join(', ') +
  ' FROM lake_snapshots WHERE top AND snap BETWEEN $from AND $to';

const TRADE_NAMES = TRADES.columns.map((c) => c.name).join(', ');
const TRADES_STAGED =
  'SELECT ' +
  TRADES.columns.map((c) => castAs(c)).join(', ') +
  ', false AS kept FROM lake_trades WHERE trade_date = $date';
const MERGED_COUNTS =
  'SELECT count(*) FILTER (WHERE new_no IS NULL), count(*) FILTER (WHERE new_no IS NOT NULL) FROM lake_trades_merged';
const MERGED_NEW = 'SELECT ' + TRADE_NAMES + ' FROM lake_trades_merged WHERE new_no BETWEEN $from AND $to';
const MERGED_WITH_KEPT =
  'SELECT ' + TRADE_NAMES + ' FROM lake_trades_merged WHERE new_no IS NULL OR new_no BETWEEN $from AND $to';
const FILE_KEYS = 'SELECT raw_key, CAST(count(*) AS INTEGER) FROM read_parquet($file) GROUP BY raw_key';

export interface FileSummary {
  rows: number;
  /** raw_key → rows of it in the file. */
  keys: Map<string, number>;
}

export class LakeEngine {
  private readonly instance: DuckDBInstance;
  private readonly db: DuckDBConnection;
  private readonly appenders: Partial<Record<Staging, DuckDBAppender>> = {};
  readonly workDir: string;
  private lastSnap = 0;

  private constructor(instance: DuckDBInstance, db: DuckDBConnection, workDir: string) {
    this.instance = instance;
    this.db = db;
    this.workDir = workDir;
  }

  static async open(options: EngineOptions): Promise<LakeEngine> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads),
      memory_limit: options.memoryLimit,
      temp_directory: path.join(options.workDir, 'spill'),
      // Never reach for the network to install an extension: everything used here is built in.
      autoinstall_known_extensions: 'false',
    });
    const db = await instance.connect();
    await db.run(`SET TimeZone = 'UTC'`);
    const engine = new LakeEngine(instance, db, options.workDir);
    for (const t of Object.keys(STAGING) as Staging[]) await engine.renew(t);
    return engine;
  }

  /**
   * A staging table made anew, keeping only the books after `keepAfter`. Rows an in-memory DuckDB
   * table deletes keep their memory until the table is dropped, so staged rows are let go of by
   * dropping: an export of months of books holds one file's worth at most.
   */
  private async renew(t: Staging, keepAfter?: number): Promise<void> {
    this.appenders[t]?.closeSync();
    const name = 'lake_' + t;
    if (keepAfter !== undefined) {
      await this.db.run(
        'CREATE OR REPLACE TABLE ' + name + '_next AS SELECT * FROM ' + name + ' WHERE snap > $after',
        {
          after: keepAfter,
        },
      );
      await this.db.run('DROP TABLE ' + name);
      await this.db.run('ALTER TABLE ' + name + '_next RENAME TO ' + name);
    } else {
      await this.db.run('CREATE OR REPLACE TABLE ' + name + ' (' + STAGING[t] + ')');
    }
    this.appenders[t] = await this.db.createAppender(name);
  }

  private appender(t: Staging): DuckDBAppender {
    const a = this.appenders[t];
    if (!a) throw new Error(`lake: staging table ${t} has no appender`);
    return a;
  }

  /** Stages a book; returns its staging number (they increase, so a file takes a contiguous run). */
  stageBook(snapshot: StagedSnapshot, sides: StagedSide[]): number {
    const snap = ++this.lastSnap;
    const a = this.appender('snapshots');
    a.appendInteger(snap);
    a.appendBoolean(snapshot.levels);
    a.appendBoolean(snapshot.top);
    for (const name of SNAPSHOT_COLUMNS) appendText(a, snapshot.values[name] ?? null);
    a.endRow();
    if (snapshot.levels) {
      const s = this.appender('sides');
      for (const side of sides) {
        s.appendInteger(snap);
        s.appendVarchar(side.side);
        s.appendVarchar(side.prices);
        s.appendVarchar(side.sizes);
        appendText(s, side.counts);
        s.endRow();
      }
    }
    return snap;
  }

  stageTrade(tradeDate: string, values: Record<string, string>): void {
    const a = this.appender('trades');
    a.appendVarchar(tradeDate);
    for (const c of TRADES.columns) appendText(a, values[c.name] ?? null);
    a.endRow();
  }

  private flush(): void {
    for (const a of Object.values(this.appenders)) a.flushSync();
  }

  /**
   * Writes the levels of staged books [from, to] (with the rows of `merge`, an existing file of
   * the partition, kept) as one sorted Parquet file at `out`.
   */
  async writeLevels(out: string, from: number, to: number, merge: string | null): Promise<void> {
    this.flush();
    await this.copy(LEVELS, LEVELS_STAGED, { from, to }, merge, out);
  }

  /** Writes the top rows of staged books [from, to] (and `merge`'s rows) to `out`. */
  async writeTop(out: string, from: number, to: number, merge: string | null): Promise<void> {
    this.flush();
    await this.copy(TOP, TOP_STAGED, { from, to }, merge, out);
  }

  /** Forgets the staged levels of books up to `to` once their files are written. */
  async dropSides(to: number): Promise<void> {
    this.flush();
    await this.renew('sides', to);
  }

  /** Forgets the staged books up to `to` (a partition is done, or failed). */
  async dropBooks(to: number): Promise<void> {
    this.flush();
    await this.renew('sides', to);
    await this.renew('snapshots', to);
  }

  /** The days the staged trades happened on. */
  async tradeDates(): Promise<string[]> {
    this.flush();
    const r = await this.db.runAndReadAll('SELECT DISTINCT trade_date FROM lake_trades ORDER BY 1');
    return r.getRowsJson().map((row) => row[0] as string);
  }

  /**
   * Stages into `lake_trades_merged` the trades of one day that go into its open file: the open
   * file's own rows (`open`, kept, each with its earliest fetch) and the staged trades no file of
   * the day holds yet (`closed` are its full files, whose rows never move); numbered new rows
   * first by time. Returns how many rows were the open file's and how many are new.
   */
  async mergeTrades(
    date: string,
    open: string | null,
    closed: string[],
  ): Promise<{ kept: number; added: number }> {
    this.flush();
    const params: Record<string, string> = { date };
    const sources = [TRADES_STAGED];
    if (open) {
      params.open = open;
      sources.push('SELECT ' + TRADE_NAMES + ', true AS kept FROM read_parquet($open)');
    }
    // One bound parameter per full file: the files are values, never SQL text.
    const held = closed.map((file, i) => {
      params[`closed${String(i)}`] = file;
      return 'SELECT trade_id FROM read_parquet($closed' + String(i) + ')';
    });
    const notHeld = held.length > 0 ? ' WHERE trade_id NOT IN (' + held.join(' UNION ALL ') + ')' : '';
    // Per trade id the row of the earliest fetch (raw keys sort by time within a market); a trade
    // the open file holds stays in it, whichever fetch it is now attributed to.
    await this.db.run(
      [
        'CREATE OR REPLACE TABLE lake_trades_merged AS',
        'SELECT ' + TRADE_NAMES + ',',
        '  CASE WHEN in_open THEN NULL',
        '    ELSE row_number() OVER (PARTITION BY in_open ORDER BY traded_at, trade_id) END AS new_no',
        'FROM (',
        '  SELECT *, bool_or(kept) OVER (PARTITION BY trade_id) AS in_open,',
        '    row_number() OVER (PARTITION BY trade_id ORDER BY raw_key) AS first_key',
        '  FROM (SELECT * FROM (' + sources.join(' UNION ALL ') + ')' + notHeld + ')',
        ') WHERE first_key = 1',
      ].join('\n'),
      params,
    );
    const r = await this.db.runAndReadAll(MERGED_COUNTS);
    const [kept, added] = (r.getRowsJS()[0] ?? [0, 0]).map((v) => Number(v as bigint));
    return { kept: kept ?? 0, added: added ?? 0 };
  }

  /** Writes merged trades: the kept rows when `withKept`, and new rows numbered [from, to]. */
  async writeMergedTrades(out: string, withKept: boolean, from: number, to: number): Promise<void> {
    await this.copy(TRADES, withKept ? MERGED_WITH_KEPT : MERGED_NEW, { from, to }, null, out);
  }

  async dropTrades(): Promise<void> {
    await this.renew('trades');
    await this.db.run('DROP TABLE IF EXISTS lake_trades_merged');
  }

  /** What a lake file holds: its rows, and the rows per raw object. */
  async summarize(file: string): Promise<FileSummary> {
    const r = await this.db.runAndReadAll(FILE_KEYS, { file });
    const keys = new Map<string, number>();
    let rows = 0;
    for (const [key, n] of r.getRowsJson() as [string, number][]) {
      keys.set(key, n);
      rows += n;
    }
    return { rows, keys };
  }

  /** COPY (`staged` rows, and `merge`'s) sorted as the table is, to `out`; values bound. */
  private async copy(
    table: LakeTable,
    staged: string,
    params: Record<string, string | number>,
    merge: string | null,
    out: string,
  ): Promise<void> {
    const names = table.columns.map((c) => c.name).join(', ');
    const rows = merge
      ? 'SELECT ' + names + ' FROM read_parquet($merge) UNION ALL SELECT ' + names + ' FROM (' + staged + ')'
      : staged;
    const copy =
      'COPY (SELECT ' +
      names +
      ' FROM (' +
      rows +
      ') ORDER BY ' +
      table.sortedBy.join(', ') +
      ') TO $out (' +
      COPY_OPTIONS +
      ')';
    await this.db.run(copy, { ...params, ...(merge ? { merge } : {}), out });
  }

  close(): void {
    for (const a of Object.values(this.appenders)) {
      try {
        a.closeSync();
      } catch {
        // Closing flushes; after a failed export there may be nothing valid left to flush.
      }
    }
    this.db.closeSync();
    this.instance.closeSync();
  }
}

function appendText(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}
