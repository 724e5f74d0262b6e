// pos-in throughput and latency on loopback, beside Node-RED's core `http in` → `http response` with no
// checking at all, in the same run and the same runtime. autocannon drives 32 connections; every pos-in
// request carries a fresh id, a current timestamp and a real signature.
import { createHmac, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { launchNodeRed } from '../dev/node-red-launcher';
import { printTable } from './table';

const SECRET = 'bench-secret';
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);

function signedOrder(): { body: string; signature: string } {
  const body = JSON.stringify({
    id: randomUUID(),
    event: 'transaction.completed',
    timestamp: new Date().toISOString(),
    storeId: 'HK-MK-001',
    data: {
      orderId: '1001',
      total: 128.5,
      currency: 'HKD',
      items: [{ sku: 'MILK-TEA-L', name: 'Milk tea (L)', quantity: 2, unitPrice: 32 }],
      customer: { id: 'C-88', name: 'Chan Tai Man', tier: 'VIP' },
      paymentMethod: 'octopus',
    },
  });
  return { body, signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
}

const flows = [
  { id: 'tab', type: 'tab', label: 'bench' },
  {
    id: 'pos',
    type: 'pos-in',
    z: 'tab',
    path: '/bench/pos',
    scheme: 'generic',
    credentials: { secret: SECRET },
    wires: [['count']],
  },
  { id: 'count', type: 'function', z: 'tab', func: 'return null;', outputs: 1, wires: [] },
  { id: 'plain', type: 'http in', z: 'tab', url: '/bench/plain', method: 'post', wires: [['reply']] },
  { id: 'reply', type: 'http response', z: 'tab', statusCode: '200', headers: {}, wires: [] },
];

interface Run {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function drive(name: string, url: string, signed: boolean, seconds: number): Promise<Run> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const { body, signature } = signedOrder();
          return {
            ...request,
            body,
            headers: { ...request.headers, ...(signed ? { 'x-webhook-signature': signature } : {}) },
          };
        },
      },
    ],
  });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function main(): Promise<void> {
  const profile = process.env.BENCH_CPU_PROFILE;
  const nodeRed = await launchNodeRed(
    profile ? { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {},
  );
  try {
    await nodeRed.deploy(flows);
    const pos = `${nodeRed.url}/bench/pos`;
    const plain = `${nodeRed.url}/bench/plain`;
    await drive('warm-up', pos, true, 2);
    await drive('warm-up', plain, false, 2);
    const baseline = await drive('core http in → http response (no checks)', plain, false, DURATION_S);
    const ours = await drive('pos-in (signature + window + dedupe + schema)', pos, true, DURATION_S);
    printTable(
      `pos-in on loopback, ${CONNECTIONS} connections, ${DURATION_S} s each, Node ${process.version}`,
      ['flow', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
      [baseline, ours].map((run) => [
        run.name,
        Math.round(run.requestsPerSecond),
        run.p50,
        run.p99,
        run.non2xx,
        run.errors,
      ]),
    );
    console.log(
      `pos-in / baseline throughput: ${(ours.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}× ` +
        '(target ≥ 2×, ≥ 10,000 events/s, p99 < 10 ms)',
    );
  } finally {
    await nodeRed.stop();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
