/**
 * Plain JavaScript on purpose: this runs before any `.ts` file is loaded, so an old Node says
 * which version is needed instead of dying with ERR_UNKNOWN_FILE_EXTENSION ".ts". Node runs
 * TypeScript sources itself (type stripping) from 22.18 and 23.6; package.json's `engines` says
 * the same (a test keeps the two equal).
 */

export const NODE_ENGINES = '^22.18.0 || >=23.6.0';

/**
 * Why this Node cannot run the project, or null when it can.
 * @param {string} version process.versions.node, e.g. "20.20.2"
 * @returns {string | null}
 */
export function nodeVersionProblem(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  if (ok) return null;
  return (
    `orderbook-etl needs Node.js 22.18 or newer (24 LTS recommended; package.json engines: ${NODE_ENGINES}), ` +
    `but this is Node.js ${version}: install a newer one (e.g. \`nvm install\` reads .nvmrc) and run it again`
  );
}
