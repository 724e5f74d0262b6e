// Compiles the TypeScript and lays out a Node-RED package in the output folder: each node's .js beside its
// .html, icons/ and locales/, plus a package.json whose node map points there (used by the end-to-end tests).
// The editor code (nodes/editor, browser TypeScript) is type-checked on its own, bundled per node by esbuild
// and inlined into that node's .html where the source .html has the marker <!-- editor: nodes/editor/X.ts -->.
// Usage: node scripts/build.mjs [--out DIR]   (default dist; helpers building in parallel use .build/<name>)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

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
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'nodes/editor')], { stdio: 'inherit' });
} catch {
  typeErrors = true;
}
const editorDir = join(root, 'nodes/editor');
cpSync(join(root, 'nodes'), join(out, 'nodes'), {
  recursive: true,
  filter: (src) => !src.endsWith('.ts') && src !== editorDir,
});
inlineEditorScripts(join(out, 'nodes'));
if (existsSync(join(root, 'examples')))
  cpSync(join(root, 'examples'), join(out, 'examples'), { recursive: true });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodes = Object.fromEntries(
  Object.entries(pkg['node-red'].nodes).map(([type, file]) => [type, file.replace(/^dist\//, '')]),
);
const built = { name: pkg.name, version: pkg.version, 'node-red': { ...pkg['node-red'], nodes } };
writeFileSync(join(out, 'package.json'), `${JSON.stringify(built, null, 2)}\n`);
if (typeErrors) process.exit(1);

/** Replaces each built .html's editor marker with its bundle: one readable IIFE per node. */
function inlineEditorScripts(nodesOut) {
  const marker = /<!-- editor: (nodes\/editor\/[\w-]+\.ts) -->/;
  for (const type of readdirSync(nodesOut)) {
    const html = join(nodesOut, type, `${type}.html`);
    if (!existsSync(html)) continue;
    const text = readFileSync(html, 'utf8');
    const source = marker.exec(text)?.[1];
    if (!source) continue;
    const [bundle] = buildSync({
      entryPoints: [join(root, source)],
      tsconfig: join(editorDir, 'tsconfig.json'),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      charset: 'utf8',
      legalComments: 'none',
      write: false,
    }).outputFiles;
    const code = bundle.text;
    // the browser would end the <script> element at the first "</script" in the code
    if (/<\/script/i.test(code)) throw new Error(`${source}: the bundle contains "</script"`);
    const script = `<script type="text/javascript">\n${code}</script>`;
    writeFileSync(
      html,
      text.replace(marker, () => script),
    );
  }
}
