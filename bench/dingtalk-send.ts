// dingtalk-send on loopback: input-to-stand-in latency (p50/p99) and throughput, with the robot's limiter
// set high, beside Node-RED's core `http request` node posting the same body to the same stand-in, in the
// same run and the same runtime. Both paths start identically (http in → function → [reply, work]); the work
// message goes to dingtalk-send (template, keyword guard, signing, outbox journal, dispatcher, undici) or to
// `http request` (a fixed URL, no signing). The bench process stamps the trigger and the stand-in's arrival
// with the same high-resolution clock, so the difference between the two paths is our overhead.
//   BENCH_SAMPLES (default 2000) sequential messages per path for latency; BENCH_SECONDS (default 10) of
//   BENCH_CONCURRENCY (default 16) closed-loop senders per path for throughput.

import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { type AcceptedMessage, type StandIn, start } from '../dev/dingtalk-standin/index';
import { launchNodeRed } from '../dev/node-red-launcher';
import { quantile } from './stats';
import { printTable } from './table';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TOKEN = 'bench-robot-token';
const BASELINE_TOKEN = 'bench-baseline-token';
const SECRET = 'SECbe0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c4b3e0c';

type Path = 'ours' | 'baseline';

function flows(standin: StandIn) {
  const split = (path: Path) =>
    [
      'const id = msg.payload && msg.payload.id;',
      path === 'ours'
        ? 'const work = { payload: { id: id, storeId: "HK-MK-001" } };'
        : 'const work = { payload: { msgtype: "text", text: { content: "Bench " + id + " at HK-MK-001" } } };',
      'msg.payload = "ok";',
      'return [msg, work];',
    ].join('\n');
  return [
    { id: 'tab', type: 'tab', label: 'bench' },
    {
      id: 'robot',
      type: 'dingtalk-robot',
      name: 'bench',
      keywords: '',
      ratePerMinute: 1_000_000_000,
      digest: true,
      credentials: { webhook: standin.webhookUrl(TOKEN), secret: SECRET },
    },
    ...(['ours', 'baseline'] as const).flatMap((path) => [
      {
        id: `in-${path}`,
        type: 'http in',
        z: 'tab',
        url: `/bench/${path}`,
        method: 'post',
        wires: [[`split-${path}`]],
      },
      {
        id: `split-${path}`,
        type: 'function',
        z: 'tab',
        func: split(path),
        outputs: 2,
        wires: [[`reply-${path}`], [`work-${path}`]],
      },
      { id: `reply-${path}`, type: 'http response', z: 'tab', statusCode: '200', headers: {}, wires: [] },
    ]),
    {
      id: 'work-ours',
      type: 'dingtalk-send',
      z: 'tab',
      robot: 'robot',
      source: 'template',
      msgtype: 'text',
      text: 'Bench {{payload.id}} at {{payload.storeId}}',
      wires: [[], []],
    },
    {
      id: 'work-baseline',
      type: 'http request',
      z: 'tab',
      method: 'POST',
      ret: 'txt',
      paytoqs: 'ignore',
      url: standin.webhookUrl(BASELINE_TOKEN),
      wires: [[]],
    },
  ];
}

const ID = /Bench (\S+) at/;

/** Resolves each trigger when the stand-in accepts the message that carries its id. */
class Arrivals {
  private readonly waiting = new Map<string, (at: number) => void>();

  constructor(standin: StandIn) {
    standin.on('accepted', (message: AcceptedMessage) => {
      const at = performance.now();
      const content = (message.body.text as { content?: string } | undefined)?.content ?? '';
      const id = ID.exec(content)?.[1];
      if (!id) return;
      const resolve = this.waiting.get(id);
      this.waiting.delete(id);
      resolve?.(at);
    });
  }

  expect(id: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

let nextId = 0;

async function one(agent: Agent, url: string, arrivals: Arrivals): Promise<number> {
  const id = String(++nextId);
  const arrived = arrivals.expect(id);
  const t0 = performance.now();
  const res = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  await res.body.dump();
  return (await arrived) - t0;
}

async function latency(agent: Agent, url: string, arrivals: Arrivals, samples: number) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await one(agent, url, arrivals));
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

async function throughput(agent: Agent, url: string, arrivals: Arrivals, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await one(agent, url, arrivals);
        done++;
      }
    }),
  );
  return done / seconds;
}

const ms = (value: number) => value.toFixed(2);

export async function main(): Promise<void> {
  const standin = await start({
    token: TOKEN,
    secret: SECRET,
    robots: [{ token: BASELINE_TOKEN, name: 'baseline' }],
    ratePerMinute: Number.MAX_SAFE_INTEGER,
    keepAnswers: 1,
  });
  const nodeRed = await launchNodeRed({ settings: { dingtalkAllowedHosts: [standin.hostPort] } });
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: CONCURRENCY });
  const arrivals = new Arrivals(standin);
  // The stand-in keeps every accepted message for its page; a benchmark only needs the arrival events.
  standin.on('accepted', () => {
    standin.messages.length = 0;
  });
  try {
    await nodeRed.deploy(flows(standin));
    const url = (path: Path) => `${nodeRed.url}/bench/${path}`;
    for (const path of ['ours', 'baseline'] as const) await latency(agent, url(path), arrivals, 200);

    const lat = {
      baseline: await latency(agent, url('baseline'), arrivals, SAMPLES),
      ours: await latency(agent, url('ours'), arrivals, SAMPLES),
    };
    const rate = {
      baseline: await throughput(agent, url('baseline'), arrivals, SECONDS),
      ours: await throughput(agent, url('ours'), arrivals, SECONDS),
    };
    const answers = standin.answerCounts();
    printTable(
      `dingtalk-send on loopback: input → stand-in, ${SAMPLES} sequential messages for latency, ` +
        `${CONCURRENCY} senders × ${SECONDS} s for throughput, Node ${process.version}`,
      ['path', 'p50 ms', 'p99 ms', 'messages/s'],
      [
        [
          'core http request (baseline: same body, no signing)',
          ms(lat.baseline.p50),
          ms(lat.baseline.p99),
          Math.round(rate.baseline),
        ],
        [
          'dingtalk-send (template, sign, outbox, dispatcher)',
          ms(lat.ours.p50),
          ms(lat.ours.p99),
          Math.round(rate.ours),
        ],
        [
          'overhead (dingtalk-send − baseline)',
          ms(lat.ours.p50 - lat.baseline.p50),
          ms(lat.ours.p99 - lat.baseline.p99),
          `${(rate.ours / rate.baseline).toFixed(2)}×`,
        ],
      ],
    );
    console.log(
      `target: overhead p99 < 2 ms (${lat.ours.p99 - lat.baseline.p99 < 2 ? 'met' : 'NOT met'}), ` +
        `throughput ≥ baseline (${rate.ours >= rate.baseline ? 'met' : 'NOT met'}); stand-in answers: ` +
        JSON.stringify(answers),
    );
  } finally {
    await agent.close();
    await nodeRed.stop();
    await standin.close();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
