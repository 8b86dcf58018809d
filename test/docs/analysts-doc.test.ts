/**
 * docs/analysts.md shows real output under every query (npm run docs:analysts writes it): each
 * ```sql block is followed by its ```text output, in psql's aligned format, and the page says how
 * the output was made. The queries themselves run in sql-examples.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ANALYSTS_DOC,
  GENERATED_END,
  GENERATED_START,
  psqlTable,
  SQL_WITH_OUTPUT,
  withOutputs,
} from '../../src/tools/analysts-doc.ts';

const page = readFileSync(ANALYSTS_DOC, 'utf8');

describe('docs/analysts.md', () => {
  it('has the output of every query right after it', () => {
    const queries = [...page.matchAll(/^```sql[ \t]*\n/gm)].length;
    const withOutput = [...page.matchAll(SQL_WITH_OUTPUT)].filter((m) => m[0].includes('\n```text\n'));
    expect(queries).toBeGreaterThan(12);
    expect(withOutput).toHaveLength(queries);
    for (const m of withOutput) {
      const output = m[0].slice(m[0].indexOf('```text\n') + 8);
      // A header, psql's rule of dashes and pluses, and at least one row.
      expect(output.split('\n')[1]).toMatch(/^-+(\+-+)*$/);
      expect(output.split('\n').length).toBeGreaterThan(3);
    }
  });

  it('says how the output was made', () => {
    const start = page.indexOf(GENERATED_START);
    const end = page.indexOf(GENERATED_END);
    expect(start).toBeGreaterThan(-1);
    expect(page.slice(start, end)).toMatch(
      /npm run docs:analysts` ran the ETL \d+ times[\s\S]*against the bundled simulator/,
    );
  });
});

describe('the output', () => {
  it('is laid out as psql prints it: headers centred, numbers to the right, NULL empty', () => {
    const table = psqlTable({
      fields: [
        { name: 'a', dataTypeID: 25 },
        { name: 'num_column', dataTypeID: 1700 },
        { name: 'i', dataTypeID: 23 },
        { name: 'flag', dataTypeID: 16 },
        { name: 'ts', dataTypeID: 1184 },
        { name: 'last_col', dataTypeID: 25 },
      ],
      rows: [
        ['ab', '12.5', '3', 't', '2026-01-01 00:00:01.5+00', 'x'],
        ['longer text', '-1', '12345', 'f', null, 'abcdefghijkl'],
      ],
    });
    // What psql 15 printed for the same values (trailing blanks aside).
    expect(table).toBe(
      [
        '      a      | num_column |   i   | flag |            ts            |   last_col',
        '-------------+------------+-------+------+--------------------------+--------------',
        ' ab          |       12.5 |     3 | t    | 2026-01-01 00:00:01.5+00 | x',
        ' longer text |         -1 | 12345 | f    |                          | abcdefghijkl',
      ].join('\n'),
    );
  });

  it('replaces each query’s output block, or adds one, and touches nothing else', () => {
    const before = [
      '# T',
      GENERATED_START,
      'old words',
      GENERATED_END,
      '',
      '```sql',
      'select 1;',
      '```',
      '',
      '```text',
      'stale',
      '```',
      '',
      'Prose.',
      '',
      '```sql',
      'select 2;',
      '```',
      '',
      'More prose.',
      '',
    ].join('\n');
    const after = withOutputs(before, ['ONE', 'TWO'], 'new words');
    expect(after).toBe(
      [
        '# T',
        GENERATED_START,
        '',
        'new words',
        '',
        GENERATED_END,
        '',
        '```sql',
        'select 1;',
        '```',
        '',
        '```text',
        'ONE',
        '```',
        '',
        'Prose.',
        '',
        '```sql',
        'select 2;',
        '```',
        '',
        '```text',
        'TWO',
        '```',
        '',
        'More prose.',
        '',
      ].join('\n'),
    );
    expect(withOutputs(after, ['ONE', 'TWO'], 'new words')).toBe(after);
  });
});
