// pos-in throughput and latency on loopback, beside Node-RED's core `http in` → `http response` with no
// checking at all, in the same run and the same runtime. The load comes from wrk (Debian's `wrk` package:
// C and epoll, so that on a 2-core machine the generator does not starve Node-RED of its core), 32
// connections, replaying requests signed before the run, each with a fresh id and a current timestamp.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchNodeRed } from '../dev/node-red-launcher';
import { repoRoot } from '../dev/repo-root';
import { genericSignature, sampleOrder } from '../test/support/pos-events';
import { printTable } from './table';

const SECRET = 'bench-secret';
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const run = promisify(execFile);

function signedOrder(): string {
  const body = JSON.stringify(sampleOrder());
  return `${genericSignature(SECRET, body)} ${body}`;
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
  // counts the events that leave pos-in, so that the table shows none lost and none repeated
  {
    id: 'count',
    type: 'function',
    z: 'tab',
    func: "global.set('events', (global.get('events') || 0) + 1); return null;",
    outputs: 1,
    wires: [],
  },
  { id: 'ask', type: 'http in', z: 'tab', url: '/bench/events', method: 'get', wires: [['tell']] },
  {
    id: 'tell',
    type: 'function',
    z: 'tab',
    func: "msg.payload = { events: global.get('events') || 0 }; return msg;",
    outputs: 1,
    wires: [['reply']],
  },
  { id: 'plain', type: 'http in', z: 'tab', url: '/bench/plain', method: 'post', wires: [['reply']] },
  { id: 'reply', type: 'http response', z: 'tab', statusCode: '200', headers: {}, wires: [] },
];

interface Run {
  name: string;
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const milliseconds = (text: string | undefined) => {
  const match = /([\d.]+)(us|ms|s)/.exec(text ?? '');
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
};

async function drive(name: string, url: string, seconds: number, dir: string): Promise<Run> {
  // more requests than the run can send, so that none repeats
  const file = join(dir, 'requests.txt');
  writeFileSync(file, Array.from({ length: seconds * 30_000 }, signedOrder).join('\n'));
  const script = join(repoRoot, 'bench', 'wrk-requests.lua');
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url, '--', file];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    name,
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1]),
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]),
    p50: milliseconds(/ 50%\s+(\S+)/.exec(stdout)?.[1]),
    p99: milliseconds(/ 99%\s+(\S+)/.exec(stdout)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** How many events have left pos-in so far (wrk may end with requests in flight, which still count). */
async function eventsOut(url: string): Promise<number> {
  const response = await fetch(`${url}/bench/events`);
  return ((await response.json()) as { events: number }).events;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-in-bench-'));
  const profile = process.env.BENCH_CPU_PROFILE;
  const nodeRed = await launchNodeRed(
    profile ? { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {},
  );
  try {
    await nodeRed.deploy(flows);
    const pos = `${nodeRed.url}/bench/pos`;
    const plain = `${nodeRed.url}/bench/plain`;
    await drive('warm-up', pos, 2, dir);
    await drive('warm-up', plain, 2, dir);
    const baseline = await drive('core http in → http response (no checks)', plain, DURATION_S, dir);
    const before = await eventsOut(nodeRed.url);
    const ours = await drive('pos-in (signature + window + dedupe + schema)', pos, DURATION_S, dir);
    const events = (await eventsOut(nodeRed.url)) - before;
    printTable(
      `pos-in on loopback: wrk, ${CONNECTIONS} connections, ${DURATION_S} s each, Node ${process.version}`,
      ['flow', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'socket errors', 'events out'],
      [baseline, ours].map((run) => [
        run.name,
        run.requests,
        Math.round(run.requestsPerSecond),
        run.p50,
        run.p99,
        run.non2xx,
        run.errors,
        run === ours ? events : '–',
      ]),
    );
    console.log(
      `pos-in / baseline throughput: ${(ours.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}× ` +
        '(target ≥ 2×, ≥ 10,000 events/s, p99 < 10 ms)',
    );
  } finally {
    await nodeRed.stop();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
