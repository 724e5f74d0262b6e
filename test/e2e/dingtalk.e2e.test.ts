import assert from 'node:assert/strict';
import { readFileSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import { type Answer, type StandIn, start } from '../../dev/dingtalk-standin/index';
import { type FlowNode, launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { type Collector, collectorNodes, startCollector } from '../support/collector';

const TOKEN = 'e2e-standin-token';
const SECRET = 'SEC5e2e0123456789abcdef0123456789abcdef0123456789abcdef012345678';
/** The rate window, shortened through settings.js (dingtalkRateWindowMs) and the stand-in alike. */
const WINDOW_MS = 3_000;
const nodeRedPackage = process.env.NODE_RED_PACKAGE ?? 'node-red';

/** `$` `{NAME}`: a credential read from the environment variable NAME. */
const envRef = (name: string) => `$${'{'}${name}}`;

function flows(collectorUrl: string): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'DingTalk' },
    {
      id: 'robot',
      type: 'dingtalk-robot',
      name: 'store ops',
      keywords: '',
      ratePerMinute: 20,
      digest: true,
      // as the example flows do: the secrets stay in the environment
      credentials: { webhook: envRef('DINGTALK_WEBHOOK'), secret: envRef('DINGTALK_SECRET') },
    },
    ...(['one', 'burst'] as const).map((id) => ({
      id,
      type: 'inject',
      z: 'tab',
      props: [{ p: 'payload' }],
      payload: JSON.stringify({ count: id === 'one' ? 1 : 500 }),
      payloadType: 'json',
      repeat: '',
      once: false,
      wires: [['alerts']],
    })),
    {
      id: 'alerts',
      type: 'function',
      z: 'tab',
      name: 'numbered alerts',
      func: [
        "const first = context.get('next') || 0;",
        'for (let i = 0; i < msg.payload.count; i++) {',
        "  node.send({ topic: 'alert', payload: { id: 'A' + (first + i), storeId: 'HK-MK-001' } });",
        '}',
        "context.set('next', first + msg.payload.count);",
        'return null;',
      ].join('\n'),
      outputs: 1,
      wires: [['send']],
    },
    {
      id: 'send',
      type: 'dingtalk-send',
      z: 'tab',
      robot: 'robot',
      source: 'template',
      msgtype: 'text',
      text: 'Alert {{payload.id}} at {{payload.storeId}}',
      mentionsFromMsg: true,
      wires: [['sent'], ['failed']],
    },
    ...collectorNodes('sent', 'tab', collectorUrl, ['topic', 'payload', 'dingtalk']),
    ...collectorNodes('failed', 'tab', collectorUrl, ['topic', 'payload', 'dingtalk']),
  ];
}

