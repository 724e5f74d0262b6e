// Every example flow, imported into a real Node-RED through the admin API (as the editor's import and deploy
// do), with the environment variables of DESIGN.md pointing at the local DingTalk stand-in. Its inject nodes
// are clicked through the admin API; the stand-in, which checks every signature as DingTalk does, must have
// received the expected messages.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type StandIn, start as startStandIn } from '../../dev/dingtalk-standin';
import { type ValidMessage, validateMessage } from '../../dev/dingtalk-standin/messages';
import { renderMessage } from '../../dev/dingtalk-standin/render';
import { type FlowNode, launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { repoRoot } from '../../dev/repo-root';
import { postSigned } from '../support/pos-events';

const example = (name: string) =>
  JSON.parse(readFileSync(join(repoRoot, 'examples', `${name}.json`), 'utf8')) as FlowNode[];

/** The markdown or text a DingTalk group would show for a message. */
function shown(body: Record<string, unknown>): string {
  const part = body[body.msgtype as string] as { text?: string; content?: string; title?: string };
  return `${part.title ?? ''}\n${part.text ?? part.content ?? ''}`;
}

describe('example flows, end to end against the DingTalk stand-in', function () {
  this.timeout(120_000);
  let standIn: StandIn;
  let nodeRed: NodeRed;

  before(async () => {
    standIn = await startStandIn({ secret: `SEC${'e'.repeat(64)}` });
    nodeRed = await launchNodeRed({
      env: {
        POS_WEBHOOK_SECRET: 'example-pos-secret',
        DINGTALK_WEBHOOK: standIn.webhookUrl(),
        DINGTALK_SECRET: standIn.secret ?? '',
      },
      settings: { dingtalkAllowedHosts: [standIn.hostPort] },
    });
  });
  after(async () => {
    await nodeRed?.stop();
    await standIn?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });
  beforeEach(() => standIn.reset());

  /** Deploys the example and clicks its inject nodes one after another, each once the last one's alerts arrived. */
  async function run(name: string, clicks: [injectId: string, expectTotal: number][]): Promise<string[]> {
    await nodeRed.deploy(example(name));
    for (const [id, total] of clicks) {
      await nodeRed.inject(id);
      await standIn.waitForMessages(total, 30_000);
    }
    return standIn.messages.map((m) => shown(m.body));
  }

  it('1. POS order → DingTalk order notification', async () => {
    const [text] = await run('01-pos-order-to-dingtalk', [['ex1-inject', 1]]);
    assert.match(text ?? '', /New order #1001/);
    assert.match(text ?? '', /HK-MK-001/);
    assert.match(text ?? '', /128\.5 HKD/);
    assert.match(text ?? '', /2 × Milk tea \(L\) 港式奶茶/);
    assert.equal(standIn.messages[0]?.msgtype, 'markdown');
  });

  it('2. stock under 5 kg → one replenishment alert with a mention, then restocked', async () => {
    const texts = await run('02-low-stock-replenishment', [
      ['ex2-i1', 0],
      ['ex2-i2', 1],
      ['ex2-i3', 1],
      ['ex2-i4', 2],
    ]);
    assert.equal(texts.length, 2, texts.join('\n---\n'));
    assert.match(texts[0] ?? '', /Replenish Milk tea base 奶茶底 at HK-MK-001/);
    assert.match(texts[0] ?? '', /4\.5 kg/);
    assert.deepEqual(standIn.messages[0]?.mentions.atMobiles, ['13800000000']);
    assert.match(texts[0] ?? '', /@13800000000/);
    assert.match(texts[1] ?? '', /restocked: 6\.5 kg/);
  });

  it('3. van off its route → one deviation alert, then one back-on-route', async () => {
    const texts = await run('03-van-route-deviation', [
      ['ex3-i1', 0],
      ['ex3-i2', 0],
      ['ex3-i3', 0],
      ['ex3-i4', 1],
      ['ex3-i5', 1],
      ['ex3-i6', 1],
      ['ex3-i7', 2],
    ]);
    assert.equal(texts.length, 2, texts.join('\n---\n'));
    assert.match(texts[0] ?? '', /Van VAN-7 left its route/);
    assert.match(texts[0] ?? '', /\*\*3\d\d m\*\* off \*Mong Kok → Tsim Sha Tsui\*/);
    assert.match(texts[1] ?? '', /Van VAN-7 is back on Mong Kok → Tsim Sha Tsui after \d+ s off route/);
  });

  it('4. VIP order → thank-you with a coupon code that is the same on every retry', async () => {
    const texts = await run('04-vip-thank-you-coupon', [
      ['ex4-i1', 1],
      ['ex4-i2', 1],
      ['ex4-i1', 2],
    ]);
    assert.equal(texts.length, 2, 'the member order is filtered out');
    const codes = texts.map((t) => /coupon \*\*(VIP-2002-\w{5})\*\*/.exec(t)?.[1]);
    assert.ok(codes[0], texts[0]);
    assert.equal(codes[1], codes[0], 'the same order gets the same code');
    assert.match(texts[0] ?? '', /Thank you, 林小美!/);
  });

  it('5. store operations: one webhook, every alert where it belongs', async () => {
    const texts = await run('05-store-operations', [
      ['ex5-i1', 1],
      ['ex5-i2', 3],
      ['ex5-i3', 4],
      ['ex5-i4', 5],
      ['ex5-i5', 5],
      ['ex5-i6', 5],
      ['ex5-i6b', 6],
      ['ex5-i7', 6],
      ['ex5-i8', 7],
    ]);
    assert.equal(texts.length, 7, texts.join('\n---\n'));
    const all = texts.join('\n---\n');
    assert.match(all, /New order #1001/);
    assert.match(all, /New order #2002/);
    assert.match(all, /coupon \*\*VIP-2002-\w{5}\*\*/);
    assert.match(all, /Replenish Milk tea base/);
    assert.match(all, /restocked: 6\.5 kg/);
    assert.match(all, /Van VAN-7 left its route/);
    assert.match(all, /Van VAN-7 is back on/);
  });
});

describe('template injection through an example flow (end to end)', function () {
  this.timeout(60_000);
  let standIn: StandIn;
  let nodeRed: NodeRed;

  before(async () => {
    standIn = await startStandIn({ secret: `SEC${'i'.repeat(64)}` });
    nodeRed = await launchNodeRed({
      env: {
        POS_WEBHOOK_SECRET: 'injection-pos-secret',
        DINGTALK_WEBHOOK: standIn.webhookUrl(),
        DINGTALK_SECRET: standIn.secret ?? '',
      },
      settings: { dingtalkAllowedHosts: [standIn.hostPort] },
    });
    await nodeRed.deploy(example('04-vip-thank-you-coupon'));
  });
  after(async () => {
    await nodeRed?.stop();
    await standIn?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  it('cannot add mentions, links or formatting to an alert through event fields', async () => {
    const hostile =
      '**BOLD** [pay here](https://evil.example/pay) ![x](https://evil.example/x.png) @all @13800000000 <a href="https://evil.example">x</a>\n\n# heading';
    const event = {
      id: `evt_inject_${Date.now()}`,
      event: 'transaction.completed',
      timestamp: new Date().toISOString(),
      storeId: 'HK-TST-002 @all',
      data: {
        orderId: '[1](https://evil.example)',
        total: 99,
        currency: 'HKD',
        items: [],
        customer: { id: 'C-1', name: hostile, tier: 'VIP' },
      },
    };
    const answer = await postSigned(`${nodeRed.url}/pos/vip`, event, 'injection-pos-secret');
    assert.equal(answer.status, 200);
    const [message] = await standIn.waitForMessages(1);
    assert.ok(message);
    assert.deepEqual(message.mentions, { atMobiles: [], atUserIds: [], isAtAll: false });
    const html = renderMessage(validated(message.body));
    assert.ok(!/<a [^>]*evil\.example/.test(html), 'no link to the attacker');
    assert.ok(!/<img [^>]*evil\.example/.test(html), 'no image from the attacker');
    assert.ok(!/<strong>BOLD<\/strong>/.test(html), 'no bold from event data');
    assert.ok(!/<h1>heading/.test(html), 'no heading from event data');
    assert.match(html, /<strong>VIP-/, 'the template author’s own formatting stays');
  });
});

function validated(body: Record<string, unknown>): ValidMessage {
  const result = validateMessage(body);
  if (!result.ok) throw new Error('the stand-in accepted a message it cannot validate');
  return result.message;
}
