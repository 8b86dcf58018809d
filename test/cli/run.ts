/** Runs the CLI to its end in a process of its own (as cron or a shell would) and gives back what it said. */
import { startCli } from '../helpers/child.ts';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Record<string, unknown>[];
}

/** Fails (after killing it) if the CLI is still running after `limitMs`: a command that should stop at once but runs on. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  limitMs = 30_000,
): Promise<Finished> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.process.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.process.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, limitMs);
  });
  const outcome = await Promise.race([child.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    child.process.kill('SIGKILL');
    await child.exited;
    throw new Error(
      `orderbook-etl ${args.join(' ')} still running after ${limitMs} ms; said: ${stderr.slice(-2000)}`,
    );
  }
  return { code: outcome.code, stdout, stderr, lines: child.lines() };
}