/** How many times each alert id appears across the messages the stand-in accepted (digests included). */
function tally(standins: StandIn[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const standin of standins) {
    for (const message of standin.messages) {
      for (const match of JSON.stringify(message.body).matchAll(/Alert A(\d+) at/g)) {
        const id = `A${match[1]}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
  }
  return seen;
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `A${from + i}`);
}

/** The most messages the stand-in accepted within any window of `windowMs`. */
function busiestWindow(standin: StandIn, windowMs: number): number {
  const times = standin.messages.map((m) => m.receivedAt).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function nextAnswer(standin: StandIn, match: (answer: Answer) => boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const listener = (answer: Answer) => {
      if (!match(answer)) return;
      standin.off('answer', listener);
      resolve(answer);
    };
    standin.on('answer', listener);
  });
}

/** Resolves once the robot's outbox journal holds the alerts `ids` (read on every change in its folder). */
function outboxHolds(userDir: string, ids: string[]): Promise<void> {
  const dir = join(userDir, 'node-red-pos-dingtalk', 'dingtalk-robot-robot');
  const check = () => {
    try {
      const alerts = readFileSync(join(dir, 'outbox.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{"t":"a"'));
      return ids.every((id) => alerts.some((line) => line.includes(`Alert ${id} at`)));
    } catch {
      return false;
    }
  };
  return new Promise((resolve) => {
    // watch first, then look: a write between the two would otherwise go unnoticed
    const watcher = watch(dir, { persistent: false }, () => {
      if (!check()) return;
      watcher.close();
      resolve();
    });
    if (check()) {
      watcher.close();
      resolve();
    }
  });
}

/** Resolves once the stand-in has accepted every alert in `ids`. */
function accepted(standin: StandIn, ids: string[]): Promise<void> {
  const done = () => {
    const seen = tally([standin]);
    return ids.every((id) => seen.has(id));
  };
  return new Promise((resolve) => {
    if (done()) return resolve();
    const listener = () => {
      if (!done()) return;
      standin.off('accepted', listener);
      resolve();
    };
    standin.on('accepted', listener);
  });
}

describe(`dingtalk-send in a real Node-RED runtime against the DingTalk stand-in (${nodeRedPackage})`, function () {
  this.timeout(120_000);
  let standin: StandIn;
  let nodeRed: NodeRed;
  let collector: Collector;
  let settings: Record<string, unknown>;
  let env: Record<string, string>;

  before(async () => {
    standin = await start({
      token: TOKEN,
      secret: SECRET,
      ratePerMinute: 20,
      windowMs: WINDOW_MS,
      throttleMs: 60_000,
    });
    collector = await startCollector();
    settings = {
      dingtalkAllowedHosts: [standin.hostPort],
      dingtalkRateWindowMs: WINDOW_MS,
      dingtalkRetries: 1000,
      dingtalkRetryBaseMs: 100,
      dingtalkRetryMaxMs: 400,
    };
    env = { DINGTALK_WEBHOOK: standin.webhookUrl(), DINGTALK_SECRET: SECRET };
    nodeRed = await launchNodeRed({ nodeRedPackage, settings, env });
    await nodeRed.deploy(flows(collector.url));
  });

  after(async () => {
    await nodeRed?.stop();
    await collector?.close();
    await standin?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  const sentOutputs = () =>
    collector.received.filter((m) => (m.dingtalk as { status?: string }).status === 'sent');
  const failedOutputs = () =>
    collector.received.filter((m) => (m.dingtalk as { status?: string }).status !== 'sent');

  it('sends one signed message and reports it on output 1', async () => {
    await nodeRed.inject('one');
    const [result] = await collector.waitFor(1);
    const dingtalk = result?.dingtalk as Record<string, unknown>;
    assert.equal(dingtalk.status, 'sent');
    assert.equal(dingtalk.errcode, 0);
    assert.equal(dingtalk.digestCount, 1);
    assert.deepEqual(Object.fromEntries(tally([standin])), { A0: 1 });
  });

  it('brings a burst of 500 alerts to the group within the rate, all of them, without a 410100', async () => {
    const before = collector.received.length;
    await nodeRed.inject('burst');
    await collector.waitFor(before + 500);
    const seen = tally([standin]);
    assert.deepEqual(
      range(1, 501).filter((id) => seen.get(id) !== 1),
      [],
      'every alert arrived exactly once',
    );
    assert.equal(standin.answerCounts()['410100'], undefined, 'DingTalk never throttled the robot');
    assert.ok(
      busiestWindow(standin, WINDOW_MS) <= 20,
      `at most 20 per window, saw ${busiestWindow(standin, WINDOW_MS)}`,
    );
    assert.ok(standin.messages.length <= 21, `merged into digests: ${standin.messages.length} messages`);
    assert.equal(failedOutputs().length, 0);
    const burst = sentOutputs().slice(-500);
    assert.ok(burst.some((m) => (m.dingtalk as { digestCount: number }).digestCount > 1));
  });

  it('keeps alerts while DingTalk is unreachable and delivers them all when it is back', async () => {
    standin.reset();
    await standin.down();
    const results = collector.received.length;
    for (let i = 0; i < 5; i++) await nodeRed.inject('one');
    await outboxHolds(nodeRed.userDir, range(501, 506));
    await standin.up();
    await collector.waitFor(results + 5);
    const seen = tally([standin]);
    assert.deepEqual(
      range(501, 506).filter((id) => seen.get(id) !== 1),
      [],
    );
    assert.equal(failedOutputs().length, 0);
  });

  it('delivers each waiting alert exactly once after Node-RED is killed (kill -9) and restarted', async () => {
    // A stand-in that throttles after 3 messages and stays throttled: alerts pile up in the outbox.
    const port = standin.port;
    await standin.close();
    const throttling = await start({
      port,
      token: TOKEN,
      secret: SECRET,
      ratePerMinute: 3,
      windowMs: 60_000,
      throttleMs: 600_000,
    });
    standin = throttling;
    const throttled = nextAnswer(throttling, (answer) => answer.errcode === 410100);
    for (let i = 0; i < 4; i++) {
      const accepted = throttling.messages.length;
      await nodeRed.inject('one');
      if (i < 3) await throttling.waitForMessages(accepted + 1);
    }
    await throttled;
    for (let i = 0; i < 6; i++) await nodeRed.inject('one');
    const userDir = nodeRed.userDir;
    // A506…A515 are in the outbox: 3 delivered, 1 refused with 410100, 6 waiting behind it.
    await outboxHolds(userDir, range(509, 516));
    await nodeRed.kill();
    await throttling.close();

    standin = await start({ port, token: TOKEN, secret: SECRET, ratePerMinute: 20, windowMs: WINDOW_MS });
    const results = collector.received.length;
    nodeRed = await launchNodeRed({ nodeRedPackage, settings, env, userDir });
    // everything still owed: the refused one and the six behind it
    await accepted(standin, range(509, 516));
    const all = tally([throttling, standin]);
    assert.deepEqual(
      range(506, 516).filter((id) => all.get(id) !== 1),
      [],
      'each alert exactly once across the crash',
    );
    assert.ok(
      standin.messages.every((m) => !m.repeat),
      'no message sent twice',
    );
    const recovered = await collector.waitFor(results + 7);
    assert.ok(
      recovered.slice(results).every((m) => (m.dingtalk as { recovered?: boolean }).recovered === true),
      'results after the restart come out as recovered',
    );
  });

  it('keeps the webhook and the secret out of the exported flows', async () => {
    const exported = JSON.stringify(await nodeRed.getFlows());
    assert.ok(!exported.includes(TOKEN));
    assert.ok(!exported.includes(SECRET));
  });
});
