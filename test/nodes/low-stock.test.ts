import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import type { StockAlert, StockDigest, StockRestocked } from '../../nodes/core/stock/monitor';

import lowStock = require('../../nodes/low-stock/low-stock');

import { type Collector, collectorNodes, startCollector } from '../support/collector';
import {
  helper as baseHelper,
  type FlowNode,
  nodeRedPackage,
  PortRecorder,
  statusMatching,
} from '../support/node-red-helper';

type Msg = Record<string, unknown>;

/** Two methods node-red-node-test-helper has that the shared typing does not list (yet). */
const helper = baseHelper as typeof baseHelper & {
  /** Redeploys as the editor does: "nodes" restarts only the changed nodes, "full" all of them. */
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes'): Promise<void>;
  /** supertest on the admin app. */
  request(): { post(path: string): { send(body: unknown): PromiseLike<{ status: number; body: unknown }> } };
};

const inventory = (sku: string, quantity: number, unit = 'kg', storeId = 'HK-MK-001') => ({
  id: `evt_${sku}_${quantity}_${Math.random().toString(36).slice(2, 8)}`,
  event: 'inventory.changed',
  timestamp: '2026-11-20T08:30:00+08:00',
  storeId,
  data: { sku, quantity, unit },
});

/**
 * The node's id, new for each test: a stopped node hands its state to the next node with its id (that is how
 * state survives a redeploy), and the test helper stops every node between tests.
 */
let LS = 'ls-0';
let loads = 0;

const milkTeaRow = { sku: 'MT', name: 'Milk tea base', threshold: '5', unit: 'kg', rearm: '6', storeId: '' };

function flow(props: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'tab', type: 'tab' },
    {
      id: LS,
      type: 'low-stock',
      z: 'tab',
      name: 'stock',
      threshold: '',
      unit: 'kg',
      rearm: '',
      rows: [milkTeaRow],
      delay: 0,
      delayUnits: 'min',
      reminder: 0,
      reminderUnits: 'h',
      digestTimes: '',
      timeZone: 'Asia/Hong_Kong',
      wires: [['alerts'], ['restocked'], ['digest']],
      ...props,
    },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'restocked', type: 'helper', z: 'tab' },
    { id: 'digest', type: 'helper', z: 'tab' },
    { id: 'on-error', type: 'catch', z: 'tab', scope: [LS], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'on-done', type: 'complete', z: 'tab', scope: [LS], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];
}

/** What came out of each port and of the Catch and Complete nodes. */
class Recorder extends PortRecorder {
  constructor() {
    super(['alerts', 'restocked', 'digest', 'caught', 'completed'], () => LS);
  }

  /** The message of the last error a Catch node received (Node-RED writes it as "Error: …"). */
  lastError(): string {
    const error = this.last('caught').error as { message: string };
    return error.message.replace(/^Error: /, '');
  }
}

