/**
 * Preloaded by the npm scripts that run the gateway (`node --import ./scripts/check-node.mjs …`): on a
 * Node.js older than package.json's `engines.node`, say so in one line and stop, before any dependency
 * is loaded (some of them need Node 22.15 and would otherwise fail later, or worse, half work).
 * Plain JavaScript with no imports beyond node:, so it runs on any Node that supports --import.
 */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const required = String(manifest.engines?.node ?? '');
const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(required);
if (!minimum) throw new Error(`scripts/check-node.mjs understands only engines.node ">=x.y.z", got "${required}"`);

const current = process.versions.node.split('.').map(Number);
const wanted = minimum.slice(1).map(Number);
const tooOld = current.findIndex((part, i) => part !== wanted[i]);
if (tooOld !== -1 && (current[tooOld] ?? 0) < (wanted[tooOld] ?? 0)) {
  process.stderr.write(
    `This project needs Node.js ${required.replace(/\s+/g, '')} and this is Node.js ${process.version}: ` +
      `install Node 22.15 or newer (e.g. \`nvm install 22\`), then run \`npm ci\` again.\n`,
  );
  process.exit(1);
}
