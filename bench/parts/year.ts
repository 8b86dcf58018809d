/**
 * Part 6: a warehouse after a year of hourly runs, and every analyst query of the docs timed on it.
 *
 * Built honestly but quickly, in a database of its own at the default settings (levels within
 * LEVELS_WITHIN_BPS of mid, LEVEL_RETENTION_DAYS of level detail):
 *   1. a few real runs (runOnce against the simulator, every market): real loads, real derive,
 *      real splits and forecasts — the templates;
 *   2. the year before them, one run an hour: each hour's snapshots are a template run's, moved
 *      back in time, with the derived rows derive gave for those very books (top, depth, fills,
 *      cost curve, size limits, splits), copied in SQL. The forecasts and their scores are then
 *      derived for the whole year by the real derive (they depend on the neighbours, not on one
 *      book alone);
 *   3. level detail for the retention window: the template books' levels copied into each
 *      hour's snapshot of the window for the first (Coinbase-size) market, and for the last day
 *      for every market. Twenty full-depth markets for 30 days would be some 400 M rows; one
 *      market's window is what a market-year costs, and is measured whole;
 *   4. trades: every hour's fetch (the simulator's 1,000 newest, as a real market that trades
 *      more than 1,000 times an hour gives) for the retention window of every market.
 * Then VACUUM ANALYZE (what autovacuum does on its own) and each ```sql block of README.md and docs/
 * (the analysts' queries) is run as orderbook_reader, a warm-up and then `reps` times.
 *
 * Then retention and compaction as a run applies them (the real code): the window's days past
 * LEVEL_COMPACT_AFTER_DAYS become compact. Sizes per Coinbase-size market-year are measured, not
 * assumed: each table's bytes per row on disk (heap, indexes, TOAST; a compact row's per level)
 * times the rows one such market adds in a year (a year of hourly snapshots, the window's levels
 * as the defaults left them, a year of trades).
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { loadConfig, type Config } from '../../src/config.ts';
import { runOnce } from '../../src/jobs/run.ts';
import type { Logger } from '../../src/log.ts';
import { compactLevels } from '../../src/warehouse/compact.ts';
import { deriveTrailing } from '../../src/warehouse/derive.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { dropExpiredLevels } from '../../src/warehouse/partitions.ts';
import type { Database } from '../../src/warehouse/schema.ts';
import { sqlFile } from '../../src/warehouse/sqlfiles.ts';
import { sqlExamples } from '../../test/helpers/docs-sql.ts';
import { postgresWarehouse, unthrottledClients, type BenchEnv } from '../setup.ts';
import { MB, round, sampled, timed, type Sampled } from '../stats.ts';

export interface YearPlan {
  days: number;
  templateRuns: number;
  /** Days of level detail for the first market (the retention window at the defaults). */
  levelDays: number;
  reps: number;
}

export interface YearQuery {
  where: string;
  /** The query's first line, to tell them apart in the table. */
  head: string;
  rows: number;
  ms: Sampled;
}

export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
  bytesPerRow: number;
  /** Rows one Coinbase-size market adds in a year at the defaults. */
  rowsPerMarketYear: number;
  mbPerMarketYear: number;
}

export interface YearResult {
  markets: number;
  days: number;
  templateRuns: number;
  levelDays: number;
  snapshots: number;
  levelRows: number;
  /** Levels one Coinbase-size snapshot stores at the defaults. */
  levelsPerCoinbaseSnapshot: number;
  /** Bytes a stored level of the first market's window costs, rows and compact days together. */
  bytesPerLevel: number;
  buildSeconds: number;
  databaseMb: number;
  tables: TableSize[];
  perMarketYearMb: { total: number; levels: number; derived: number; snapshots: number; trades: number };
  queries: YearQuery[];
}

const DERIVED_PER_SNAPSHOT = [
  'fact_top',
  'fact_depth',
  'fact_fill',
  'fact_cost_curve',
  'fact_size_limit',
  'fact_reach',
] as const;
/** The derived tables whose rows are copied from the template runs' (forecasts are derived). */
const COPIED = [...DERIVED_PER_SNAPSHOT, 'fact_split'] as const;
const DERIVED = [...COPIED, 'fact_forecast', 'fact_forecast_error'];
const TRADE_HOUR = sqlFile('sql/derive/trade_hour.sql');

