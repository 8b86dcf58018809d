/**
 * docs/operators.md's exit-code lists are the ones each command's --help prints (commands.ts):
 * every command is listed, with every code its help names, and says what a signal does to it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';

const doc = readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'operators.md'), 'utf8');

function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const rest = doc.slice(start + heading.length + 2);
  const next = rest.search(/\n#{2,3} /);
  return next === -1 ? rest : rest.slice(0, next);
}

/** The codes a command's help lists: "exit codes: 0 …", continuation lines "   1 …", "0 …, 1 …". */
function helpCodes(notes: readonly string[]): string[] {
  const from = notes.findIndex((n) => n.startsWith('exit codes:'));
  if (from === -1) return [];
  const text = notes.slice(from).join('\n');
  return [...text.matchAll(/(?:exit codes: |, |^ {6,})(\d+(?: \/ \d+)?) /gm)].map((m) => m[1] ?? '');
}

/** One command's bullet list under "Commands and exit codes". */
function bullet(list: string, name: string): string {
  const at = list.indexOf(`\n- \`${name}\``);
  expect(at, `operators.md lists ${name}`).toBeGreaterThan(-1);
  const rest = list.slice(at + 1);
  const next = rest.slice(1).search(/\n- /);
  return next === -1 ? rest : rest.slice(0, next + 1);
}

describe('docs/operators.md exit codes', () => {
  const list = section('## Commands and exit codes');
  const signals = section('### Stopped by a signal');

  it('reads the codes of a help text the way it is written', () => {
    expect(
      helpCodes(['exit codes: 0 a', '            1 b', '              or c', '            143 / 130 d']),
    ).toEqual(['0', '1', '143 / 130']);
    expect(helpCodes(['x', 'exit codes: 0 a, 1 b, 2 (export) c'])).toEqual(['0', '1', '2']);
  });

  it.each(Object.keys(COMMANDS))('%s: every code its --help names is in its list', (name) => {
    const codes = helpCodes(COMMANDS[name]?.notes ?? []);
    expect(codes.length, `${name}'s help lists exit codes`).toBeGreaterThanOrEqual(2);
    const mine = bullet(list, name);
    for (const code of codes) expect(mine, `${name} ${code}`).toContain(`- ${code}:`);
  });

  it.each(Object.keys(COMMANDS))('%s: what a signal does to it is said', (name) => {
    expect(signals).toMatch(new RegExp(`\`${name}\``));
  });
});
