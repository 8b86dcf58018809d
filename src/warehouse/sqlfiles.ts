/**
 * Where the project's SQL lives at run time: migrations/ and sql/ sit beside src/ (and dist/),
 * two levels above this module in either layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `{name, sql}` for every `.sql` file in a project folder, in name order. */
export function sqlFiles(folder: string): { name: string; sql: string }[] {
  const dir = path.join(PROJECT_ROOT, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name: name.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, name), 'utf8') }));
}

export function sqlFile(relative: string): string {
  return readFileSync(path.join(PROJECT_ROOT, relative), 'utf8');
}
