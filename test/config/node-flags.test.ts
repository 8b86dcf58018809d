/**
 * The figures of docs/performance.md were measured with these Node flags; a command that opens the
 * warehouse without them uses several times the memory (V8's default heap sizing, and embedded
 * PGlite's WebAssembly optimized by TurboFan, which takes ~500 MB for a moment).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const OPENS_WAREHOUSE = ['etl', 'start', 'backfill', 'demo', 'bench', 'report', 'migrate', 'health'];

describe('node flags', () => {
  it.each(OPENS_WAREHOUSE)('npm run %s keeps PGlite on the baseline WebAssembly compiler', (name) => {
    expect(pkg.scripts[name]).toMatch(/^node (--\S+ )*--liftoff-only /);
  });

  it.each(['etl', 'start', 'backfill', 'demo', 'bench'])('npm run %s caps the heap', (name) => {
    expect(pkg.scripts[name]).toMatch(/--max-old-space-size=256 --max-semi-space-size=8 /);
  });

  it('the image does both', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    // tini is PID 1 (docs/monitoring.md) and starts node with the flag.
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "--liftoff-only", "dist\/cli\/entry\.js"\]$/m,
    );
    // The health check opens the embedded warehouse too.
    expect(dockerfile).toMatch(/^ {2}CMD node --liftoff-only dist\/cli\/entry\.js health /m);
    expect(dockerfile).toMatch(/^ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"$/m);
  });
});
