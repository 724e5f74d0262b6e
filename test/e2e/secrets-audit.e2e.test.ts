// Secrets audit: every example runs with known secret strings, good and bad requests go through, and then
// everything a person or a log collector could see is searched for them: Node-RED's log output, status texts
// and debug messages (the editor's comms channel), HTTP answers, the exported flows and the flow file on disk.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type StandIn, start as startStandIn } from '../../dev/dingtalk-standin';
import { type FlowNode, launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { repoRoot } from '../../dev/repo-root';
import { genericSignature, postSigned, sampleOrder } from '../support/pos-events';

const POS_SECRET = 'pos-canary-7d3f1e';
const TOKEN = 'token-canary-9b2c4a';
const DINGTALK_SECRET = `SEC${'canary5e8a'.repeat(6)}`;
const CANARIES = [POS_SECRET, TOKEN, DINGTALK_SECRET, DINGTALK_SECRET.slice(3, 20)];

function allExamples(): FlowNode[] {
  const byId = new Map<string, FlowNode>();
  for (const file of readdirSync(join(repoRoot, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    for (const node of JSON.parse(readFileSync(join(repoRoot, 'examples', file), 'utf8')) as FlowNode[]) {
      byId.set(node.id, node);
    }
  }
  return [...byId.values()];
}

/** Everything the editor would receive over its comms channel: debug messages and status texts. */
async function watchComms(url: string): Promise<{ seen: string[]; close: () => void }> {
  const seen: string[] = [];
  const socket = new WebSocket(`${url.replace('http', 'ws')}/comms`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error('comms did not open')));
  });
  socket.addEventListener('message', (event) => seen.push(String(event.data)));
  socket.send(JSON.stringify({ subscribe: 'debug' }));
  socket.send(JSON.stringify({ subscribe: 'status/#' }));
  socket.send(JSON.stringify({ subscribe: 'notification/#' }));
  return { seen, close: () => socket.close() };
}

describe('secrets audit over every example (end to end)', function () {
  this.timeout(120_000);
  let standIn: StandIn;
  let nodeRed: NodeRed;

  before(async () => {
    standIn = await startStandIn({ token: TOKEN, secret: DINGTALK_SECRET });
    nodeRed = await launchNodeRed({
      env: { POS_WEBHOOK_SECRET: POS_SECRET, DINGTALK_WEBHOOK: standIn.webhookUrl(), DINGTALK_SECRET },
      settings: { dingtalkAllowedHosts: [standIn.hostPort] },
    });
  });
  after(async () => {
    await nodeRed?.stop();
    await standIn?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  it('shows no secret in logs, status, errors, debug output, answers or exported flows', async () => {
    const comms = await watchComms(nodeRed.url);
    const flows = allExamples();
    await nodeRed.deploy(flows);
    const answers: string[] = [];

    // every inject of every example, then genuine and forged requests to every pos-in
    for (const inject of flows.filter((n) => n.type === 'inject')) await nodeRed.inject(inject.id);
    await standIn.waitForMessages(1);
    for (const node of flows.filter((n) => n.type === 'pos-in')) {
      const url = `${nodeRed.url}${node.path as string}`;
      answers.push(JSON.stringify((await postSigned(url, sampleOrder(), POS_SECRET)).body));
      answers.push(JSON.stringify((await postSigned(url, sampleOrder(), 'wrong')).body));
      const body = JSON.stringify(sampleOrder());
      const stale = await postSigned(
        url,
        body.replace(/"timestamp":"[^"]+"/, '"timestamp":"2020-01-01T00:00:00Z"'),
        '',
        {
          signature: genericSignature(POS_SECRET, body),
        },
      );
      answers.push(JSON.stringify(stale.body));
    }

    // DingTalk refuses: a signature mismatch, then an unknown token, each logged as an error with a red status
    standIn.inject({ kind: 'errcode', errcode: 310000, errmsg: 'sign not match' }, 1);
    await nodeRed.inject('ex1-inject');
    await nodeRed.waitForOutput(/signature mismatch/);
    standIn.inject({ kind: 'errcode', errcode: 300005, errmsg: 'token is not exist' }, 1);
    await nodeRed.inject('ex1-inject');
    await nodeRed.waitForOutput(/token does not exist/);

    // the "send test message" button, with the saved robot
    const robot = flows.find((n) => n.type === 'dingtalk-robot');
    const test = await fetch(`${nodeRed.url}/dingtalk-robot/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: robot?.id }),
    });
    answers.push(await test.text());

    const exported = JSON.stringify(await nodeRed.getFlows());
    const onDisk = readFileSync(join(nodeRed.userDir, 'flows.json'), 'utf8');
    // the stand-in's own records hold the token (they are DingTalk's side); make sure statuses were seen
    await nodeRed.stop();
    comms.close();
    const places: Record<string, string> = {
      'Node-RED log output': nodeRed.output(),
      'status texts and debug messages': comms.seen.join('\n'),
      'HTTP answers': answers.join('\n'),
      'exported flows (GET /flows)': exported,
      'flows.json on disk': onDisk,
    };
    assert.ok(
      comms.seen.some((m) => m.includes('status/')),
      'statuses were captured',
    );
    assert.ok(
      comms.seen.some((m) => m.includes('"debug"')),
      'debug messages were captured',
    );
    assert.match(nodeRed.output(), /error|warn/i, 'errors were logged');
    for (const [place, text] of Object.entries(places)) {
      for (const canary of CANARIES)
        assert.ok(!text.includes(canary), `${place} contains a secret (${canary})`);
    }
  });
});
