// Compiles the TypeScript and lays out a Node-RED package in the output folder: each node's .js beside its
// .html, icons/ and locales/, plus a package.json whose node map points there (used by the end-to-end tests).
// Usage: node scripts/build.mjs [--out DIR]   (default dist; helpers building in parallel use .build/<name>)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(root, outArg > 0 ? process.argv[outArg + 1] : 'dist');

rmSync(out, { recursive: true, force: true });
// tsc emits even when it reports type errors: lay out the package anyway, and fail at the end.
let typeErrors = false;
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', root, '--outDir', out], { stdio: 'inherit' });
} catch {
  typeErrors = true;
}
cpSync(join(root, 'nodes'), join(out, 'nodes'), { recursive: true, filter: (src) => !src.endsWith('.ts') });
if (existsSync(join(root, 'examples')))
  cpSync(join(root, 'examples'), join(out, 'examples'), { recursive: true });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodes = Object.fromEntries(
  Object.entries(pkg['node-red'].nodes).map(([type, file]) => [type, file.replace(/^dist\//, '')]),
);
const built = { name: pkg.name, version: pkg.version, 'node-red': { ...pkg['node-red'], nodes } };
writeFileSync(join(out, 'package.json'), `${JSON.stringify(built, null, 2)}\n`);
if (typeErrors) process.exit(1);
