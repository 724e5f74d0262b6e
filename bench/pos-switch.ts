// pos-switch benchmarks.
//
// 1. Core: rule evaluations per second for a 10-rule set over a realistic mix of POS events, first-match and
//    every-match, beside a hand-written JavaScript function with the same logic (plain floats, no checks) as the
//    ceiling, in the same run.
// 2. Real runtime: per-message cost of pos-switch beside core `switch` with equivalent rules, in one Node-RED (a
//    child process with the package installed), fed by the same generator in the same run. A source node sends
//    N events down one path at a time; a sink answers the HTTP request that started the run when all N have
//    arrived. The direct path (source → sink) is the baseline; a switch path's extra cost is the difference.
//
// BENCH_SECONDS scales the core runs (default 2 s each); BENCH_MESSAGES the runtime batches (default 20,000);
// BENCH_ROUNDS the runtime rounds (default 5; the median is reported).

import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtPackageDir, type FlowNode, launchNodeRed } from '../dev/node-red-launcher';
import { compileRules } from '../nodes/core/rules/compile';
import type { RuleDef, RuleSetDef } from '../nodes/core/rules/definitions';
import { median } from './stats';
import { printTable } from './table';

const CORE_SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// ---- Events: a deterministic mix of canonical POS events ---------------------------------------------------

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeEvents(count: number, seed = 42): Record<string, unknown>[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const stores = ['HK-MK-001', 'HK-TST-002', 'TW-TPE-003', 'TW-KHH-004', 'CN-SZ-005'];
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rnd();
    const base = {
      id: `evt_${seed}_${i}`,
      timestamp: '2026-11-20T08:30:00+08:00',
      storeId: pick(stores),
    };
    if (kind < 0.6) {
      const cents = Math.floor(rnd() * 80_000);
      const total = rnd() < 0.3 ? (cents / 100).toFixed(2) : cents / 100;
      const tier = pick(['VIP', 'Gold', 'Silver', undefined]);
      events.push({
        ...base,
        event: 'transaction.completed',
        data: {
          orderId: String(1000 + i),
          total,
          currency: 'HKD',
          items: [
            { sku: 'MILK-TEA-L', name: '港式奶茶 (大)', quantity: 1 + Math.floor(rnd() * 3), unitPrice: 32 },
          ],
          ...(tier ? { customer: { id: `C-${i}`, name: '陳大文', tier } } : {}),
          paymentMethod: pick(['octopus', 'cash', 'alipay', 'wechat', 'visa']),
        },
      });
    } else if (kind < 0.7) {
      events.push({
        ...base,
        event: 'transaction.refunded',
        data: { orderId: String(i), amount: Math.floor(rnd() * 30_000) / 100, currency: 'HKD' },
      });
    } else if (kind < 0.9) {
      events.push({
        ...base,
        event: 'inventory.changed',
        data: {
          sku: 'MILK-TEA-BASE',
          quantity: Math.floor(rnd() * 200) / 10,
          unit: pick(['kg', 'L', 'pcs']),
        },
      });
    } else {
      events.push({
        ...base,
        event: 'vehicle.position',
        data: {
          vehicleId: pick(['VAN-7', 'VAN-8', 'TRUCK-2']),
          lat: 22.3,
          lng: 114.17,
          speed: Math.floor(rnd() * 300) / 10,
        },
      });
    }
  }
  return events;
}

// ---- The core 10-rule set ----------------------------------------------------------------------------------

const cond = (field: string, op: string, value?: string, valueType?: string, value2?: string) =>
  ({
    field,
    op,
    value,
    valueType,
    value2,
    value2Type: value2 === undefined ? undefined : valueType,
  }) as RuleDef['conditions'][number];

