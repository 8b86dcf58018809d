import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');

/** A recorded payload exactly as stored (see test/fixtures/SOURCES.md). */
export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}
