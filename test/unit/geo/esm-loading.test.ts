// cheap-ruler and flatbush are ES modules only. Node 22.9 (the oldest Node this package claims) cannot
// require() them; Node 24 can, unless started with --no-experimental-require-module. Running the compiled
// geometry in a child process with that flag (and on the system's older Node, when there is one) proves the
// package loads them the way that works everywhere: dynamic import().
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const geoDir = join(__dirname, '..', '..', '..', 'nodes', 'core', 'geo');

const script = `
const { loadGeoLibs } = require(${JSON.stringify(join(geoDir, 'geo-libs.js'))});
const { Route } = require(${JSON.stringify(join(geoDir, 'route.js'))});
let requireFailed = false;
try { require('cheap-ruler'); } catch (err) { requireFailed = err.code === 'ERR_REQUIRE_ESM'; }
loadGeoLibs().then((libs) => {
  const route = new Route(libs, [[114.1722, 22.2948], [114.1694, 22.3193]]);
  console.log(JSON.stringify({ requireFailed, length: Math.round(route.lengthM), node: process.version }));
});
`;

function run(node: string, args: string[]): { requireFailed: boolean; length: number; node: string } {
  const output = execFileSync(node, [...args, '-e', script], {
    cwd: join(__dirname, '..', '..', '..', '..'),
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').at(-1) as string);
}

describe('geo: loading the ES-module-only libraries from CommonJS', () => {
  it('works on a Node without require(esm) (Node 24 with --no-experimental-require-module)', () => {
    const result = run(process.execPath, ['--no-experimental-require-module']);
    assert.equal(result.requireFailed, true, 'require() of the ES module must fail in this mode');
    assert.equal(result.length, 2728);
  });

  it('works on the oldest Node at hand', function () {
    const older = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path));
    const version = older ? spawnSync(older, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
    if (!older || version === process.version) this.skip();
    const result = run(older as string, []);
    assert.equal(result.node, version);
    assert.equal(result.length, 2728);
  });
});