export const TEN_RULES: RuleDef[] = [
  {
    name: 'Big VIP order',
    conditions: [cond('data.total', 'gte', '500', 'num'), cond('data.customer.tier', 'eq', 'VIP', 'str')],
  },
  {
    name: 'Big refund',
    conditions: [cond('event', 'eq', 'transaction.refunded', 'str'), cond('data.amount', 'gt', '100', 'num')],
  },
  {
    name: 'Low stock',
    conditions: [cond('event', 'eq', 'inventory.changed', 'str'), cond('data.quantity', 'lt', '5', 'num')],
  },
  {
    name: 'Bulk stock',
    conditions: [
      cond('event', 'eq', 'inventory.changed', 'str'),
      cond('data.unit', 'oneOf', 'kg, L', 'list'),
    ],
  },
  {
    name: 'Fast van',
    conditions: [cond('data.vehicleId', 'startsWith', 'VAN', 'str'), cond('data.speed', 'gt', '20', 'num')],
  },
  { name: 'Taiwan', conditions: [cond('storeId', 'matches', '^TW-', 're')] },
  { name: 'E-wallet', conditions: [cond('data.paymentMethod', 'oneOf', 'octopus, alipay, wechat', 'list')] },
  { name: 'Mid order', conditions: [cond('data.total', 'between', '100', 'num', '499.99')] },
  { name: 'Walk-in', conditions: [cond('data.customer.tier', 'missing')] },
  { name: 'Sale', conditions: [cond('event', 'eq', 'transaction.completed', 'str')] },
];

type Msg = { payload: Record<string, unknown> };

/** The same logic written by hand, as a developer would in a function node: floats, no checks. */
function handWritten(msg: Msg, all: boolean): number[] {
  const e = msg.payload as {
    event: string;
    storeId: string;
    data: Record<string, unknown> & { customer?: { tier?: string } };
  };
  const d = e.data;
  const total = Number(d.total);
  const out: number[] = [];
  const hit = (port: number) => {
    out.push(port);
    return !all;
  };
  if (d.total !== undefined && total >= 500 && d.customer?.tier === 'VIP' && hit(0)) return out;
  if (e.event === 'transaction.refunded' && Number(d.amount) > 100 && hit(1)) return out;
  if (e.event === 'inventory.changed' && Number(d.quantity) < 5 && hit(2)) return out;
  if (e.event === 'inventory.changed' && (d.unit === 'kg' || d.unit === 'L') && hit(3)) return out;
  if (typeof d.vehicleId === 'string' && d.vehicleId.startsWith('VAN') && Number(d.speed) > 20 && hit(4))
    return out;
  if (/^TW-/.test(e.storeId) && hit(5)) return out;
  if (['octopus', 'alipay', 'wechat'].includes(d.paymentMethod as string) && hit(6)) return out;
  if (d.total !== undefined && total >= 100 && total <= 499.99 && hit(7)) return out;
  if (d.customer?.tier == null && hit(8)) return out;
  if (e.event === 'transaction.completed' && hit(9)) return out;
  if (out.length === 0) out.push(10);
  return out;
}

function timeLoop(seconds: number, body: () => number): { perSecond: number; nsPerCall: number } {
  // Warm up, then run whole passes until the time is up.
  const warmEnd = performance.now() + Math.min(500, seconds * 250);
  while (performance.now() < warmEnd) body();
  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    calls += body();
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  return { perSecond: calls / elapsed, nsPerCall: (elapsed * 1e9) / calls };
}

