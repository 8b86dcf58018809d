/** The engine blocks of docs/lake.md: ```duckdb, ```athena, ```trino and ```spark fences. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/warehouse/sqlfiles.ts';

export interface EngineBlock {
  engine: string;
  /** `docs/lake.md:line` of the opening fence. */
  where: string;
  text: string;
}

export function engineBlocks(): EngineBlock[] {
  const text = readFileSync(path.join(PROJECT_ROOT, 'docs', 'lake.md'), 'utf8');
  return [...text.matchAll(/^```(duckdb|athena|trino|spark)[ \t]*\n([\s\S]*?)^```/gm)].map((m) => ({
    engine: m[1] ?? '',
    where: `docs/lake.md:${text.slice(0, m.index).split('\n').length}`,
    text: m[2] ?? '',
  }));
}

/** Blocks that are `lake ddl` output (they start with its header line). */
export const isDdl = (b: EngineBlock): boolean => b.text.startsWith('-- orderbook-etl lake ddl');
