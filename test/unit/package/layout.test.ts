// The tree shows each idea once (issue 14): one Clock, test helpers kept out of the package, contracts in their
// own modules, and the core free of Node-RED. These read the sources, as a reviewer would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../../dev/repo-root';

const nodesDir = join(repoRoot, 'nodes');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(nodesDir).map((path) => ({
  name: relative(nodesDir, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

/** The relative module specifiers a file imports from. */
const importsOf = (text: string) => [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);

describe('package layout', () => {
  it('declares the Clock once, in the kernel, and every engine takes time from it', () => {
    const declaring = files.filter((f) => /export (interface|type) Clock\b/.test(f.text)).map((f) => f.name);
    assert.deepEqual(declaring, ['core/kernel/clock.ts']);
    const systemClocks = files.filter((f) => /export const systemClock\b/.test(f.text)).map((f) => f.name);
    assert.deepEqual(systemClocks, ['core/kernel/clock.ts']);
  });

  it('ships no test clock: nothing under nodes/ exports a manual clock or settle()', () => {
    const offending = files
      .filter((f) => /export (class ManualClock|class FakeClock|async function settle)\b/.test(f.text))
      .map((f) => f.name);
    assert.deepEqual(offending, []);
    const dingtalk = require(join(__dirname, '../../../nodes/core/dingtalk')) as Record<string, unknown>;
    assert.equal(dingtalk.ManualClock, undefined);
    assert.equal(dingtalk.settle, undefined);
  });

  it('keeps the core free of Node-RED: nothing under core/ imports an adapter or nodes/shared', () => {
    for (const f of files.filter((file) => file.name.startsWith('core/'))) {
      for (const spec of importsOf(f.text)) {
        assert.ok(!/node-red|\/shared\/|\/dingtalk-(robot|send)\//.test(spec), `${f.name} imports ${spec}`);
      }
    }
  });

  it('puts no Node-RED-free robot module in the adapter folder (robot config and runtime live in core)', () => {
    const adapterOnly = files.filter(
      (f) => f.name.startsWith('dingtalk-robot/') && !importsOf(f.text).some((s) => /\/shared\//.test(s)),
    );
    assert.deepEqual(
      adapterOnly.map((f) => f.name),
      [],
    );
  });

  it('gives dingtalk-send the robot contract from its own module, not from the "send test" endpoint', () => {
    const send = files.find((f) => f.name === 'dingtalk-send/dingtalk-send.ts');
    assert.ok(send);
    assert.ok(importsOf(send.text).includes('../dingtalk-robot/robot-node'));
    assert.ok(!importsOf(send.text).some((s) => s.endsWith('/test-message')));
  });

  it('keeps no dead code in the DingTalk core (the unused dispatcher registry and helpers)', () => {
    const dingtalk = require(join(__dirname, '../../../nodes/core/dingtalk')) as Record<string, unknown>;
    for (const name of ['DispatcherRegistry', 'describeAddress', 'reasonText', 'isMessage']) {
      assert.equal(dingtalk[name], undefined, name);
    }
  });

  it('lets Node.js exit while a low-stock delay waits on the real clock (its timers are unref’d)', () => {
    const script = `
      const { StockMonitor } = require(${JSON.stringify(join(__dirname, '../../../nodes/core/stock/monitor'))});
      const { ThresholdTable } = require(${JSON.stringify(join(__dirname, '../../../nodes/core/stock/thresholds'))});
      const built = ThresholdTable.build([{ sku: 'MT', threshold: 5, unit: 'kg' }]);
      const monitor = new StockMonitor({ table: built.table, delayMs: 3_600_000, reminderMs: 3_600_000 });
      monitor.evaluate({ storeId: 'HK-01', sku: 'MT', quantity: 1, unit: 'kg', name: undefined });
      if (monitor.counts().waiting !== 1) throw new Error('no delay pending');
    `;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 5_000 });
    assert.equal(run.error, undefined, 'the process was still running after 5 s');
    assert.equal(run.status, 0, run.stderr);
  });
});
