/**
 * .env.example, made from the settings of config.ts so it cannot drift from them: every setting
 * with what it is for, what it accepts and its default. `npm run env:example` writes it;
 * test/config/env-example.test.ts fails when the file is not what this renders.
 */
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeSettings } from './config.ts';

export const ENV_EXAMPLE = path.join(import.meta.dirname, '..', '.env.example');

const HEADER = `# orderbook-etl settings with their defaults. Copy this file to .env in the folder the commands run
# in (the real environment wins over it) and uncomment what you change: as it is, every line is
# the default, so a copy changes nothing. Docker: docker run --env-file .env; compose reads .env.
# Generated from src/config.ts by \`npm run env:example\`; a test fails when it is out of date.
`;

/**
 * The assignment as a line to uncomment: the default itself where it is a value, else empty
 * (unset, or a default made from DATA_DIR, which an uncommented line would freeze).
 */
function assignment(name: string, fallback: string): string {
  const literal = fallback !== '' && !fallback.includes('DATA_DIR');
  return `# ${name}=${literal ? fallback : ''}`;
}

export function renderEnvExample(): string {
  const blocks = Object.entries(describeSettings()).map(([name, s]) =>
    [
      `# ${name}: ${s.meaning}.`,
      `#   allowed: ${s.allowed}; default: ${s.fallback === '' ? 'unset' : s.fallback}`,
      assignment(name, s.fallback),
    ].join('\n'),
  );
  return `${HEADER}\n${blocks.join('\n\n')}\n`;
}

// Run as a script (npm run env:example, through src/cli/checked.js), not when imported by a test.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ENV_EXAMPLE, renderEnvExample());
  process.stdout.write(`wrote ${ENV_EXAMPLE}\n`);
}
