/**
 * Errors in log lines go through pino's error serializer (log.ts): type, message, stack and code,
 * secrets masked. A line that logs `err` as a bare string loses the type and the stack an operator
 * needs, so every `err:` field in src/ passes the error itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from './helpers/log.ts';

const SRC = path.join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|js)$/.test(name) ? [full] : [];
  });
}

/** `err: String(e)`, `err: e.message`, `err: message(e)`, `err: reason(e)`: text, not the error. */
const FLATTENED =
  /\berr:\s*(?:String\(|[\w.]+\.message\b|\(\s*\w+\s+as\s+Error\s*\)\.message|message\(|reason\()/;

describe('log lines carry errors, not their text', () => {
  it('no `err:` field in src/ is a string made from the error', () => {
    const found = sources(SRC).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          FLATTENED.test(line) ? [`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(found).toEqual([]);
  });

  it('the pattern finds each way of flattening an error', () => {
    for (const line of [
      "log.error({ err: String(error) }, 'x')",
      'err: error.message,',
      'err: (error as Error).message }',
      "{ err: message(error) }, 'x'",
      '{ err: reason(error) }',
    ])
      expect(FLATTENED.test(line), line).toBe(true);
    for (const line of ['{ err: error }', 'err: cause,', 'err: outcome.error },', '{ rawKey, reason }'])
      expect(FLATTENED.test(line), line).toBe(false);
  });

  it('a logged error has its type, message, stack and code, with a password masked', () => {
    const { log, lines } = capturingLogger();
    const error = Object.assign(new TypeError('connect to postgres://etl:hunter2@db:5432/x failed'), {
      code: 'ECONNREFUSED',
    });
    log.warn({ err: error }, 'warehouse not reachable');
    const [line] = lines();
    expect(line?.err).toMatchObject({
      type: 'TypeError',
      message: 'connect to postgres://etl:***@db:5432/x failed',
      code: 'ECONNREFUSED',
    });
    expect(String((line?.err as { stack?: unknown }).stack)).toMatch(/^TypeError: .*\n\s+at /);
    expect(JSON.stringify(line)).not.toContain('hunter2');
  });
});
