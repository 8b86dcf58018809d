/**
 * The docs hold together: every relative link of README.md and docs/**\/*.md names a file that
 * exists, and a `#anchor` a heading of it (as GitHub makes heading ids); every page of docs/ is
 * reachable from the README; the README stays short enough to read at once.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/warehouse/sqlfiles.ts';

/**
 * Pages that other branches of issue 18 add, linked already. While one is missing, links to it
 * are allowed; once it exists it must leave this list (and its links are checked like any other).
 */
const ARRIVING: string[] = [];

const PAGES = [
  'README.md',
  ...readdirSync(path.join(PROJECT_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f))
    .sort(),
];

function read(page: string): string {
  return readFileSync(path.join(PROJECT_ROOT, page), 'utf8');
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Inline links and images: `[text](target)`, `![alt](target "title")`. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/** GitHub's heading id: lower case, punctuation and symbols dropped, spaces to hyphens; repeats get -1, -2… */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const text = (heading ?? '')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`/g, '')
      .replace(/<[^>]+>/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

interface Broken {
  page: string;
  link: string;
  why: string;
}

function broken(page: string): Broken[] {
  const out: Broken[] = [];
  for (const link of links(read(page))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: — not ours to check
    const [file = '', anchor] = link.split('#', 2);
    const target = file === '' ? page : path.normalize(path.join(path.dirname(page), decodeURI(file)));
    if (!existsSync(path.join(PROJECT_ROOT, target))) {
      if (!ARRIVING.includes(target)) out.push({ page, link, why: `${target} does not exist` });
      continue;
    }
    if (anchor === undefined) continue;
    if (!target.endsWith('.md') || statSync(path.join(PROJECT_ROOT, target)).isDirectory()) {
      out.push({ page, link, why: `an anchor into ${target}, which is not a Markdown page` });
    } else if (!anchors(read(target)).has(anchor)) {
      out.push({ page, link, why: `${target} has no heading #${anchor}` });
    }
  }
  return out;
}

describe('links in the docs', () => {
  it('are found (the README alone links every page of docs/)', () => {
    expect(PAGES.length).toBeGreaterThanOrEqual(7);
    expect(links(read('README.md')).length).toBeGreaterThan(10);
  });

  it.each(PAGES)('%s: every relative link resolves, anchors included', (page) => {
    expect(broken(page)).toEqual([]);
  });

  it('every page of docs/ is linked from the README', () => {
    const linked = new Set(links(read('README.md')).map((l) => path.normalize(l.split('#')[0] ?? '')));
    expect(PAGES.filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
  });

  it('ARRIVING names only pages that do not exist yet', () => {
    expect(ARRIVING.filter((page) => existsSync(path.join(PROJECT_ROOT, page)))).toEqual([]);
  });
});

describe('README.md', () => {
  it('stays short: at most 260 lines (the rest belongs in docs/)', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(260);
  });
});

describe('heading ids', () => {
  it('are made as GitHub makes them', () => {
    const ids = anchors(
      [
        '# Operators’ guide',
        '## 6. Metric definitions',
        '### Is the ETL healthy? (`v_etl_health`)',
        '### How large can an order be before slippage passes 5, 10, 25 … bps? (`v_max_size`)',
        '## Install',
        '## Install',
        '```sh',
        '# not a heading',
        '```',
      ].join('\n'),
    );
    expect([...ids]).toEqual([
      'operators-guide',
      '6-metric-definitions',
      'is-the-etl-healthy-v_etl_health',
      'how-large-can-an-order-be-before-slippage-passes-5-10-25--bps-v_max_size',
      'install',
      'install-1',
    ]);
  });
});
