/**
 * fact_level's daily partitions (migration 0008): made before a load needs them, dropped a whole
 * day at a time once older than LEVEL_RETENTION_DAYS. Derived facts, snapshots and the raw lake
 * are kept whatever happens here.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { Database } from './schema.ts';

/**
 * The partition of the UTC day `at` falls in, made if missing (race-safe in the database: one
 * creator per day, the others find it made). One round trip when it exists.
 */
export async function ensureLevelPartition(db: Kysely<Database>, at: string | Date): Promise<void> {
  const instant = at instanceof Date ? at.toISOString() : at;
  await sql`select orderbook.ensure_level_partition((${instant}::timestamptz at time zone 'UTC')::date)`.execute(
    db,
  );
}

// How long making partitions ahead (a run's first step) and dropping expired ones wait for a
// session holding fact_level: past it, the step is left for later (each load makes its own
// day's partition in any case) and a warning says why.
const SET_AHEAD_LOCK_TIMEOUT = `set local lock_timeout = '2s'`;
const SET_DROP_LOCK_TIMEOUT = `set local lock_timeout = '5s'`;

/**
 * Today's and tomorrow's partitions (the database's clock, UTC): a run makes them ahead of need.
 * Gives up (throws) rather than wait long behind a session that locked fact_level.
 */
export async function ensureLevelPartitionsAhead(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql.raw(SET_AHEAD_LOCK_TIMEOUT).execute(tx);
    await sql`select orderbook.ensure_level_partition((now() at time zone 'UTC')::date + d)
              from generate_series(0, 1) as d`.execute(tx);
  });
}

/**
 * Drops every partition wholly older than `retentionDays` (null keeps everything): a day's
 * partition, row or compact (compact.ts), once its end is that far back, the pre-partitioning one (fact_level_legacy) once the
 * newest snapshot it holds is (an empty one stays: it costs nothing). Returns the partitions dropped; one that cannot be dropped now (locked by
 * a long reader) is logged and left for the next call.
 */
export async function dropExpiredLevels(
  db: Kysely<Database>,
  retentionDays: number | null,
  log?: Logger,
): Promise<string[]> {
  if (retentionDays === null) return [];
  const { rows } = await sql<{ name: string }>`
    with cutoff as (select now() - make_interval(days => ${retentionDays}::integer) as at)
    select c.relname as name
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    cross join cutoff
    where i.inhparent in ('orderbook.fact_level'::regclass, 'orderbook.fact_level_compact'::regclass)
      and case
        when c.relname = 'fact_level_legacy' then coalesce(
          (select max(s.received_at) < cutoff.at from orderbook.fact_snapshot s
           where s.snapshot_id < 197001010000000000), false)
        when c.relname ~ '^fact_level_(compact_)?[0-9]{8}$' then
          (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp at time zone 'UTC' <= cutoff.at
        else false
      end
    order by c.relname`.execute(db);
  const dropped: string[] = [];
  for (const { name } of rows) {
    try {
      await db.transaction().execute(async (tx) => {
        await sql.raw(SET_DROP_LOCK_TIMEOUT).execute(tx);
        await sql`drop table if exists ${sql.table(`orderbook.${name}`)}`.execute(tx);
      });
      dropped.push(name);
    } catch (error) {
      log?.warn(
        { partition: `orderbook.${name}`, err: error },
        'expired level partition not dropped now: it is dropped by a later run',
      );
    }
  }
  if (dropped.length > 0)
    log?.info({ partitions: dropped, retentionDays }, 'level partitions past retention dropped');
  return dropped;
}
