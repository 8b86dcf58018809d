/**
 * The venue boundary, read from the source text: no code outside src/venues asks which venue it
 * holds (it asks the registry), and no module imports from a layer above its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VENUES } from '../../src/venues/codes.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(e.name) ? [full] : [];
  });
}

const rel = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** A comparison of anything with a venue code, or of a `venue` with any string literal. */
function branchPattern(): RegExp {
  const codes = VENUES.join('|');
  return new RegExp(
    [
      String.raw`[!=]==?\s*['"\x60](?:${codes})['"\x60]`,
      String.raw`['"\x60](?:${codes})['"\x60]\s*[!=]==?`,
      String.raw`\bvenue\s*[!=]==?\s*['"\x60]`,
      String.raw`['"\x60]\s*[!=]==?\s*\w*\.?venue\b`,
      String.raw`case\s+['"\x60](?:${codes})['"\x60]`,
    ].join('|'),
  );
}

describe('venue knowledge stays in src/venues', () => {
  it('the pattern catches the branches it is meant to', () => {
    const p = branchPattern();
    for (const line of [
      "if (venue === 'coinbase') {",
      "const coinbase = venue === 'coinbase';",
      "market.venue !== 'binance'",
      "'binance' === market.venue",
      "case 'coinbase':",
      "exchange === 'coinbase' ? 'BTC-USD' : 'BTCUSDT'",
    ]) {
      expect(line).toMatch(p);
    }
    for (const line of ["const x = 'coinbase:60,binance:10';", 'if (venue === undefined) return;']) {
      expect(line).not.toMatch(p);
    }
  });

  it('no file outside src/venues branches on a venue code', () => {
    const p = branchPattern();
    const found = sourceFiles()
      .filter((f) => !rel(f).startsWith('venues/'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (p.test(line) ? [`${rel(f)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(found).toEqual([]);
  });
});

/**
 * Layers, lowest first (DESIGN §2). A module may import its own layer and those below; the
 * simulator's server (server, index, generators) sits above the venues whose halves it serves,
 * its kit (books, writer, faults…) below them.
 */
function layer(file: string): number {
  const p = rel(file);
  if (p.startsWith('util/') || ['venues/codes.ts', 'markets.ts'].includes(p)) return 0;
  if (['config.ts', 'log.ts', 'stop-signal.ts', 'env-example.ts'].includes(p)) return 1;
  if (p.startsWith('http/') || p.startsWith('book/') || p.startsWith('trades/') || p.startsWith('raw/'))
    return 2;
  const simulatorServer = ['simulator/server.ts', 'simulator/index.ts', 'simulator/generators.ts'];
  if (p.startsWith('simulator/') && !simulatorServer.includes(p)) return 2;
  if (p.startsWith('venues/')) return 3;
  if (p.startsWith('warehouse/') || p.startsWith('simulator/')) return 4;
  if (p === 'lake/cli.ts') return 6;
  if (p.startsWith('lake/')) return 4;
  if (p.startsWith('jobs/') || p.startsWith('report/')) return 5;
  return 6;
}

const IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gm;

describe('layers', () => {
  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const file of sourceFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = path.resolve(path.dirname(file), m[1] as string);
        if (layer(target) > layer(file))
          upward.push(`${rel(file)} (${layer(file)}) → ${rel(target)} (${layer(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('reads the imports it judges', () => {
    const run = readFileSync(path.join(SRC, 'jobs/run.ts'), 'utf8');
    expect([...run.matchAll(IMPORT)].map((m) => m[1])).toContain('../venues/index.ts');
  });
});
