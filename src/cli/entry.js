/**
 * What the npm scripts run. Checks the Node version first, in plain JavaScript, and only then
 * loads the TypeScript CLI (a dynamic import: a static one would be loaded before the check).
 */
import process from 'node:process';
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem === null) {
  await import('./main.ts');
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
