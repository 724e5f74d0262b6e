// DingTalk delivery core: cost per alert of build + sign + classify, and the dispatcher's own overhead
// (no-op transport; memory and journal outbox; loopback HTTP through undici), each beside a baseline
// measured in the same run. Usage: node .build/<you>/bench/dingtalk-core.js [--n 2000]

import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildMessage,
  buildRequestUrl,
  classifyAnswer,
  createUndiciTransport,
  Dispatcher,
  LocalOutbox,
  type OutboxStore,
  parseRobotAddress,
  type RobotAddress,
  type SendConfig,
  type Transport,
} from '../nodes/core/dingtalk';
import { quantile } from './stats';

interface Row {
  name: string;
  n: number;
  p50us: number;
  p99us: number;
  perSec: number;
}

const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
const OK_BODY = '{"errcode":0,"errmsg":"ok"}';
const event = {
  topic: 'inventory.changed',
  payload: {
    id: 'evt_01J9Z6Q0R3',
    storeId: 'HK-MK-001',
    data: {
      sku: 'MILK-TEA-L',
      name: '珍珠奶茶（大） Milk tea (L)',
      quantity: 3,
      unit: 'pcs',
      previousQuantity: 12,
    },
  },
};
const config: SendConfig = {
  source: 'template',
  template: {
    type: 'markdown',
    title: 'Low stock {{payload.data.sku}}',
    text: '#### Low stock at {{payload.storeId}}\n\n- **{{payload.data.name}}** ({{payload.data.sku}})\n- {{payload.data.quantity}} {{payload.data.unit}} left (was {{payload.data.previousQuantity}})',
  },
  mentions: { atMobiles: ['13800000000'] },
  keywords: ['ALERT'],
};

function row(name: string, samples: number[], totalMs: number): Row {
  return {
    name,
    n: samples.length,
    p50us: Math.round(quantile(samples, 0.5) * 1000 * 10) / 10,
    p99us: Math.round(quantile(samples, 0.99) * 1000 * 10) / 10,
    perSec: Math.round((samples.length / totalMs) * 1000),
  };
}

function timeEach(name: string, n: number, fn: (i: number) => void): Row {
  for (let i = 0; i < Math.min(200, n); i++) fn(i); // warm-up
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    samples.push(performance.now() - t);
  }
  return row(name, samples, performance.now() - start);
}

/** Closed loop: submit one alert, wait for its result, next. Latency = submit → result. */
async function closedLoop(name: string, n: number, d: Dispatcher): Promise<Row> {
  await d.start();
  const message = { msgtype: 'text' as const, text: { content: 'ALERT bench' } };
  const samples: number[] = [];
  let resolveNext: (() => void) | undefined;
  d.onResult(() => resolveNext?.());
  const once = async () => {
    const t = performance.now();
    const done = new Promise<void>((resolve) => {
      resolveNext = resolve;
    });
    await d.submit({ message });
    await done;
    return performance.now() - t;
  };
  for (let i = 0; i < Math.min(100, n); i++) await once();
  const start = performance.now();
  for (let i = 0; i < n; i++) samples.push(await once());
  const total = performance.now() - start;
  await d.close();
  return row(name, samples, total);
}

/** Open loop: submit n alerts at once, measure until all are settled. */
async function burst(name: string, n: number, d: Dispatcher): Promise<Row> {
  await d.start();
  const message = { msgtype: 'text' as const, text: { content: 'ALERT bench' } };
  const accepted = new Map<string, number>();
  const samples: number[] = [];
  let left = n;
  const all = new Promise<void>((resolve) => {
    d.onResult((r) => {
      samples.push(performance.now() - (accepted.get(r.id) ?? 0));
      if (--left === 0) resolve();
    });
  });
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const id = `a${i}`;
    accepted.set(id, performance.now());
    void d.submit({ message, id });
  }
  await all;
  const total = performance.now() - start;
  await d.close();
  return row(name, samples, total);
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<Row[]> {
  const nArg = argv.indexOf('--n');
  const n = nArg >= 0 ? Number(argv[nArg + 1]) : 2000;
  const parsed = parseRobotAddress('0123456789abcdef0123456789abcdef');
  if (!parsed.ok) throw new Error('address');
  const address: RobotAddress = parsed.address;
  const rows: Row[] = [];
  const built = buildMessage(config, event);
  if (!built.ok) throw new Error(built.problem.text);
  const fixed = built.message;

  rows.push(
    timeEach('baseline: JSON.stringify + HMAC-SHA256', n, (i) => {
      JSON.stringify(fixed);
      createHmac('sha256', SECRET)
        .update(`${1_700_000_000_000 + i}\n${SECRET}`)
        .digest('base64');
    }),
  );
  rows.push(
    timeEach('build message (template, mentions, keyword, zod, size)', n, () => buildMessage(config, event)),
  );
  rows.push(
    timeEach('build + sign URL + stringify + classify', n, (i) => {
      const r = buildMessage(config, event);
      if (!r.ok) throw new Error('build');
      buildRequestUrl(address, SECRET, 1_700_000_000_000 + i);
      JSON.stringify(r.message);
      classifyAnswer({ status: 200, body: OK_BODY });
    }),
  );

  const noop: Transport = async () => ({ status: 200, body: OK_BODY });
  const fast = { address, secret: SECRET, transport: noop, ratePerWindow: 1_000_000_000 };
  rows.push(
    await closedLoop('dispatcher, no-op transport, memory outbox (one at a time)', n, new Dispatcher(fast)),
  );
  rows.push(
    await burst(`dispatcher, no-op transport, memory outbox (${n} at once)`, n, new Dispatcher(fast)),
  );
  const dir = mkdtempSync(join(tmpdir(), 'dt-bench-'));
  try {
    const store: OutboxStore = new LocalOutbox({ file: join(dir, 'outbox.jsonl') });
    rows.push(
      await closedLoop(
        'dispatcher, no-op transport, journal outbox (one at a time)',
        n,
        new Dispatcher({ ...fast, store }),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // loopback HTTP: a bare undici request vs. the same through the dispatcher
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(OK_BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/robot/send?access_token=0123456789abcdef`;
  const loop = parseRobotAddress(base, { allowOtherHost: true });
  if (!loop.ok) throw new Error('loopback address');
  const http = createUndiciTransport();
  try {
    const m = Math.min(n, 1000);
    const body = JSON.stringify(fixed);
    for (let i = 0; i < 100; i++) await http({ url: base, body, timeoutMs: 5000 });
    const samples: number[] = [];
    const start = performance.now();
    for (let i = 0; i < m; i++) {
      const t = performance.now();
      await http({ url: buildRequestUrl(loop.address, SECRET, Date.now()), body, timeoutMs: 5000 });
      samples.push(performance.now() - t);
    }
    rows.push(row('baseline: bare undici POST on loopback', samples, performance.now() - start));
    rows.push(
      await closedLoop(
        'dispatcher → loopback stand-in (undici keep-alive)',
        m,
        new Dispatcher({
          address: loop.address,
          secret: SECRET,
          transport: http,
          ratePerWindow: 1_000_000_000,
        }),
      ),
    );
  } finally {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(
    `${'case'.padEnd(w)}  ${'n'.padStart(6)}  ${'p50 µs'.padStart(9)}  ${'p99 µs'.padStart(9)}  ${'per s'.padStart(9)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${String(r.n).padStart(6)}  ${String(r.p50us).padStart(9)}  ${String(r.p99us).padStart(9)}  ${String(r.perSec).padStart(9)}`,
    );
  }
  return rows;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
