/**
 * An old Node is refused with the version needed, before any TypeScript is loaded (which on
 * Node 20 dies with ERR_UNKNOWN_FILE_EXTENSION ".ts" and no word about versions).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NODE_ENGINES, nodeVersionProblem } from '../../src/cli/node-version.js';
import { COMMANDS } from '../../src/cli/commands.ts';
import { CLI, finish, start } from '../helpers/child.ts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

describe('nodeVersionProblem', () => {
  it.each(['20.20.2', '22.17.1', '23.5.0', '18.0.0', '21.7.3'])('refuses Node %s, naming 22.18', (v) => {
    const problem = nodeVersionProblem(v);
    expect(problem).toContain('needs Node.js 22.18 or newer');
    expect(problem).toContain(`this is Node.js ${v}`);
  });

  it.each(['22.18.0', '22.21.1', '23.6.0', '24.0.0', '24.22.3', '26.1.0'])('accepts Node %s', (v) => {
    expect(nodeVersionProblem(v)).toBeNull();
  });

  it('says what package.json engines says', () => {
    expect(pkg.engines.node).toBe(NODE_ENGINES);
  });

  it('every npm script of a command runs the checking entry, not the TypeScript directly', () => {
    const commands = Object.keys(COMMANDS);
    expect(commands).toEqual(expect.arrayContaining(['etl', 'start', 'backfill', 'lake', 'health']));
    for (const name of commands) {
      expect(pkg.scripts[name], name).toMatch(new RegExp(`^node (--\\S+ )*src/cli/entry\\.js ${name}$`));
    }
  });

  it('every other script that runs TypeScript goes through the checking entry first', () => {
    const ts = Object.entries(pkg.scripts).filter(([, script]) => /\.ts\b/.test(script));
    expect(ts.length).toBeGreaterThanOrEqual(5);
    for (const [name, script] of ts)
      expect(script, name).toMatch(/^node (--\S+ )*src\/cli\/checked\.js \S+\.ts$/);
  });
});

/** The machine's own Node when it is too old (Node 20 here); else this Node made to report an old version. */
function oldNode(): { argv: string[]; version: string } {
  const system = '/usr/bin/node';
  if (existsSync(system)) {
    const version = execFileSync(system, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (nodeVersionProblem(version) !== null) return { argv: [system], version };
  }
  const version = '22.17.1';
  const fake = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;
  return { argv: [process.execPath, '--import', fake], version };
}

describe('the entry on an old Node', () => {
  it('exits 1 with the version needed and does nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'obetl-oldnode-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const dataDir = path.join(dir, 'data');
    const { argv, version } = oldNode();
    const [bin = '', ...flags] = argv;
    const result = await finish(
      start(bin, [...flags, '--liftoff-only', CLI, 'demo'], {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
      }),
      'the CLI on an old Node.js',
    );
    expect(result.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    expect(result.stderr).toContain(`needs Node.js 22.18 or newer`);
    expect(result.stderr).toContain(`this is Node.js ${version}`);
    expect(result.code).toBe(1);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the developer scripts entry refuses too, before loading the TypeScript it names', async () => {
    const { argv, version } = oldNode();
    const [bin = '', ...flags] = argv;
    const result = await finish(
      start(
        bin,
        [
          ...flags,
          path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'checked.js'),
          'src/env-example.ts',
        ],
        {
          PATH: process.env.PATH ?? '',
        },
      ),
      'a developer script on an old Node.js',
    );
    expect(result.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    expect(result.stderr).toContain(`this is Node.js ${version}`);
    expect(result.code).toBe(1);
  });
});