/** The bench's settings less its LEVELS_WITHIN_BPS=all: the year is kept at the defaults. */
export function defaultsConfig(env: BenchEnv): Config {
  return loadConfig({
    DATA_DIR: env.rawDir,
    RAW_STORE_URL: `file://${env.rawDir}`,
    COINBASE_API_URL: env.sim.url,
    BINANCE_API_URL: env.sim.url,
    MARKETS: env.config.markets.map((m) => `${m.venue}:${m.symbol}`).join(','),
    CONCURRENCY: String(env.config.concurrency),
    HTTP_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'silent',
  });
}

async function columns(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select column_name as name from information_schema.columns
    where table_schema = 'orderbook' and table_name = ${table} order by ordinal_position`.execute(db);
  return rows.map((r) => r.name);
}

/** `expr` for the columns named in `replace`, the column itself for every other one. */
function selectList(cols: string[], replace: Record<string, string>, alias: string): string {
  return cols.map((c) => replace[c] ?? `${alias}.${c}`).join(', ');
}

export async function buildYear(
  db: Kysely<Database>,
  config: Config,
  env: BenchEnv,
  log: Logger,
  plan: YearPlan,
): Promise<void> {
  // 1. Templates: real runs.
  for (let i = 0; i < plan.templateRuns; i++) {
    const summary = await runOnce({
      config,
      log,
      store: env.store,
      clients: unthrottledClients(config, log),
      db,
      loader: new Loader(db, config),
    });
    if (summary.marketsOk !== config.markets.length) throw new Error(`year: template run ${i + 1} failed`);
  }
  const hours = plan.days * 24;
  // 2. Every earlier hour k (1 … hours before the first template run) replays template run
  // (k - 1) mod T under a run id of its own.
  await sql`create table bench_template as
    select s.snapshot_id, s.market_id, s.run_id,
           dense_rank() over (order by r.started_at) - 1 as t
    from orderbook.fact_snapshot s join orderbook.etl_run r using (run_id)`.execute(db);
  // Run ids as a run makes them (src/util/ids.ts): UUIDv7, the start's milliseconds first, so a
  // year's runs sort by time and each run's fact_split keys go in at the index's right edge, as
  // they do in production (random ids would scatter them and split pages half empty).
  await sql`create table bench_hour as
    select k, (lpad(to_hex((extract(epoch from started_at) * 1000)::bigint), 12, '0')
               || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid as run_id,
           t, started_at
    from (
      select k, md5('bench-year-' || k) as h, (k - 1) % ${plan.templateRuns} as t,
             (select min(started_at) from orderbook.etl_run) - make_interval(hours => k) as started_at
      from generate_series(1, ${hours}) as k
    ) g`.execute(db);
  await sql`insert into orderbook.etl_run (run_id, started_at, finished_at, status, markets_ok, markets_failed, kind)
    select h.run_id, h.started_at, h.started_at + (r.finished_at - r.started_at), 'ok', r.markets_ok, 0, 'scheduled'
    from bench_hour h
    join (select distinct on (t) b.t, e.* from bench_template b join orderbook.etl_run e using (run_id)) r using (t)`.execute(
    db,
  );
  // Partitions for every day the level detail reaches (the loads make them on demand; the copy
  // below does not go through a load).
  await sql`select orderbook.ensure_level_partition(d::date)
    from generate_series((select min(started_at) from bench_hour where k <= ${plan.levelDays * 24}) at time zone 'UTC',
                         now() at time zone 'UTC', interval '1 day') as d`.execute(db);
  const snapshotCols = (await columns(db, 'fact_snapshot')).filter((c) => c !== 'snapshot_id');
  await sql`insert into orderbook.fact_snapshot (${sql.raw(snapshotCols.join(', '))})
    select ${sql.raw(
      selectList(
        snapshotCols,
        {
          run_id: 'h.run_id',
          requested_at: 's.requested_at - make_interval(hours => h.k)',
          received_at: 's.received_at - make_interval(hours => h.k)',
          exchange_time: 's.exchange_time - make_interval(hours => h.k)',
          raw_key: `'bench/year/' || h.k || '/' || s.snapshot_id`,
        },
        's',
      ),
    )}
    from bench_hour h join bench_template b using (t) join orderbook.fact_snapshot s using (snapshot_id)
    order by h.k desc, s.snapshot_id`.execute(db);
  await sql`create table bench_map as
    select s.snapshot_id as id, split_part(s.raw_key, '/', 4)::bigint as template,
           split_part(s.raw_key, '/', 3)::integer as k, s.run_id
    from orderbook.fact_snapshot s where s.raw_key like 'bench/year/%'`.execute(db);
  await sql`create index on bench_map (template, k)`.execute(db);
  // The derived rows go in as a year of runs would write them: oldest hour first, each hour's
  // as its template run wrote them (the rows' physical order), and the template runs' own rows
  // last, as the newest. (Copied in front of the templates' rows instead, every row of the year
  // would land inside the indexes, not at their right edge, and split their pages half empty.)
  for (const table of COPIED) {
    await sql`create table ${sql.table(`bench_keep_${table}`)} as
      select * from ${sql.table(`orderbook.${table}`)} order by ctid`.execute(db);
    await sql`truncate ${sql.table(`orderbook.${table}`)}`.execute(db);
  }
  for (const table of DERIVED_PER_SNAPSHOT) {
    const cols = (await columns(db, table)).filter((c) => c !== 'snapshot_id');
    await sql`insert into ${sql.table(`orderbook.${table}`)} (snapshot_id, ${sql.raw(cols.join(', '))})
      select m.id, ${sql.raw(selectList(cols, {}, 'd'))}
      from bench_map m join ${sql.table(`bench_keep_${table}`)} d on d.snapshot_id = m.template
      order by m.k desc, d.ctid`.execute(db);
  }
  const splitCols = await columns(db, 'fact_split');
  await sql`insert into orderbook.fact_split (${sql.raw(splitCols.join(', '))})
    select ${sql.raw(
      selectList(
        splitCols,
        {
          run_id: 'h.run_id',
          snapshot_id: 'm.id',
          single_snapshot_id: 'ms.id',
          captured_at: 'f.captured_at - make_interval(hours => h.k)',
        },
        'f',
      ),
    )}
    from bench_keep_fact_split f
    join bench_template b on b.run_id = f.run_id and b.snapshot_id = f.snapshot_id
    join bench_hour h on h.t = b.t
    join bench_map m on m.template = f.snapshot_id and m.k = h.k
    left join bench_map ms on ms.template = f.single_snapshot_id and ms.k = h.k
    order by h.k desc, f.ctid`.execute(db);
  for (const table of COPIED) {
    await sql`insert into ${sql.table(`orderbook.${table}`)}
      select * from ${sql.table(`bench_keep_${table}`)} order by ctid`.execute(db);
    await sql`drop table ${sql.table(`bench_keep_${table}`)}`.execute(db);
  }
  // Forecasts need each market's neighbours: the real derive, over the whole year and the
  // template runs after it (their windows now reach back into the year), a month of snapshots
  // at a time, oldest first.
  await sql`truncate orderbook.fact_forecast, orderbook.fact_forecast_error, orderbook.fact_spread_rolling`.execute(
    db,
  );
  const { rows: ids } = await sql<{ id: string }>`
    select snapshot_id as id from orderbook.fact_snapshot order by snapshot_id`.execute(db);
  const batch = 24 * 30 * config.markets.length;
  for (let i = 0; i < ids.length; i += batch) {
    await deriveTrailing(
      db,
      ids.slice(i, i + batch).map((r) => r.id),
      config.forecastWindow,
    );
  }
  // 3. Level detail: the first market over the retention window, every market over the last day.
  const first = config.markets[0];
  if (!first) throw new Error('year: no markets');
  await sql`insert into orderbook.fact_level (snapshot_id, side, level_no, price, size, order_count)
    select m.id, l.side, l.level_no, l.price, l.size, l.order_count
    from bench_map m
    join orderbook.fact_snapshot s on s.snapshot_id = m.template
    join orderbook.dim_market dm on dm.market_id = s.market_id
    join orderbook.dim_exchange e on e.exchange_id = dm.exchange_id
    join orderbook.fact_level l on l.snapshot_id = m.template
    where m.k <= 24 or (m.k <= ${plan.levelDays * 24} and e.code = ${first.venue} and dm.symbol = ${first.symbol})
    order by m.id, l.side, l.level_no`.execute(db);
  // 4. Trades: each hour of the retention window fetched its market's newest 1,000, all new.
  await sql`insert into orderbook.fact_trade_fetch (${sql.raw(
    (await columns(db, 'fact_trade_fetch')).filter((c) => c !== 'fetch_id').join(', '),
  )})
    select ${sql.raw(
      selectList(
        (await columns(db, 'fact_trade_fetch')).filter((c) => c !== 'fetch_id'),
        {
          run_id: 'h.run_id',
          raw_key: `'bench/year/' || h.k || '/' || f.raw_key`,
          requested_at: 'f.requested_at - make_interval(hours => h.k)',
          received_at: 'f.received_at - make_interval(hours => h.k)',
          first_trade_id: 'f.first_trade_id - h.k * 1000000',
          last_trade_id: 'f.last_trade_id - h.k * 1000000',
        },
        'f',
      ),
    )}
    from orderbook.fact_trade_fetch f
    join (select distinct run_id, t from bench_template) b using (run_id)
    join bench_hour h using (t)
    where h.k <= ${plan.levelDays * 24}`.execute(db);
  await sql`insert into orderbook.fact_trade (market_id, trade_id, traded_at, price, size, taker_side, fetch_id)
    select t.market_id, t.trade_id - h.k * 1000000, t.traded_at - make_interval(hours => h.k), t.price, t.size,
           t.taker_side, nf.fetch_id
    from orderbook.fact_trade t
    join orderbook.fact_trade_fetch f on f.fetch_id = t.fetch_id
    join (select distinct run_id, t from bench_template) b on b.run_id = f.run_id
    join bench_hour h on h.t = b.t
    join orderbook.fact_trade_fetch nf on nf.raw_key = 'bench/year/' || h.k || '/' || f.raw_key
    where h.k <= ${plan.levelDays * 24}
    on conflict do nothing`.execute(db);
  // Their hourly sums, by the statement every trades load runs, over all of each market's hours.
  const { rows: tradeMarkets } = await sql<{ market_id: number }>`
    select distinct market_id from orderbook.fact_trade`.execute(db);
  for (const { market_id } of tradeMarkets)
    await db.executeQuery(CompiledQuery.raw(TRADE_HOUR, [market_id, '-infinity', 'infinity']));
  await sql`drop table bench_template, bench_hour, bench_map`.execute(db);
  // 5. What the defaults leave of the level detail: a run's retention, then its compaction (the
  // real code), so the days past LEVEL_COMPACT_AFTER_DAYS are compact and the newest are rows.
  await dropExpiredLevels(db, config.levelRetentionDays, log);
  await compactLevels(db, config.levelCompactAfterDays, log);
  await sql`vacuum analyze`.execute(db);
}

// What a "row" of a table is for its bytes a row: a compact row holds a snapshot side's levels,
// so its bytes are counted a level.
const ROWS_OF: Record<string, string> = { fact_level_compact: 'coalesce(sum(cardinality(price)), 0)' };

async function tableSizes(db: Kysely<Database>, perMarketYear: Record<string, number>): Promise<TableSize[]> {
  const sizes: TableSize[] = [];
  for (const [table, rowsPerMarketYear] of Object.entries(perMarketYear)) {
    // A partitioned table's bytes are its partitions' (pg_partition_tree is empty for a plain table).
    const { rows } = await sql<{ rows: string; bytes: string }>`
      select (select ${sql.raw(ROWS_OF[table] ?? 'count(*)')} from ${sql.table(`orderbook.${table}`)})::text as rows,
             coalesce((select sum(pg_total_relation_size(p.relid))
                       from pg_partition_tree(${`orderbook.${table}`}::regclass) p),
                      pg_total_relation_size(${`orderbook.${table}`}::regclass))::text as bytes`.execute(db);
    const count = Number(rows[0]?.rows ?? 0);
    const bytes = Number(rows[0]?.bytes ?? 0);
    const bytesPerRow = count > 0 ? bytes / count : 0;
    sizes.push({
      table,
      rows: count,
      bytes,
      bytesPerRow: round(bytesPerRow, 1),
      rowsPerMarketYear,
      mbPerMarketYear: round((bytesPerRow * rowsPerMarketYear) / MB, 1),
    });
  }
  return sizes;
}

export async function benchYear(env: BenchEnv, adminUrl: string, plan: YearPlan): Promise<YearResult> {
  const config = defaultsConfig(env);
  const log = env.log;
  const warehouse = await postgresWarehouse(adminUrl, config, log, config.concurrency + 2);
  try {
    const db = warehouse.db;
    const built = await timed(() => buildYear(db, config, env, log, plan));
    const count = async (table: string) =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*)::text as n from ${sql.table(`orderbook.${table}`)}`.execute(db)
        ).rows[0]?.n ?? 0,
      );
    const snapshots = await count('fact_snapshot');
    const markets = config.markets.length;
    const first = config.markets[0];
    const { rows: firstRows } = await sql<{ levels: number }>`
      select s.stored_levels as levels from orderbook.fact_snapshot s
      join orderbook.dim_market m using (market_id) join orderbook.dim_exchange e using (exchange_id)
      where e.code = ${first?.venue ?? ''} and m.symbol = ${first?.symbol ?? ''}
      order by s.received_at desc limit 1`.execute(db);
    const levelsPerCoinbaseSnapshot = firstRows[0]?.levels ?? 0;
    const hoursPerYear = 365 * 24;
    const perSnapshot = async (table: string) => (await count(table)) / snapshots;
    // The first market's level detail as the defaults left it (its retention window, the days
    // past LEVEL_COMPACT_AFTER_DAYS compact, the newest as rows): what one market keeps at any
    // time, whatever the length of the year.
    const { rows: held } = await sql<{ rows: string; compact: string }>`
      with firstm as (
        select s.snapshot_id from orderbook.fact_snapshot s
        join orderbook.dim_market m using (market_id) join orderbook.dim_exchange e using (exchange_id)
        where e.code = ${first?.venue ?? ''} and m.symbol = ${first?.symbol ?? ''})
      select (select count(*) from orderbook.fact_level l join firstm using (snapshot_id))::text as rows,
             (select coalesce(sum(cardinality(c.price)), 0) from orderbook.fact_level_compact c
              join firstm using (snapshot_id))::text as compact`.execute(db);
    // Rows one market adds in a year: per snapshot as measured, times a year of hours; levels
    // only for the retention window; trades 1,000 an hour.
    const perMarketYear: Record<string, number> = {
      fact_snapshot: hoursPerYear,
      fact_level: Number(held[0]?.rows ?? 0),
      fact_level_compact: Number(held[0]?.compact ?? 0),
      fact_trade: 1000 * hoursPerYear,
      fact_trade_fetch: hoursPerYear,
      fact_trade_hour: hoursPerYear,
    };
    for (const table of DERIVED) perMarketYear[table] = (await perSnapshot(table)) * hoursPerYear;
    const tables = await tableSizes(db, perMarketYear);
    const mb = (names: string[]) =>
      round(
        tables.filter((t) => names.includes(t.table)).reduce((s, t) => s + t.mbPerMarketYear, 0),
        1,
      );
    const perMarketYearMb = {
      levels: mb(['fact_level', 'fact_level_compact']),
      derived: mb(DERIVED),
      snapshots: mb(['fact_snapshot']),
      trades: mb(['fact_trade', 'fact_trade_fetch', 'fact_trade_hour']),
      total: mb(Object.keys(perMarketYear)),
    };
    const { rows: dbSize } = await sql<{ bytes: string }>`
      select pg_database_size(current_database())::text as bytes`.execute(db);

    const queries: YearQuery[] = [];
    await db.connection().execute(async (conn) => {
      await sql`set role orderbook_reader`.execute(conn);
      for (const example of sqlExamples()) {
        const samples: number[] = [];
        let rows = 0;
        for (let i = 0; i < 1 + plan.reps; i++) {
          const { ms, value } = await timed(() => sql.raw(example.sql).execute(conn));
          rows = value.rows.length;
          if (i > 0) samples.push(ms);
        }
        queries.push({
          where: example.where,
          head: example.sql.trim().split('\n')[0]?.slice(0, 70) ?? '',
          rows,
          ms: sampled(samples),
        });
      }
      await sql`reset role`.execute(conn);
    });
    const levelTables = tables.filter((t) => t.table === 'fact_level' || t.table === 'fact_level_compact');
    const heldLevels = levelTables.reduce((a, t) => a + t.rowsPerMarketYear, 0);
    return {
      markets,
      days: plan.days,
      bytesPerLevel: heldLevels > 0 ? round((perMarketYearMb.levels * MB) / heldLevels, 1) : 0,
      templateRuns: plan.templateRuns,
      levelDays: plan.levelDays,
      snapshots,
      levelRows: await count('fact_level'),
      levelsPerCoinbaseSnapshot,
      buildSeconds: round(built.ms / 1000, 1),
      databaseMb: round(Number(dbSize[0]?.bytes ?? 0) / MB, 0),
      tables,
      perMarketYearMb,
      queries,
    };
  } finally {
    await warehouse.close();
  }
}