describe('low-stock node', () => {
  let recorder: Recorder;

  async function load(props: Record<string, unknown> = {}) {
    LS = `ls-${++loads}`;
    await helper.load(lowStock, flow(props));
    recorder = new Recorder();
    return recorder;
  }

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('alerts once on the crossing, with the documented payload, and reports the restock', async () => {
    const r = await load();
    await r.send({ payload: inventory('MT', 7), topic: 'inventory.changed' });
    assert.equal(r.count('alerts'), 0);
    await r.send({
      payload: inventory('MT', 4200, 'g'),
      topic: 'inventory.changed',
      pos: { scheme: 'generic' },
    });
    const alert = r.last('alerts');
    assert.equal(alert.topic, 'stock.low');
    assert.deepEqual(alert.pos, { scheme: 'generic' }, 'other message properties travel on');
    const payload = alert.payload as StockAlert;
    assert.deepEqual(
      {
        storeId: payload.storeId,
        sku: payload.sku,
        name: payload.name,
        quantity: payload.quantity,
        threshold: payload.threshold,
        unit: payload.unit,
        shortfall: payload.shortfall,
        outOfStock: payload.outOfStock,
        reason: payload.reason,
      },
      {
        storeId: 'HK-MK-001',
        sku: 'MT',
        name: 'Milk tea base',
        quantity: 4.2,
        threshold: 5,
        unit: 'kg',
        shortfall: 0.8,
        outOfStock: false,
        reason: 'crossed',
      },
    );
    assert.match(payload.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+08:00$/);

    await r.send({ payload: inventory('MT', 5.5) });
    await r.send({ payload: inventory('MT', 3) });
    assert.equal(r.count('alerts'), 1, 'hysteresis: no second alert before re-arming');
    await r.send({ payload: inventory('MT', 6) });
    const restocked = r.last('restocked');
    assert.equal(restocked.topic, 'stock.restocked');
    assert.equal((restocked.payload as StockRestocked).quantity, 6);
    await r.send({ payload: inventory('MT', 0) });
    assert.equal(r.count('alerts'), 2);
    assert.equal(r.last('alerts').topic, 'stock.out');
    assert.equal((r.last('alerts').payload as StockAlert).outOfStock, true);
    assert.equal(r.count('caught'), 0);
  });

  it('takes a bare number with msg.topic as the SKU, and "4200 g" text', async () => {
    const r = await load();
    await r.send({ payload: 4.9, topic: 'MT', storeId: 'TW-TP-002' });
    assert.equal((r.last('alerts').payload as StockAlert).storeId, 'TW-TP-002');
    await r.send({ payload: '4200 g', topic: 'MT', storeId: 'HK-01' });
    assert.equal((r.last('alerts').payload as StockAlert).quantity, 4.2);
  });

  it('applies the default and the store rows', async () => {
    const r = await load({
      threshold: '2',
      unit: 'kg',
      rows: [milkTeaRow, { sku: '', name: '', storeId: 'TW-01', threshold: '3', unit: 'kg', rearm: '' }],
    });
    await r.send({ payload: inventory('SUGAR', 2.5, 'kg', 'HK-01') });
    assert.equal(r.count('alerts'), 0, 'the default is 2 kg');
    await r.send({ payload: inventory('SUGAR', 2.5, 'kg', 'TW-01') });
    assert.equal((r.last('alerts').payload as StockAlert).threshold, 3, 'the store row is 3 kg');
  });

  it('sends a stock count (an array) as one message per alert', async () => {
    const r = await load({ threshold: '1', unit: 'kg' });
    await r.send({ payload: [inventory('MT', 4), inventory('SUGAR', 0.5), inventory('SALT', 3)] });
    await r.until('alerts', 2);
    assert.deepEqual(
      r.seen.alerts?.map((m) => (m.payload as StockAlert).sku),
      ['MT', 'SUGAR'],
    );
  });

  it('passes over other POS events without output or error', async () => {
    const r = await load();
    await r.send({ payload: { ...inventory('MT', 1), event: 'transaction.completed' } });
    assert.equal(r.count('alerts'), 0);
    assert.equal(r.count('caught'), 0);
  });

  it('reports a unit mismatch to a Catch node and shows it in red', async () => {
    const r = await load();
    const red = statusMatching(helper.getNode(LS), (s) => s.fill === 'red');
    await r.send({ payload: inventory('MT', 3, 'pcs') });
    assert.equal(r.lastError(), 'low-stock.errors.unit-mismatch');
    assert.equal((await red).text, 'low-stock.errors.unit-mismatch');
    assert.equal(r.count('alerts'), 0);
  });

  for (const [name, msg, key] of [
    ['a bare number without a SKU', { payload: 3 }, 'missing-sku'],
    ['a boolean', { payload: true }, 'not-a-reading'],
    [
      'an event without a quantity',
      { payload: { ...inventory('MT', 1), data: { sku: 'MT' } } },
      'invalid-quantity',
    ],
  ] as [string, Msg, string][]) {
    it(`refuses ${name} with a clear error`, async () => {
      const r = await load();
      await r.send(msg);
      assert.equal(r.lastError(), `low-stock.errors.${key}`);
    });
  }

  it('replaces the threshold table from CSV at run time, and refuses a bad one', async () => {
    const r = await load();
    await r.send({ topic: 'thresholds', payload: 'sku,name,threshold,unit\nCUP,Cups,100,pcs\n' });
    assert.equal(r.count('caught'), 0);
    await r.send({ payload: inventory('MT', 1) });
    assert.equal(r.count('alerts'), 0, 'MT is no longer watched');
    await r.send({ payload: inventory('CUP', 99, 'pcs') });
    assert.equal((r.last('alerts').payload as StockAlert).name, 'Cups');

    await r.send({ topic: 'thresholds', payload: [{ sku: 'LID', threshold: 'lots' }] });
    assert.equal(r.lastError(), 'low-stock.errors.table-rejected');
    await r.send({ payload: inventory('CUP', 150, 'pcs') });
    assert.equal(r.count('restocked'), 1, 'the old table stayed');
  });

  it('sends a digest of everything low on request, on output 3', async () => {
    const r = await load({ threshold: '1', unit: 'kg' });
    await r.send({ payload: inventory('MT', 0, 'kg', 'A') });
    await r.send({ payload: inventory('SUGAR', 0.5, 'kg', 'B') });
    await r.send({ topic: 'digest' });
    const digest = r.last('digest');
    assert.equal(digest.topic, 'stock.digest');
    const payload = digest.payload as StockDigest;
    assert.equal(payload.count, 2);
    assert.equal(payload.outOfStock, 1);
    assert.deepEqual(
      payload.items.map((i) => [i.storeId, i.sku]),
      [
        ['A', 'MT'],
        ['B', 'SUGAR'],
      ],
    );
    await r.send({ topic: 'digest', storeId: 'B' });
    assert.equal((r.last('digest').payload as StockDigest).count, 1);
  });

  it('waits out the delay before alerting', async () => {
    const r = await load({ delay: '0.05', delayUnits: 's' });
    await r.send({ payload: inventory('MT', 4) });
    assert.equal(r.count('alerts'), 0);
    await r.until('alerts', 1);
    assert.equal(r.last('alerts').topic, 'stock.low');
  });

  it('forgets on msg.reset: every SKU, or one', async () => {
    const r = await load({ threshold: '1', unit: 'kg' });
    await r.send({ payload: inventory('MT', 4) });
    await r.send({ payload: inventory('SUGAR', 0.5) });
    await r.send({ reset: true, topic: 'MT' });
    await r.send({ payload: inventory('MT', 4) });
    await r.send({ payload: inventory('SUGAR', 0.5) });
    assert.equal(r.count('alerts'), 3, 'MT alerted again, SUGAR did not');
    await r.send({ reset: true });
    await r.send({ payload: inventory('SUGAR', 0.5) });
    assert.equal(r.count('alerts'), 4);
    assert.equal(r.count('restocked'), 0);
  });

  it('shows the counts in its status', async () => {
    const r = await load({ threshold: '1', unit: 'kg' });
    const shown = statusMatching(helper.getNode(LS), (s) => s.fill === 'yellow');
    await r.send({ payload: inventory('MT', 0) });
    const status = await shown;
    assert.equal(status.text, 'low-stock.status.out');
  });

  it('refuses invalid settings at deploy, with a red status and an error for each message', async () => {
    const r = await load({ rows: [{ sku: 'MT', threshold: 'x', unit: 'kg' }] });
    await r.send({ payload: inventory('MT', 1) });
    assert.equal(r.lastError(), 'low-stock.errors.config');
  });

  it('keeps its state across a redeploy: no second alert, then restocked', async () => {
    const r = await load({ reminder: 0 });
    await r.send({ payload: inventory('MT', 4) });
    assert.equal(r.count('alerts'), 1);
    // A redeploy of the changed node (the name), as the editor's Deploy does.
    await helper.setFlows(flow({ name: 'renamed' }), 'nodes');
    const again = new Recorder();
    await again.send({ payload: inventory('MT', 3) });
    assert.equal(again.count('alerts'), 0, 'still remembered as alerted');
    await again.send({ payload: inventory('MT', 6.5) });
    assert.equal(again.count('restocked'), 1);
  });

  it('starts afresh when the node was deleted and added again', async () => {
    const r = await load();
    await r.send({ payload: inventory('MT', 4) });
    await helper.setFlows(
      flow().filter((n) => n.id !== LS),
      'full',
    );
    await helper.setFlows(flow(), 'full');
    const again = new Recorder();
    await again.send({ payload: inventory('MT', 4) });
    assert.equal(again.count('alerts'), 1);
  });

  it('checks pasted CSV for the editor', async () => {
    await load();
    const ok = await helper
      .request()
      .post('/low-stock/csv')
      .send({ csv: 'SKU\tName\tThreshold\tUnit\tRe-arm\nMT\tMilk tea base\t4.5\t公斤\t6\n' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {
      rows: [{ sku: 'MT', name: 'Milk tea base', storeId: '', threshold: 4.5, unit: 'kg', rearm: 6 }],
      problems: [],
    });
    const bad = await helper.request().post('/low-stock/csv').send({ csv: 'MT,,none,kg' });
    assert.deepEqual(bad.body, {
      rows: [],
      problems: [{ code: 'row-threshold', params: { row: 1, value: 'none' } }],
    });
  });

  it('has every message in all three languages', () => {
    const root = resolve(__dirname, '../../nodes/low-stock/locales');
    const flat = (value: unknown, prefix = ''): string[] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];
    const keys = (lang: string) =>
      flat(JSON.parse(readFileSync(join(root, lang, 'low-stock.json'), 'utf8'))).sort();
    assert.deepEqual(keys('zh-CN'), keys('en-US'));
    assert.deepEqual(keys('zh-TW'), keys('en-US'));
  });
});

