/**
 * Where a job that could not start becomes an exit code (DESIGN §3): 1, or 0 when the embedded
 * warehouse is held by another run (a run that finds the lock taken exits 0). Logged here, once.
 */
import { openPipeline, StartupError, type Pipeline } from '../jobs/pipeline.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Stop } from '../stop-signal.ts';

/**
 * The exit code of a StartupError, logged with what it names; anything else is rethrown. A stop
 * (SIGTERM/SIGINT) before the start exits with the stop's own code (`stopped`: 143 / 130).
 */
export function startupExitCode(error: unknown, log: Logger, stop?: Stop): number {
  if (!(error instanceof StartupError)) throw error;
  const fields = { ...error.fields, err: error.cause };
  if (error.reason === 'warehouse_busy') {
    log.warn(fields, error.message);
    return 0;
  }
  if (error.reason === 'stopped' && stop) {
    log.warn(fields, error.message);
    return stop.exitCode();
  }
  log.fatal(fields, error.message);
  return 1;
}

/** The pipeline, or the exit code (already logged) when it could not be opened. */
export async function pipelineOrExit(config: Config, log: Logger, stop?: Stop): Promise<Pipeline | number> {
  try {
    return await openPipeline(config, log, stop ? { signal: stop.signal } : {});
  } catch (error) {
    return startupExitCode(error, log, stop);
  }
}
