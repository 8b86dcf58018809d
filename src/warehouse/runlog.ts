/** The ETL's own bookkeeping: one etl_run row per run, one etl_error row per failed market. */
import { sql, type Kysely } from 'kysely';
import type { RawObject } from '../raw/index.ts';
import type { Database, RunKind } from './schema.ts';

export interface RunError {
  runId: string;
  exchange: string;
  market: string;
  stage: 'fetch' | 'store' | 'parse' | 'load' | 'derive';
  /** The raw kind whose stage failed; null for a failure of no one kind (a derive, backfill's own). */
  object: RawObject | null;
  kind: string;
  message: string;
  rawKey: string | null;
}

export async function startRun(
  db: Kysely<Database>,
  runId: string,
  startedAt: Date,
  kind: RunKind = 'one-shot',
): Promise<void> {
  await db
    .insertInto('orderbook.etl_run')
    .values({
      run_id: runId,
      started_at: startedAt,
      status: 'running',
      kind,
      markets_ok: 0,
      markets_failed: 0,
    })
    .execute();
}

export async function recordError(db: Kysely<Database>, error: RunError): Promise<void> {
  await db
    .insertInto('orderbook.etl_error')
    .values({
      run_id: error.runId,
      exchange: error.exchange,
      market: error.market,
      stage: error.stage,
      object: error.object,
      kind: error.kind,
      message: error.message,
      raw_key: error.rawKey,
    })
    .execute();
}

/**
 * A failure a backfill found in the raw store (an error response, a broken body), recorded
 * under the run that fetched it, at the time it arrived, unless a row already names that raw
 * object (the run itself recorded it, or an earlier backfill did): after a rebuild into an empty
 * database, etl_error tells what the runs met, and a second backfill adds nothing.
 */
export async function recordFoundError(
  db: Kysely<Database>,
  error: RunError & { at: string },
): Promise<void> {
  if (error.rawKey === null) return;
  await sql`
    insert into orderbook.etl_error (run_id, exchange, market, stage, object, kind, message, raw_key, at)
    select ${error.runId}::uuid, ${error.exchange}, ${error.market}, ${error.stage}, ${error.object}, ${error.kind},
           ${error.message}, ${error.rawKey}, ${error.at}::timestamptz
    where not exists (select 1 from orderbook.etl_error where raw_key = ${error.rawKey})`.execute(db);
}

export async function finishRun(
  db: Kysely<Database>,
  run: {
    runId: string;
    finishedAt: Date;
    marketsOk: number;
    marketsFailed: number;
    marketsAbandoned: number;
    /** Markets whose trades failed (their books are counted above). */
    tradesFailed: number;
  },
): Promise<void> {
  // A failed trades fetch makes the run partial like a failed book does (exit code 2); 'failed'
  // still means no book at all was loaded.
  const status =
    run.marketsAbandoned > 0
      ? 'interrupted'
      : run.marketsFailed === 0 && run.tradesFailed === 0
        ? 'ok'
        : run.marketsOk === 0
          ? 'failed'
          : 'partial';
  await db
    .updateTable('orderbook.etl_run')
    .set({
      finished_at: run.finishedAt,
      status,
      markets_ok: run.marketsOk,
      markets_failed: run.marketsFailed,
      markets_abandoned: run.marketsAbandoned,
      trades_failed: run.tradesFailed,
    })
    .where('run_id', '=', run.runId)
    .execute();
}

/** A backfill's row: ok, partial (something failed, something done) or failed (nothing done). */
export async function finishBackfill(
  db: Kysely<Database>,
  run: {
    runId: string;
    finishedAt: Date;
    done: number;
    failures: number;
    marketsOk: number;
    marketsFailed: number;
  },
): Promise<void> {
  const status = run.failures === 0 ? 'ok' : run.done > 0 ? 'partial' : 'failed';
  await db
    .updateTable('orderbook.etl_run')
    .set({
      finished_at: run.finishedAt,
      status,
      markets_ok: run.marketsOk,
      markets_failed: run.marketsFailed,
    })
    .where('run_id', '=', run.runId)
    .execute();
}

/**
 * Runs still marked 'running' that no live process holds (see lock.ts: each run holds a lock of
 * its own id) cannot be running: their process died (SIGKILL, OOM, power) before it could finish
 * them. They become 'interrupted', with finished_at left empty because when they died is not
 * known. Runs of other processes still going are left alone, so runs side by side never mark
 * each other.
 */
export async function closeDeadRuns(
  db: Kysely<Database>,
  deadAmong: (runIds: string[]) => Promise<string[]>,
): Promise<string[]> {
  const running = await db
    .selectFrom('orderbook.etl_run')
    .select('run_id')
    .where('status', '=', 'running')
    // Backfills do not take the run lock (they run beside runs), so one may well be alive.
    .where((eb) => eb.or([eb('kind', 'is', null), eb('kind', '!=', 'backfill')]))
    .execute();
  const dead = await deadAmong(running.map((r) => r.run_id));
  if (dead.length === 0) return [];
  const rows = await db
    .updateTable('orderbook.etl_run')
    .set({ status: 'interrupted' })
    .where('status', '=', 'running')
    // Backfills do not take the run lock (they run beside runs), so one may well be alive.
    .where((eb) => eb.or([eb('kind', 'is', null), eb('kind', '!=', 'backfill')]))
    .where('run_id', 'in', dead)
    .returning('run_id')
    .execute();
  return rows.map((r) => r.run_id);
}
