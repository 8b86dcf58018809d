/**
 * The SQL examples of the docs: every ```sql block of README.md and docs/**\/*.md, where it
 * stands. The docs test runs each as an analyst would; the bench times each on a year of data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/warehouse/sqlfiles.ts';

export interface SqlExample {
  /** `file:line` of the block's opening fence. */
  where: string;
  sql: string;
}

function markdownFiles(): string[] {
  const docs = path.join(PROJECT_ROOT, 'docs');
  const inDocs = readdirSync(docs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f));
  return ['README.md', ...inDocs.sort()];
}

export function sqlExamples(): SqlExample[] {
  return markdownFiles().flatMap((file) => {
    const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    return [...text.matchAll(/^```sql[ \t]*\n([\s\S]*?)^```/gm)].map((m) => ({
      where: `${file}:${text.slice(0, m.index).split('\n').length}`,
      sql: m[1] ?? '',
    }));
  });
}
