/**
 * The typed reader of v_freshness: how current each market's data is. `npm run health` judges
 * its rows, and a run's metrics take each market's last success from it, so both say what the
 * warehouse says (a failed run cannot make a market look fresh, nor reset when it last loaded).
 * It reads the view only, so a read-only orderbook_reader login can use it.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type RunOutcome = 'loaded' | 'trades_failed' | 'failed';

export interface Freshness {
  exchange: string;
  market: string;
  /** When the newest loaded snapshot arrived, in Unix seconds; null when none ever loaded. */
  lastCapturedAt: number | null;
  /** Its age by the database's clock, seconds; null when none ever loaded. */
  ageSeconds: number | null;
  lastRunOutcome: RunOutcome | null;
  lastRunStatus: string | null;
  consecutiveFailedRuns: number;
  /** When the first of those failures happened, Unix seconds. */
  failingSince: number | null;
  lastError: string | null;
  lastErrorKind: string | null;
  lastErrorStage: string | null;
  lastErrorAt: number | null;
}

/** One row per market the warehouse has loaded or failed, keyed `exchange:market`. */
export async function readFreshness(db: Kysely<Database>): Promise<Map<string, Freshness>> {
  const { rows } = await sql<Freshness>`
    select exchange, market,
           extract(epoch from last_captured_at)::float8 as "lastCapturedAt",
           age_seconds::float8 as "ageSeconds",
           last_run_outcome as "lastRunOutcome",
           last_run_status as "lastRunStatus",
           consecutive_failed_runs::int as "consecutiveFailedRuns",
           extract(epoch from failing_since)::float8 as "failingSince",
           last_error as "lastError",
           last_error_kind as "lastErrorKind",
           last_error_stage as "lastErrorStage",
           extract(epoch from last_error_at)::float8 as "lastErrorAt"
    from orderbook.v_freshness`.execute(db);
  return new Map(rows.map((r) => [`${r.exchange}:${r.market}`, r]));
}
