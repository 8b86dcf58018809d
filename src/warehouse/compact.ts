/**
 * Compact level days (migration 0015): a day partition of fact_level whose end is more than
 * LEVEL_COMPACT_AFTER_DAYS ago is rewritten as fact_level_compact rows (one per snapshot × side,
 * the levels as arrays in level order) and dropped, one whole day per transaction. Every reader
 * goes through fact_level_all, which shows rows and compact days alike, so nothing an analyst or
 * a derive sees changes; only the bytes do (~92 a level as a row, ~10 compact).
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { Database } from './schema.ts';

// A day that cannot take its lock now (a long reader on fact_level, a backfill writing into
// that old day) is left for the next run rather than holding every other session up.
const SET_COMPACT_LOCK_TIMEOUT = `set local lock_timeout = '5s'`;

export interface CompactedDay {
  partition: string;
  levels: number;
}

/** The row partitions (fact_level_YYYYMMDD) whose day ended `afterDays` or more ago, oldest first. */
export async function levelDaysToCompact(db: Kysely<Database>, afterDays: number): Promise<string[]> {
  const { rows } = await sql<{ day: string }>`
    select to_char(to_date(substr(c.relname, 12), 'YYYYMMDD'), 'YYYY-MM-DD') as day
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'orderbook.fact_level'::regclass
      and c.relname ~ '^fact_level_[0-9]{8}$'
      and (to_date(substr(c.relname, 12), 'YYYYMMDD') + 1)::timestamp at time zone 'UTC'
          <= now() - make_interval(days => ${afterDays}::integer)
    order by c.relname`.execute(db);
  return rows.map((r) => r.day);
}

/**
 * Compacts every row partition past `afterDays` (null: never), each day in a transaction of its
 * own (all of it moves or none). A day that fails (lock not granted in time, level numbers with a
 * gap) is logged and keeps its rows; the next call tries again. Returns the days compacted.
 */
export async function compactLevels(
  db: Kysely<Database>,
  afterDays: number | null,
  log?: Logger,
): Promise<CompactedDay[]> {
  if (afterDays === null) return [];
  const done: CompactedDay[] = [];
  for (const day of await levelDaysToCompact(db, afterDays)) {
    const partition = `fact_level_${day.replaceAll('-', '')}`;
    try {
      const levels = await db.transaction().execute(async (tx) => {
        await sql.raw(SET_COMPACT_LOCK_TIMEOUT).execute(tx);
        const { rows } = await sql<{ moved: string | null }>`
          select orderbook.compact_level_partition(${day}::date)::text as moved`.execute(tx);
        return rows[0]?.moved;
      });
      // Null: another process compacted the day in the meantime.
      if (levels !== null && levels !== undefined) done.push({ partition, levels: Number(levels) });
    } catch (error) {
      log?.warn(
        { partition: `orderbook.${partition}`, err: error },
        'level partition not compacted now: its rows stay and a later run tries again',
      );
    }
  }
  if (done.length > 0) log?.info({ partitions: done, afterDays }, 'level partitions compacted');
  return done;
}
