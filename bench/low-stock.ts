// low-stock: evaluations per second in the core, and the per-message cost in a real Node-RED runtime beside
// core `filter` (rbe, "block unless value changes") in the same run. Target: at least filter's throughput.
//
// Core: 1,000 SKUs × 10 stores, levels above the threshold (nothing to report, the common case), with and
// without unit conversion; a crossing on every level (alert, restocked, alert, …: the worst case); and parsing
// an inventory.changed event first. The baseline is rbe's own decision (its node code, with Node-RED's util).
//
// Runtime: a function node sends N stock levels (msg.topic = SKU, msg.payload = quantity) to the node under
// test, then one sentinel that each node passes on; the time until the sentinel arrives is the cost of N
// messages. Rounds alternate between the two nodes. "steady": every level is as before (filter drops all);
// "changing": every level differs (filter passes all on; low-stock sends nothing, as no level is low).

import { rmSync } from 'node:fs';
import { launchNodeRed } from '../dev/node-red-launcher';
import { StockMonitor } from '../nodes/core/stock/monitor';
import { readingsFrom, type StockReading } from '../nodes/core/stock/reading';
import { TimeZone } from '../nodes/core/stock/schedule';
import { ThresholdTable } from '../nodes/core/stock/thresholds';
import { type Collector, collectorNodes, startCollector } from '../test/support/collector';
import { median } from './stats';
import { printTable } from './table';

const QUICK = process.env.BENCH_QUICK === '1';
const SKUS = 1_000;
const STORES = 10;

// ---------------------------------------------------------------- core

interface NodeRedUtil {
  getMessageProperty(msg: object, expr: string): unknown;
  cloneMessage<T>(value: T): T;
}
// @node-red/util ships no types; the baseline runs rbe's own helpers.
const redUtil = (require('@node-red/util') as { util: NodeRedUtil }).util;

/** rbe's input handler for mode "block unless value changes", as in @node-red/nodes 10-rbe.js (minus send). */
function rbeDecision(previous: Record<string, unknown>, msg: Record<string, unknown>): boolean {
  const topic = redUtil.getMessageProperty(msg, 'topic') as string;
  const value = redUtil.getMessageProperty(msg, 'payload');
  const t = topic || '_no_topic';
  if (value !== previous[t]) {
    previous[t] = redUtil.cloneMessage(value);
    return true;
  }
  return false;
}

function table(unit: string) {
  const rows = Array.from({ length: SKUS }, (_, i) => ({
    sku: `SKU-${i}`,
    name: `Item ${i}`,
    threshold: 5 + (i % 10) / 2,
    unit,
    rearm: 10,
  }));
  const built = ThresholdTable.build(rows);
  if (!built.ok) throw new Error('bad bench table');
  return built.table;
}

function time(iterations: number, body: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) body(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) body(i);
  return performance.now() - start;
}

function coreBench(): (string | number)[][] {
  const n = QUICK ? 200_000 : 3_000_000;
  const readings: StockReading[] = Array.from({ length: 10_000 }, (_, i) => ({
    storeId: `S${i % STORES}`,
    sku: `SKU-${i % SKUS}`,
    quantity: 20 + (i % 13) / 4,
    unit: 'kg',
    name: undefined,
  }));
  const inGrams = readings.map((r) => ({ ...r, quantity: r.quantity * 1000, unit: 'g' }));
  const messages = readings.map((r) => ({ topic: r.sku, payload: r.quantity, storeId: r.storeId }));
  const events = readings.map((r) => ({
    id: 'evt',
    event: 'inventory.changed',
    timestamp: '2026-11-20T08:30:00+08:00',
    storeId: r.storeId,
    data: { sku: r.sku, quantity: r.quantity, unit: 'kg' },
  }));
  const zone = new TimeZone('Asia/Hong_Kong');
  const monitor = () => new StockMonitor({ table: table('kg'), zone });

  const previous: Record<string, unknown> = {};
  const rows: [string, number][] = [];
  rows.push([
    'baseline: rbe decision (block unless value changes)',
    time(n, (i) => rbeDecision(previous, messages[i % 10_000] as Record<string, unknown>)),
  ]);
  const steady = monitor();
  rows.push([
    'low-stock: level above threshold, same unit',
    time(n, (i) => steady.evaluate(readings[i % 10_000] as StockReading)),
  ]);
  const converted = monitor();
  rows.push([
    'low-stock: level in g, threshold in kg',
    time(n, (i) => converted.evaluate(inGrams[i % 10_000] as StockReading)),
  ]);
  const parsed = monitor();
  rows.push([
    'low-stock: parse inventory.changed event + evaluate',
    time(n, (i) => {
      for (const reading of readingsFrom(events[i % 10_000]).readings) parsed.evaluate(reading);
    }),
  ]);
  const churn = monitor();
  const low = { storeId: 'S0', sku: 'SKU-0', quantity: 1, unit: 'kg', name: undefined };
  const full = { ...low, quantity: 12 };
  rows.push([
    'low-stock: a crossing every level (alert, restocked, …)',
    time(n / 4, (i) => churn.evaluate(i % 2 === 0 ? low : full)) * 4,
  ]);
  const base = rows[0]?.[1] ?? 1;
  return rows.map(([name, ms]) => [
    name,
    Math.round(n / (ms / 1000)).toLocaleString('en-US'),
    ((ms * 1e6) / n).toFixed(0),
    (base / ms).toFixed(2),
  ]);
}

