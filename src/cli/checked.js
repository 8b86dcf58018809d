/**
 * The developer scripts' entry (bench, docs:*, schema:dump, env:example): the same Node version
 * check as entry.js, then the TypeScript file named first, with process.argv as if node had run
 * that file itself (its own arguments start at argv[2]).
 */
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
const script = process.argv[2];
if (problem !== null) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
} else if (script === undefined) {
  process.stderr.write('usage: node src/cli/checked.js FILE.ts [arguments]\n');
  process.exitCode = 1;
} else {
  process.argv.splice(1, 2, path.resolve(script));
  await import(pathToFileURL(path.resolve(script)).href);
}