describe('low-stock in a real Node-RED runtime, across a restart', function () {
  this.timeout(90_000);
  let nodeRed: NodeRed | undefined;
  let collector: Collector;
  let userDir: string;

  const inject = (id: string, payload: string, topic = 'MT') => ({
    id,
    type: 'inject',
    z: 'tab',
    x: 100,
    y: 100,
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    payload,
    payloadType: 'num',
    topic,
    wires: [['ls']],
  });

  before(async () => {
    collector = await startCollector();
    userDir = mkdtempSync(join(tmpdir(), 'low-stock-restart-'));
    mkdirSync(userDir, { recursive: true });
  });

  after(async () => {
    await nodeRed?.stop();
    await collector?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  const start = () =>
    launchNodeRed({
      nodeRedPackage,
      userDir,
      settings: { contextStorage: { default: { module: 'localfilesystem' } } },
    });

  it('remembers an alert across a restart with a persistent context store', async () => {
    nodeRed = await start();
    await nodeRed.deploy([
      { id: 'tab', type: 'tab', label: 'stock' },
      {
        id: 'ls',
        type: 'low-stock',
        z: 'tab',
        x: 300,
        y: 100,
        rows: [milkTeaRow],
        threshold: '',
        timeZone: 'Asia/Hong_Kong',
        wires: [['out'], ['out'], ['out']],
      },
      inject('low', '4'),
      inject('lower', '3'),
      inject('full', '8'),
      { ...inject('ask-digest', '', 'digest'), payloadType: 'str' },
      ...collectorNodes('out', 'tab', collector.url),
    ]);
    await nodeRed.inject('low');
    const [first] = await collector.waitFor(1);
    assert.equal(first?.topic, 'stock.low');

    await nodeRed.stop();
    nodeRed = await start();
    await nodeRed.inject('lower');
    await nodeRed.inject('full');
    await nodeRed.inject('ask-digest');
    const received = await collector.waitFor(3);
    // Give a stray alert no chance to hide: everything after the restart arrives before the digest.
    assert.deepEqual(
      received.slice(1).map((m) => m.topic),
      ['stock.restocked', 'stock.digest'],
    );
  });
});
