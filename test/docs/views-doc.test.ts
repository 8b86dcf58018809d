/**
 * docs/views.md is generated from the database's comments on the views (npm run docs:views):
 * regenerated here from a freshly migrated warehouse, it must be the file in the repository.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIEWS_DOC, viewsMarkdown } from '../../src/tools/views-doc.ts';
import { sqlFiles } from '../../src/warehouse/sqlfiles.ts';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

describe('docs/views.md', () => {
  it('is what npm run docs:views writes from the current views and comments', async () => {
    const committed = readFileSync(VIEWS_DOC, 'utf8');
    // toBe on the whole text: the diff vitest prints shows the lines that are out of date.
    expect(committed, 'docs/views.md is out of date: run npm run docs:views').toBe(
      await viewsMarkdown(warehouse.db),
    );
  });

  it('has a section for every view of sql/views/', () => {
    const text = readFileSync(VIEWS_DOC, 'utf8');
    const views = sqlFiles('sql/views').map((f) => f.name.replace(/^\d+_/, ''));
    expect(views.length).toBeGreaterThan(20);
    expect(views.filter((v) => !text.includes(`\n## ${v}\n`))).toEqual([]);
  });
});
