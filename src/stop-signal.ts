/**
 * How a command learns it must stop: SIGTERM, SIGINT, or — when npm started it — its parent
 * process dying. The last one matters under `npm start`: npm runs the script through `sh -c`, and
 * Debian's dash does not exec the command, so SIGTERM to npm's pid kills npm and sh but never
 * reaches node. Node then finds itself re-parented (process.ppid changes) and stops as if it had
 * been sent SIGTERM, so no scheduler is ever left running behind a dead npm. Started any other way
 * (`nohup node … start &`, a shell script that backgrounds it), losing the parent is what the
 * operator asked for, so the parent is not watched.
 */
import { constants } from 'node:os';
import type { Logger } from './log.ts';

/** How often the parent is checked: well inside the 2 s a stop may take. */
const PARENT_POLL_MS = 250;

export interface Stop {
  /** Aborted on the first SIGTERM/SIGINT or when the parent dies; a second signal exits at once. */
  signal: AbortSignal;
  /** 128 + the signal's number (SIGTERM 143, SIGINT 130; a dead parent counts as SIGTERM). */
  exitCode(): number;
  /** Removes the handlers and the parent check (the command is done). */
  dispose(): void;
}

export interface StopOptions {
  /** Stop when the parent process exits: true only under npm (config.ts launchedByNpm). */
  followParent: boolean;
}

export function stopSignal(log: Logger, options: StopOptions): Stop {
  const controller = new AbortController();
  let received: NodeJS.Signals = 'SIGTERM';
  const stop = (name: NodeJS.Signals, why: string) => {
    if (controller.signal.aborted) {
      // Exited by hand rather than by the default action, which PID 1 (a container) never gets.
      if (why === name) {
        log.warn({ signal: name }, 'second signal: exiting now');
        process.exit(128 + constants.signals[name]);
      }
      return;
    }
    received = name;
    log.info({ signal: name }, `stopping (${why}): finishing what is in flight`);
    controller.abort(new Error(`stopped by ${name}`));
    clearInterval(watch);
  };
  const onTerm = () => {
    stop('SIGTERM', 'SIGTERM');
  };
  const onInt = () => {
    stop('SIGINT', 'SIGINT');
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  // A process started by init (systemd, a container's PID 1) has no parent to lose; one not
  // started by npm is not watched at all.
  const parent = process.ppid;
  const watch =
    options.followParent && parent > 1
      ? setInterval(() => {
          if (process.ppid !== parent) stop('SIGTERM', `parent process ${parent} exited`);
        }, PARENT_POLL_MS)
      : undefined;
  watch?.unref();
  return {
    signal: controller.signal,
    exitCode: () => 128 + constants.signals[received],
    dispose: () => {
      clearInterval(watch);
      process.removeListener('SIGTERM', onTerm);
      process.removeListener('SIGINT', onInt);
    },
  };
}
