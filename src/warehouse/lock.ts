/**
 * Run locks are per market (DESIGN §8): runs with disjoint MARKETS load side by side on one
 * warehouse, and a market is never loaded by two runs at once. On PostgreSQL each market is a
 * session-level advisory lock held on one dedicated connection for the whole run, so a run whose
 * process dies loses its locks with its session. Markets are claimed together under a short
 * transaction lock, so two runs started at the same moment over the same MARKETS never split
 * them: the first takes every free market, the second finds them taken.
 *
 * Each run also holds a lock of its own run id: that is how a later run tells a run still going
 * in another process from one whose process died (closeDeadRuns).
 *
 * Embedded PGlite is one process by construction (db.ts locks its folder), so there in-process
 * sets do the same job.
 */
import { sql } from 'kysely';
import { marketLabel, type Market } from '../markets.ts';
import type { Warehouse } from './db.ts';

/** Advisory lock key spaces (the first of the two int4 keys): only processes of this ETL use them. */
const CLAIM_SPACE = 0x0be7_1741;
const MARKET_SPACE = 0x0be7_1742;
const RUN_SPACE = 0x0be7_1743;

export interface MarketClaim {
  /** The markets this run holds, in the order asked. */
  markets: Market[];
  /** The markets another run holds: this run skips them. */
  taken: Market[];
  /** Marks the run alive for as long as the claim is held; call before recording it as running. */
  holdRun: (runId: string) => Promise<void>;
  /** Of these runs recorded as running, the ones no live process holds: their process died. */
  deadRuns: (runIds: string[]) => Promise<string[]>;
}

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

interface EmbeddedLocks {
  markets: Set<string>;
  runs: Set<string>;
}
const embedded = new WeakMap<Warehouse, EmbeddedLocks>();

/**
 * Claims every free market of `markets`, runs `fn` with the claim, and releases it. When every
 * market is taken `fn` is not called and the result says so.
 */
export async function withMarketLocks<T>(
  warehouse: Warehouse,
  markets: readonly Market[],
  fn: (claim: MarketClaim) => Promise<T>,
): Promise<Locked<T>> {
  if (warehouse.kind === 'pglite') return withEmbeddedLocks(warehouse, markets, fn);
  return warehouse.db.connection().execute(async (connection) => {
    const labels = markets.map(marketLabel);
    // The claim's own lock is a transaction lock: it serializes claiming, then goes with the commit,
    // while the market locks taken inside (session-level) stay.
    let got: Set<string>;
    await sql`begin`.execute(connection);
    try {
      await sql`select pg_advisory_xact_lock(${CLAIM_SPACE}, 0)`.execute(connection);
      const { rows } = await sql<{ label: string; got: boolean }>`
        select t.label, pg_try_advisory_lock(${MARKET_SPACE}, hashtext(t.label)) as got
        from unnest(${labels}::text[]) with ordinality as t(label, n)
        order by t.n`.execute(connection);
      await sql`commit`.execute(connection);
      got = new Set(rows.filter((r) => r.got).map((r) => r.label));
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      await sql`select pg_advisory_unlock_all()`.execute(connection).catch(() => undefined);
      throw error;
    }
    try {
      const claim: MarketClaim = {
        markets: markets.filter((m) => got.has(marketLabel(m))),
        taken: markets.filter((m) => !got.has(marketLabel(m))),
        holdRun: async (runId) => {
          await sql`select pg_advisory_lock(${RUN_SPACE}, hashtext(${runId}))`.execute(connection);
        },
        deadRuns: async (runIds) => {
          if (runIds.length === 0) return [];
          // pg_locks shows every session's advisory locks to every role: two-key locks carry the
          // first key as classid, the second as objid, and objsubid 2.
          const { rows } = await sql<{ run_id: string }>`
            select r.run_id from unnest(${runIds}::text[]) as r(run_id)
            where not exists (
              select 1 from pg_locks l
              where l.locktype = 'advisory' and l.objsubid = 2 and l.granted
                and l.classid = (${RUN_SPACE}::int4)::oid and l.objid = hashtext(r.run_id)::oid
                and l.database = (select oid from pg_database where datname = current_database())
            )`.execute(connection);
          return rows.map((r) => r.run_id);
        },
      };
      if (claim.markets.length === 0) return { acquired: false } as const;
      return { acquired: true, value: await fn(claim) } as const;
    } finally {
      // The connection is this claim's alone: every lock on it is one of ours.
      await sql`select pg_advisory_unlock_all()`.execute(connection);
    }
  });
}

async function withEmbeddedLocks<T>(
  warehouse: Warehouse,
  markets: readonly Market[],
  fn: (claim: MarketClaim) => Promise<T>,
): Promise<Locked<T>> {
  let locks = embedded.get(warehouse);
  if (!locks) {
    locks = { markets: new Set(), runs: new Set() };
    embedded.set(warehouse, locks);
  }
  const { markets: held, runs } = locks;
  const mine = markets.filter((m) => !held.has(marketLabel(m)));
  if (mine.length === 0) return { acquired: false };
  for (const m of mine) held.add(marketLabel(m));
  const myRuns: string[] = [];
  try {
    return {
      acquired: true,
      value: await fn({
        markets: mine,
        taken: markets.filter((m) => !mine.includes(m)),
        holdRun: (runId) => {
          runs.add(runId);
          myRuns.push(runId);
          return Promise.resolve();
        },
        deadRuns: (runIds) => Promise.resolve(runIds.filter((id) => !runs.has(id))),
      }),
    };
  } finally {
    for (const m of mine) held.delete(marketLabel(m));
    for (const id of myRuns) runs.delete(id);
  }
}