export function coreBenchmark(seconds = CORE_SECONDS): void {
  const messages: Msg[] = makeEvents(10_000).map((payload) => ({ payload }));
  const rows: (string | number)[][] = [];
  let sink = 0;
  for (const mode of ['first', 'all'] as const) {
    const def: RuleSetDef = { rules: TEN_RULES, mode, unmatched: 'otherwise' };
    const compileStart = performance.now();
    const compiled = compileRules(def);
    const compileMs = performance.now() - compileStart;
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const rules = compiled.ruleSet;
    // Rules evaluated per event: up to the first match in "first" mode, all ten in "all" mode.
    let evaluated = 0;
    for (const msg of messages) {
      const ports = rules.route(msg);
      evaluated += mode === 'all' ? 10 : Math.min(10, (ports[0] ?? 9) + 1);
      const expected = handWritten(msg, mode === 'all');
      if (JSON.stringify(expected) !== JSON.stringify(ports)) {
        throw new Error(`hand-written baseline disagrees on ${JSON.stringify(msg)}: ${expected} vs ${ports}`);
      }
    }
    const perEvent = evaluated / messages.length;
    const ours = timeLoop(seconds, () => {
      for (const msg of messages) sink += rules.route(msg).length;
      return messages.length;
    });
    const plain = timeLoop(seconds, () => {
      for (const msg of messages) sink += handWritten(msg, mode === 'all').length;
      return messages.length;
    });
    rows.push([
      `pos-switch core, ${mode === 'first' ? 'first match' : 'every match'} (compiled in ${compileMs.toFixed(2)} ms)`,
      Math.round(ours.perSecond).toLocaleString('en'),
      Math.round(ours.perSecond * perEvent).toLocaleString('en'),
      ours.nsPerCall.toFixed(0),
    ]);
    rows.push([
      `hand-written JS, ${mode === 'first' ? 'first match' : 'every match'} (floats, no checks)`,
      Math.round(plain.perSecond).toLocaleString('en'),
      Math.round(plain.perSecond * perEvent).toLocaleString('en'),
      plain.nsPerCall.toFixed(0),
    ]);
  }
  printTable(
    `pos-switch core: a 10-rule set over 10,000 mixed POS events, ${seconds} s per row, Node ${process.version}`,
    ['evaluator', 'events/s', 'rule evaluations/s', 'ns/event'],
    rows,
  );
  if (sink < 0) console.log(sink);
}

// ---- Real runtime ------------------------------------------------------------------------------------------

/** Ten rules on one field (so core switch can express them natively): bands of the order total. */
const BANDS = [10, 20, 50, 100, 150, 200, 300, 500, 800];
/** Ten event types (four real ones and six that never come), routed by name. */
const TYPES = [
  'order.voided',
  'shift.opened',
  'shift.closed',
  'transaction.refunded',
  'inventory.changed',
  'customer.created',
  'vehicle.position',
  'drawer.opened',
  'transaction.completed',
  'price.changed',
];

interface Scenario {
  key: string;
  title: string;
  core: Record<string, unknown>;
  ours: Record<string, unknown>;
}

function scenarios(): Scenario[] {
  const bandsCore = [
    { t: 'lt', v: '10', vt: 'num' },
    ...BANDS.slice(0, -1).map((low, i) => ({
      t: 'btwn',
      v: String(low),
      vt: 'num',
      v2: String(BANDS[i + 1]),
      v2t: 'num',
    })),
    { t: 'gte', v: '800', vt: 'num' },
    { t: 'else' },
  ];
  const bandsOurs: RuleDef[] = [
    { conditions: [cond('data.total', 'lt', '10', 'num')] },
    ...BANDS.slice(0, -1).map((low, i) => ({
      conditions: [cond('data.total', 'between', String(low), 'num', String(BANDS[i + 1]))],
    })),
    { conditions: [cond('data.total', 'gte', '800', 'num')] },
  ];
  const typesCore = [...TYPES.map((type) => ({ t: 'eq', v: type, vt: 'str' })), { t: 'else' }];
  const typesOurs: RuleDef[] = TYPES.map((type) => ({ conditions: [cond('event', 'eq', type, 'str')] }));
  // The multi-field 10-rule set: core switch can only say it with one JSONata expression per rule.
  const jsonata = [
    '$number(payload.data.total) >= 500 and payload.data.customer.tier = "VIP"',
    'payload.event = "transaction.refunded" and payload.data.amount > 100',
    'payload.event = "inventory.changed" and payload.data.quantity < 5',
    'payload.event = "inventory.changed" and payload.data.unit in ["kg", "L"]',
    '$contains($string(payload.data.vehicleId), /^VAN/) and payload.data.speed > 20',
    '$contains(payload.storeId, /^TW-/)',
    'payload.data.paymentMethod in ["octopus", "alipay", "wechat"]',
    '$number(payload.data.total) >= 100 and $number(payload.data.total) <= 499.99',
    '$not($exists(payload.data.customer.tier))',
    'payload.event = "transaction.completed"',
  ];
  const tenCore = [...jsonata.map((v) => ({ t: 'jsonata_exp', v, vt: 'jsonata' })), { t: 'else' }];
  return [
    {
      key: 'bands',
      title: '10 bands of data.total (number and "128.50" text)',
      core: { property: 'payload.data.total', propertyType: 'msg', rules: bandsCore, checkall: 'false' },
      ours: { rules: bandsOurs, mode: 'first', unmatched: 'otherwise' },
    },
    {
      key: 'types',
      title: '10 event types by name',
      core: { property: 'payload.event', propertyType: 'msg', rules: typesCore, checkall: 'false' },
      ours: { rules: typesOurs, mode: 'first', unmatched: 'otherwise' },
    },
    {
      key: 'ten',
      title: 'the multi-field 10-rule set (core switch: JSONata rules)',
      core: { property: 'payload', propertyType: 'msg', rules: tenCore, checkall: 'false' },
      ours: { rules: TEN_RULES, mode: 'first', unmatched: 'otherwise' },
    },
  ];
}

