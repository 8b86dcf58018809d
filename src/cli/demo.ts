/**
 * `npm run demo` as a command: the demo job (jobs/demo.ts), and its outcome as an exit code:
 * 0 every market loaded, 2 some failed, 1 it could not start or broke off.
 */
import { demo, type DemoOptions } from '../jobs/demo.ts';
import { StartupError } from '../jobs/pipeline.ts';

/** What a demo that could not start says: its folder is the demo's own, so that is the suspect. */
function startupMessage(error: StartupError): string {
  if (error.reason === 'raw_store') return 'demo: raw store unusable';
  if (error.reason === 'migration' || error.reason === 'read_only') return 'demo failed';
  return 'demo: embedded warehouse could not be opened (is another demo running on this folder?)';
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { log } = options;
  try {
    const summary = await demo(options);
    if (!summary) {
      log.warn('another run holds the run lock of every market: not starting');
      return 0;
    }
    return summary.exitCode;
  } catch (error) {
    if (error instanceof StartupError) {
      log.fatal({ ...error.fields, err: error.cause }, startupMessage(error));
    } else {
      log.fatal({ err: error }, 'demo failed');
    }
    return 1;
  }
}
