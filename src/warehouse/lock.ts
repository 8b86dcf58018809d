/**
 * One run at a time across every process that shares the warehouse: a PostgreSQL session-level
 * advisory lock, held on one dedicated connection for the whole run, so two servers, or cron
 * beside the scheduler, never run together. If the holder dies its session ends and the lock
 * with it. Embedded PGlite is one process by construction (db.ts locks its folder), so there an
 * in-process flag is enough.
 */
import { sql } from 'kysely';
import type { Warehouse } from './db.ts';

/** Any fixed number: only processes of this ETL take it. */
const RUN_LOCK = 0x0b_e7_1_7_4;

const embeddedHolders = new WeakSet<Warehouse>();

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withRunLock<T>(warehouse: Warehouse, fn: () => Promise<T>): Promise<Locked<T>> {
  if (warehouse.kind === 'pglite') {
    if (embeddedHolders.has(warehouse)) return { acquired: false };
    embeddedHolders.add(warehouse);
    try {
      return { acquired: true, value: await fn() };
    } finally {
      embeddedHolders.delete(warehouse);
    }
  }
  return warehouse.db.connection().execute(async (connection) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_lock(${RUN_LOCK}) as locked`.execute(connection);
    if (!rows[0]?.locked) return { acquired: false } as const;
    try {
      return { acquired: true, value: await fn() } as const;
    } finally {
      await sql`select pg_advisory_unlock(${RUN_LOCK})`.execute(connection);
    }
  });
}
