/**
 * The long-running scheduler (`npm start`): a run on every CRON_SCHEDULE tick, never two at a
 * time — a tick that comes while a run is still going is skipped and logged, and the per-market
 * run locks keep other processes off the markets a run holds. On SIGTERM/SIGINT it takes no more
 * ticks, lets the run in flight finish its loads (abandoning the rest), and returns.
 */
import cron from 'node-cron';
import type { Logger } from '../log.ts';
import type { RunSummary } from './run.ts';

export interface SchedulerDeps {
  schedule: string;
  log: Logger;
  /**
   * One run; the scheduler hands it the signal that asks it to stop. Null: nothing was run,
   * another process holds every market.
   */
  run: (signal: AbortSignal) => Promise<RunSummary | null>;
}

export async function runScheduler(deps: SchedulerDeps, signal: AbortSignal): Promise<void> {
  const { log } = deps;
  // The run in flight, if any (an object, so TypeScript sees the callbacks change it).
  const inFlight: { run: Promise<void> | null } = { run: null };

  const tick = () => {
    if (signal.aborted) return;
    if (inFlight.run) {
      log.warn({ schedule: deps.schedule }, 'tick skipped: the previous run is still going');
      return;
    }
    inFlight.run = deps
      .run(signal)
      .then((summary) => {
        if (!summary) log.warn('tick skipped: another process holds the run lock of every market');
      })
      .catch((error: unknown) => {
        // A run that could not start (database down…) must not stop the scheduler.
        log.error({ err: error }, 'run could not start');
      })
      .finally(() => {
        inFlight.run = null;
      });
  };

  const task = cron.schedule(deps.schedule, tick, { timezone: 'UTC', name: 'orderbook-etl' });
  log.info({ schedule: deps.schedule, next: task.getNextRun()?.toISOString() }, 'scheduler started');

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else {
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    }
  });
  await task.destroy();
  log.info({ runInFlight: inFlight.run !== null }, 'scheduler stopping');
  if (inFlight.run) await inFlight.run;
  log.info('scheduler stopped');
}