// ---------------------------------------------------------------- runtime

const GENERATE = `
const n = msg.payload.n, skus = msg.payload.skus, changing = msg.payload.changing;
const round = (context.get('round') || 0) + 1;
context.set('round', round);
const startedAt = Date.now();
for (let i = 0; i < n; i++) {
  node.send({ topic: 'SKU-' + (i % skus), storeId: 'S' + (i % 10), payload: changing ? 50 + ((i + round) % 7) : 50 }, false);
}
node.send({ topic: 'SENTINEL-' + startedAt + '-' + Math.random(), payload: 0, sentinel: true, startedAt }, false);
return null;`;

const FINISH = `
if (!msg.sentinel) return null;
msg.payload = { elapsedMs: Date.now() - msg.startedAt };
return msg;`;

function runtimeFlow(collectorUrl: string) {
  const nodes: Record<string, unknown>[] = [{ id: 'tab', type: 'tab', label: 'bench' }];
  let y = 40;
  const lane = (id: string, node: Record<string, unknown>) => {
    nodes.push(
      {
        id: `${id}-go`,
        type: 'inject',
        z: 'tab',
        x: 100,
        y,
        props: [{ p: 'payload' }],
        payload: '{}',
        payloadType: 'json',
        wires: [[`${id}-gen`]],
      },
      { id: `${id}-gen`, type: 'function', z: 'tab', x: 250, y, func: GENERATE, outputs: 1, wires: [[id]] },
      { ...node, id, z: 'tab', x: 400, y },
      { id: `${id}-end`, type: 'function', z: 'tab', x: 550, y, func: FINISH, outputs: 1, wires: [['post']] },
    );
    y += 60;
  };
  lane('rbe', {
    type: 'rbe',
    func: 'rbe',
    gap: '',
    start: '',
    inout: 'out',
    septopics: true,
    property: 'payload',
    topi: 'topic',
    wires: [['rbe-end']],
  });
  lane('low', {
    type: 'low-stock',
    threshold: '10',
    unit: '',
    rows: [],
    timeZone: 'Asia/Hong_Kong',
    wires: [['low-end'], [], []],
  });
  nodes.push(...collectorNodes('post', 'tab', collectorUrl, ['payload']));
  return nodes;
}

async function runtimeBench(nodeRedPackage: string): Promise<(string | number)[][]> {
  const collector: Collector = await startCollector();
  const nodeRed = await launchNodeRed({ nodeRedPackage });
  const n = QUICK ? 20_000 : 200_000;
  const rounds = QUICK ? 2 : 5;
  try {
    const flow = runtimeFlow(collector.url);
    await nodeRed.deploy(flow as { id: string; type: string }[]);
    const rows: (string | number)[][] = [];
    for (const changing of [false, true]) {
      // One deploy per scenario, so the inject payloads carry it; a warm-up round each, not counted.
      for (const node of flow) {
        if (typeof node.id === 'string' && node.id.endsWith('-go')) {
          (node as { payload: string }).payload = JSON.stringify({ n, skus: SKUS, changing });
        }
      }
      await nodeRed.deploy(flow as { id: string; type: string }[]);
      const times: Record<string, number[]> = { rbe: [], low: [] };
      for (let r = 0; r <= rounds; r++) {
        for (const lane of ['rbe', 'low']) {
          const count = collector.received.length;
          await nodeRed.inject(`${lane}-go`);
          const received = await collector.waitFor(count + 1);
          const ms = (received[count] as { payload: { elapsedMs: number } }).payload.elapsedMs;
          if (r > 0) times[lane]?.push(ms);
        }
      }
      const rbe = median(times.rbe ?? []);
      const low = median(times.low ?? []);
      for (const [name, ms] of [
        ['core filter (rbe), block unless value changes', rbe],
        ['low-stock (bare number, msg.topic = SKU)', low],
      ] as [string, number][]) {
        rows.push([
          changing ? 'changing' : 'steady',
          name,
          Math.round(n / (ms / 1000)).toLocaleString('en-US'),
          ((ms * 1000) / n).toFixed(2),
          (rbe / ms).toFixed(2),
        ]);
      }
    }
    return rows;
  } finally {
    await nodeRed.stop();
    await collector.close();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  printTable(
    `low-stock core: ${SKUS} SKUs × ${STORES} stores, Node ${process.version}`,
    ['case', 'evaluations/s', 'ns each', '× baseline speed'],
    coreBench(),
  );
  const nodeRedPackage = process.env.NODE_RED_PACKAGE ?? 'node-red';
  printTable(
    `low-stock in a real Node-RED runtime (${nodeRedPackage}), ${QUICK ? 20_000 : 200_000} messages per run, median of rounds`,
    ['levels', 'node', 'messages/s', 'µs per message', '× filter speed'],
    await runtimeBench(nodeRedPackage),
  );
  console.log('Target: low-stock at least as fast as core filter (× filter speed ≥ 1.00).');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