// The generator and the sink are two tiny nodes of the benchmark's own (installed beside pos-switch), so that a
// path costs only Node-RED's message passing plus the switch under test, timed with a nanosecond clock.
const BENCH_NODES_JS = `
module.exports = function (RED) {
  const events = require('./bench-events.json');
  const run = { n: 0, count: 0, start: 0n, res: undefined, req: undefined };
  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const outputs = Number(config.outputs);
    this.on('input', (msg, send, done) => {
      const target = Number(msg.payload.target);
      const n = Number(msg.payload.n);
      Object.assign(run, { n, count: 0, res: msg.res, req: msg.req, start: process.hrtime.bigint() });
      for (let i = 0; i < n; i++) {
        const out = new Array(outputs).fill(null);
        out[target] = { payload: events[i % events.length] };
        send(out);
      }
      done();
    });
  }
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      run.count++;
      if (run.count === run.n) {
        const ns = Number(process.hrtime.bigint() - run.start);
        send({ res: run.res, req: run.req, payload: { ns, n: run.n } });
      }
      done();
    });
  }
  RED.nodes.registerType('bench-source', BenchSource);
  RED.nodes.registerType('bench-sink', BenchSink);
};
`;

const BENCH_NODES_HTML = ['bench-source', 'bench-sink']
  .map(
    (type) => `<script type="text/html" data-template-name="${type}"></script>
<script type="text/javascript">RED.nodes.registerType('${type}', { category: 'retail', defaults: {}, inputs: 1, outputs: 1 });</script>`,
  )
  .join('\n');

function benchFlows(list: Scenario[]): { flows: FlowNode[]; paths: { name: string; scenario?: string }[] } {
  const paths: { name: string; scenario?: string }[] = [{ name: 'direct (source → sink)' }];
  const nodes: FlowNode[] = [];
  const generatorWires: string[][] = [['sink']];
  for (const s of list) {
    for (const [kind, props, outputs] of [
      ['core', s.core, (s.core.rules as unknown[]).length],
      ['ours', s.ours, (s.ours.rules as unknown[]).length + 1],
    ] as const) {
      const id = `${kind}-${s.key}`;
      generatorWires.push([id]);
      paths.push({ name: kind === 'core' ? 'core switch' : 'pos-switch', scenario: s.title });
      nodes.push({
        id,
        type: kind === 'core' ? 'switch' : 'pos-switch',
        z: 'bench',
        ...props,
        outputs,
        wires: Array.from({ length: outputs }, () => ['sink']),
      });
    }
  }
  const flows: FlowNode[] = [
    { id: 'bench', type: 'tab', label: 'pos-switch bench' },
    { id: 'run', type: 'http in', z: 'bench', url: '/bench/switch', method: 'post', wires: [['source']] },
    { id: 'source', type: 'bench-source', z: 'bench', outputs: generatorWires.length, wires: generatorWires },
    ...nodes,
    { id: 'sink', type: 'bench-sink', z: 'bench', wires: [['reply']] },
    { id: 'reply', type: 'http response', z: 'bench', statusCode: '200', headers: {}, wires: [] },
  ];
  return { flows, paths };
}

