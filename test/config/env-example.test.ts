/**
 * .env.example is generated from config.ts (`npm run env:example`): it must be exactly what the
 * settings render today, name every setting once, and, uncommented whole, configure exactly the
 * defaults (so a copy of it changes nothing until a line is edited).
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from '../../src/config.ts';
import { ENV_EXAMPLE, renderEnvExample } from '../../src/env-example.ts';

const text = readFileSync(ENV_EXAMPLE, 'utf8');
const assignments = [...text.matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => m[1] ?? '');

describe('.env.example', () => {
  it('is current: what `npm run env:example` writes from config.ts', () => {
    expect(text).toBe(renderEnvExample());
  });

  it('names every setting once, with its meaning, what it accepts and its default', () => {
    const settings = describeSettings();
    expect(assignments.sort()).toEqual(Object.keys(settings).sort());
    expect(Object.keys(settings)).toContain('METRICS_FILE');
    for (const [name, s] of Object.entries(settings)) {
      expect(s.meaning, name).toMatch(/\w{3}/);
      expect(text).toContain(`# ${name}: ${s.meaning}.\n`);
      expect(text).toContain(`default: ${s.fallback === '' ? 'unset' : s.fallback}\n# ${name}=`);
    }
  });

  it('uncommented whole, gives exactly the defaults', () => {
    const uncommented = text.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, '$1');
    const env = parseEnv(uncommented);
    expect(Object.keys(env).sort()).toEqual(assignments.sort());
    expect(env.CRON_SCHEDULE).toBe('0 * * * *');
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
