/**
 * Where a job that could not start becomes an exit code (DESIGN §3): 1, or 0 when the embedded
 * warehouse is held by another run (a run that finds the lock taken exits 0). Logged here, once.
 */
import { openPipeline, StartupError, type Pipeline } from '../jobs/pipeline.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** The exit code of a StartupError, logged with what it names; anything else is rethrown. */
export function startupExitCode(error: unknown, log: Logger): number {
  if (!(error instanceof StartupError)) throw error;
  const fields = { ...error.fields, err: error.cause };
  if (error.reason === 'warehouse_busy') {
    log.warn(fields, error.message);
    return 0;
  }
  log.fatal(fields, error.message);
  return 1;
}

/** The pipeline, or the exit code (already logged) when it could not be opened. */
export async function pipelineOrExit(config: Config, log: Logger): Promise<Pipeline | number> {
  try {
    return await openPipeline(config, log);
  } catch (error) {
    return startupExitCode(error, log);
  }
}