/**
 * The built package with only pos-switch (and the benchmark's source and sink) in its node map, so that the
 * benchmark does not depend on the other nodes.
 */
function packageWithPosSwitch(events: Record<string, unknown>[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pos-switch-bench-pkg-'));
  const built = JSON.parse(readFileSync(join(builtPackageDir, 'package.json'), 'utf8')) as { name: string };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: built.name,
      version: '0.0.0-bench',
      'node-red': {
        version: '>=4.1.0',
        nodes: { 'pos-switch': 'nodes/pos-switch/pos-switch.js', 'bench-nodes': 'bench-nodes.js' },
      },
    }),
  );
  symlinkSync(join(builtPackageDir, 'nodes'), join(dir, 'nodes'), 'dir');
  writeFileSync(join(dir, 'bench-nodes.js'), BENCH_NODES_JS);
  writeFileSync(join(dir, 'bench-nodes.html'), BENCH_NODES_HTML);
  writeFileSync(join(dir, 'bench-events.json'), JSON.stringify(events));
  return dir;
}

export async function runtimeBenchmark(
  nodeRedPackage = process.env.NODE_RED_PACKAGE ?? 'node-red',
): Promise<void> {
  const list = scenarios();
  const { flows, paths } = benchFlows(list);
  const packageDir = packageWithPosSwitch(makeEvents(2_000, 7));
  const nodeRed = await launchNodeRed({
    nodeRedPackage,
    packageDir,
    flows,
    // (info level: the launcher waits for Node-RED's "Server now running" and "Started flows" lines)
    settings: { logging: { console: { level: 'info' } } },
  });
  try {
    const run = async (target: number, n: number): Promise<number> => {
      const response = await fetch(`${nodeRed.url}/bench/switch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ target, n }),
      });
      if (!response.ok) throw new Error(`run ${target}: ${response.status} ${await response.text()}`);
      const { ns } = (await response.json()) as { ns: number };
      return ns;
    };
    // Check that each switch path delivers every message before timing anything (a broken path would hang).
    for (let target = 0; target < paths.length; target++) await run(target, 200);
    for (let target = 0; target < paths.length; target++) await run(target, Math.min(MESSAGES, 5_000));
    // Rounds visit every path, in reverse order every other round, so that a slow spell of a shared machine
    // does not fall on one path only; each round also yields a core/pos-switch ratio per rule set, taken from
    // runs made one after the other.
    const samples: number[][] = paths.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const order = paths.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const target of order) {
        const path = paths[target];
        const messages =
          path?.name === 'core switch' && path.scenario?.includes('JSONata')
            ? Math.max(1_000, Math.floor(MESSAGES / 10))
            : MESSAGES;
        (samples[target] as number[]).push((await run(target, messages)) / 1000 / messages);
      }
    }
    const perMessage = samples.map(median);
    const direct = perMessage[0] as number;
    const rows = paths.map((path, i) => {
      const us = perMessage[i] as number;
      return [
        path.scenario ?? '(baseline)',
        path.name,
        Math.round(1e6 / us).toLocaleString('en'),
        us.toFixed(2),
        i === 0 ? '' : (us - direct).toFixed(2),
      ];
    });
    printTable(
      `pos-switch beside core switch in a real Node-RED (${nodeRedPackage}), ${MESSAGES.toLocaleString('en')} events per batch, median of ${ROUNDS} rounds, Node ${process.version}`,
      ['rules', 'path', 'events/s', 'µs/event', 'switch µs/event (over direct)'],
      rows,
    );
    for (let i = 1; i < paths.length; i += 2) {
      const core = samples[i] as number[];
      const ours = samples[i + 1] as number[];
      const ratios = core.map((c, round) => c / (ours[round] as number));
      console.log(
        `${paths[i]?.scenario}: pos-switch throughput ${median(ratios).toFixed(2)}× core switch ` +
          `(median of ${ROUNDS} paired rounds, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target ≥ 1×)`,
      );
    }
  } finally {
    await nodeRed.stop();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
    rmSync(packageDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  coreBenchmark();
  await runtimeBenchmark();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
