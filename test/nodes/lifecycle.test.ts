// One contract for a bad configuration, whatever the node: a red ring status saying what is wrong, one error
// log line at deploy, and every message afterwards answered with done(err) (a Catch node sees it) and nothing
// sent on the node's regular outputs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import robotModule = require('../../nodes/dingtalk-robot/dingtalk-robot');
import sendModule = require('../../nodes/dingtalk-send/dingtalk-send');
import lowStock = require('../../nodes/low-stock/low-stock');
import posIn = require('../../nodes/pos-in/pos-in');
import posSwitch = require('../../nodes/pos-switch/pos-switch');
import routeGeofence = require('../../nodes/route-geofence/route-geofence');

import { type FlowNode, helper, type NodeModule, PortRecorder } from '../support/node-red-helper';

interface Case {
  type: string;
  modules: NodeModule[];
  /** The node under test's properties: a configuration it must refuse. */
  props: Record<string, unknown>;
  credentials?: Record<string, Record<string, string>>;
  extraNodes?: FlowNode[];
  /** The message key of the error (the test helper's RED._ answers the key). */
  error: string;
  /** Ports (0-based) on which a refused message is documented to appear. */
  failurePorts?: number[];
}

const cases: Case[] = [
  { type: 'pos-in', modules: [posIn], props: { path: '/lifecycle' }, error: 'pos-in.errors.missing-secret' },
  {
    type: 'pos-switch',
    modules: [posSwitch],
    props: { rules: [{ conditions: [{ field: 'data.total', op: 'gt', value: 'x', valueType: 'num' }] }] },
    error: 'pos-switch.errors.bad-rules',
  },
  {
    type: 'low-stock',
    modules: [lowStock],
    props: { rows: [{ sku: 'MT', threshold: 'x', unit: 'kg' }] },
    error: 'low-stock.errors.config',
  },
  {
    type: 'route-geofence',
    modules: [routeGeofence],
    props: { routes: [{ id: 'R1', widthM: 60, geometry: 'not a line' }] },
    error: 'route-geofence.errors.config',
  },
  {
    type: 'dingtalk-send',
    modules: [robotModule, sendModule],
    props: { robot: '', msgtype: 'text', text: 'hello' },
    error: 'dingtalk-send.errors.no-robot',
    failurePorts: [1],
  },
];

const OUTPUTS = 3;

/** The key itself, not a longer key that starts with it. */
const key = (name: string) => new RegExp(`${name.replaceAll('.', '\\.')}(?![\\w-])`);

function flow(test: Case): FlowNode[] {
  const ports = Array.from({ length: OUTPUTS }, (_, i) => `out${i}`);
  return [
    { id: 'tab', type: 'tab' },
    { id: 'node', type: test.type, z: 'tab', ...test.props, wires: ports.map((port) => [port]) },
    ...ports.map((port) => ({ id: port, type: 'helper', z: 'tab' })),
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['node'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'completer', type: 'complete', z: 'tab', scope: ['node'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];
}

type LogEvent = { level?: number; id?: string; msg?: unknown };
const ERROR_LEVEL = 20;

describe('a node with a bad configuration', () => {
  let userDir: string;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'lifecycle-test-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(userDir, { recursive: true, force: true });
  });

  for (const test of cases) {
    it(`${test.type}: red ring status, one log line, done(err) for every message and nothing sent`, async () => {
      await helper.load(test.modules, flow(test), { node: {}, ...test.credentials });
      const node = helper.getNode('node') as unknown as {
        status: { args: [{ fill?: string; shape?: string }][] };
      };
      const recorder = new PortRecorder(['out0', 'out1', 'out2', 'caught', 'completed'], () => 'node');

      const shown = node.status.args.map(([status]) => status);
      assert.ok(
        shown.some((status) => status.fill === 'red' && status.shape === 'ring'),
        `a red ring status (shown: ${JSON.stringify(shown)})`,
      );
      const logged = helper
        .log()
        .args.map(([event]) => event as LogEvent)
        .filter((event) => event.id === 'node' && event.level === ERROR_LEVEL);
      assert.equal(logged.length, 1, `one error log line (logged: ${JSON.stringify(logged)})`);
      assert.match(String(logged[0]?.msg), key(test.error));

      for (const payload of [{ sku: 'MT', quantity: 1 }, 42]) await recorder.send({ payload, topic: 'x' });
      assert.equal(recorder.count('caught'), 2, 'each message is answered with done(err)');
      for (const caught of recorder.seen.caught ?? []) {
        assert.match(String((caught.error as { message?: string }).message), key(test.error));
      }
      assert.equal(recorder.count('completed'), 0);
      for (let port = 0; port < OUTPUTS; port++) {
        const expected = test.failurePorts?.includes(port) ? 2 : 0;
        assert.equal(recorder.count(`out${port}`), expected, `messages on output ${port + 1}`);
      }
    });
  }
});
