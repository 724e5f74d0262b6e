// The Flow Library scorecard (node-red-dev validate) checks, those that need no network, on the package as
// it would be published.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtPackageDir } from '../../../dev/node-red-launcher';
import { repoRoot } from '../../../dev/repo-root';

// biome-ignore lint/suspicious/noExplicitAny: semver ships no types here; only satisfies() is used
const semver: { satisfies(version: string, range: string): boolean } = require('semver') as any;

interface PackageJson {
  name: string;
  license?: string;
  repository?: { url?: string };
  bugs?: { url?: string };
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  files?: string[];
  'node-red': { version: string; nodes: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const nodeRedRelease = (name: string) =>
  (
    JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

function declaredTypes(htmlFile: string): string[] {
  const html = readFileSync(htmlFile, 'utf8');
  return [...html.matchAll(/data-template-name="([^"]+)"/g)].map((m) => m[1] as string);
}

describe('Flow Library scorecard (offline checks)', () => {
  it('has a license, a repository and a bugs URL', () => {
    assert.ok(pkg.license);
    assert.ok(pkg.repository?.url);
    assert.ok(pkg.bugs?.url);
  });

  it('is scoped and carries the node-red keyword', () => {
    assert.match(pkg.name, /^@[\w-]+\/node-red-/);
    assert.ok(pkg.keywords?.includes('node-red'));
  });

  it('accepts the current Node-RED releases, 4.1 and 5.x', () => {
    for (const release of [nodeRedRelease('node-red'), nodeRedRelease('node-red-4'), '4.1.0', '5.1.0']) {
      assert.ok(
        semver.satisfies(release, pkg['node-red'].version),
        `${release} vs ${pkg['node-red'].version}`,
      );
    }
  });

  it('accepts Node.js 22.9 and later, and not 20', () => {
    const range = pkg.engines?.node ?? '';
    for (const version of ['22.9.0', '22.12.0', '24.0.0'])
      assert.ok(semver.satisfies(version, range), version);
    assert.equal(semver.satisfies('20.20.2', range), false);
  });

  it('has only the runtime dependencies it can justify', () => {
    // A user's palette install pulls each of these: one line of why, or it does not belong here.
    const justified: Record<string, string> = {
      '@redis/client': "Redis's own client (node-redis), core only: several instances share state (opt-in)",
      'cheap-ruler': 'metre-accurate distances at city scale, 100× cheaper than geodesics (route-geofence)',
      flatbush: 'a static spatial index over a 10,000-vertex route (route-geofence)',
      mustache: 'logic-less message templates an ops person can write (dingtalk-send)',
      recheck: 'refuses regular expressions that could stall Node-RED (pos-switch "matches")',
      'secure-json-parse': 'refuses __proto__ and constructor.prototype in every spelling (pos-in)',
      undici: 'HTTP client with pipelining and TLS hooks for pinning (dingtalk-send)',
      zod: 'the event schemas, and the JSON Schema generated from them (pos-in)',
    };
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), Object.keys(justified).sort());
  });

  it('declares every node type in the .html built beside its .js', () => {
    const built = JSON.parse(readFileSync(join(builtPackageDir, 'package.json'), 'utf8')) as PackageJson;
    assert.deepEqual(Object.keys(built['node-red'].nodes), Object.keys(pkg['node-red'].nodes));
    for (const [type, file] of Object.entries(built['node-red'].nodes)) {
      const html = join(builtPackageDir, file.replace(/\.js$/, '.html'));
      assert.deepEqual(declaredTypes(html), [type], html);
    }
  });

  it('uses every non-config node in at least one example', () => {
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.json'));
    assert.ok(examples.length > 0);
    const used = new Set(
      examples.flatMap((file) =>
        (JSON.parse(readFileSync(join(repoRoot, 'examples', file), 'utf8')) as { type: string }[]).map(
          (n) => n.type,
        ),
      ),
    );
    const configTypes = new Set(['dingtalk-robot']);
    for (const type of Object.keys(pkg['node-red'].nodes).filter((t) => !configTypes.has(t))) {
      assert.ok(used.has(type), `${type} appears in no example`);
    }
  });

  it('ships only what a user needs', () => {
    assert.deepEqual(pkg.files, ['dist/nodes', 'examples', 'README.md', 'LICENSE']);
  });
});
