import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AcceptedMessage, type StandIn, start } from '../../dev/dingtalk-standin/index';
import { REASONS } from '../../nodes/core/dingtalk/index';

import robotModule = require('../../nodes/dingtalk-robot/dingtalk-robot');
import sendModule = require('../../nodes/dingtalk-send/dingtalk-send');

import { type FlowNode, helper, statusMatching, type TestNode } from '../support/node-red-helper';

const TOKEN = 'standin-token-0001';
const SECRET = 'SECd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f';

/** A credential that refers to an environment variable: `$` `{NAME}`. */
const env = (name: string) => `$${'{'}${name}}`;

type Msg = Record<string, unknown> & { dingtalk?: Record<string, unknown> };

/** Messages a helper node receives, and a wait for the n-th (on the event, never on a timer). */
function collect(node: TestNode) {
  const msgs: Msg[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  node.on('input', (msg: never) => {
    msgs.push(msg as Msg);
    for (const waiter of [...waiters]) {
      if (msgs.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    msgs,
    count: (count: number): Promise<Msg[]> =>
      msgs.length >= count
        ? Promise.resolve(msgs)
        : new Promise((resolve) => waiters.push({ count, resolve: () => resolve(msgs) })),
  };
}

/** Errors the node reported (done(err) reaches Catch nodes through node.error). */
function errors(node: TestNode) {
  const seen: string[] = [];
  node.on('call:error', (call: never) => {
    const [err] = (call as { args: unknown[] }).args;
    seen.push(err instanceof Error ? err.message : String(err));
  });
  return seen;
}

function statuses(node: TestNode) {
  const seen: { fill?: string; text?: string }[] = [];
  node.on('call:status', (call: never) =>
    seen.push((call as { args: [{ fill?: string; text?: string }] }).args[0]),
  );
  return seen;
}

function body(message: AcceptedMessage | undefined): Record<string, Record<string, unknown>> {
  assert.ok(message, 'the stand-in accepted no message');
  return message.body as Record<string, Record<string, unknown>>;
}

const order = (orderId: string, extra: Record<string, unknown> = {}) => ({
  payload: {
    id: `evt_${orderId}`,
    event: 'transaction.completed',
    storeId: 'HK-MK-001',
    data: { orderId, total: 128.5, currency: 'HKD', customer: { name: 'Chan Tai Man', tier: 'VIP' } },
  },
  topic: 'transaction.completed',
  ...extra,
});

describe('dingtalk-send node', () => {
  let standin: StandIn;
  let userDir: string;

  async function load(
    options: {
      robot?: Record<string, unknown>;
      send?: Record<string, unknown>;
      extraSends?: FlowNode[];
      credentials?: Record<string, string>;
      settings?: Record<string, unknown>;
      noRobot?: boolean;
    } = {},
  ) {
    helper.settings({
      userDir,
      dingtalkAllowedHosts: [standin.hostPort],
      dingtalkRetryBaseMs: 5,
      ...options.settings,
    });
    const flow: FlowNode[] = [
      {
        id: 'send',
        type: 'dingtalk-send',
        robot: options.noRobot ? '' : 'robot',
        msgtype: 'markdown',
        title: 'Order {{payload.data.orderId}}',
        text: '### Order {{payload.data.orderId}}\n\n{{payload.data.total}} {{payload.data.currency}} at {{payload.storeId}}',
        wires: [['ok'], ['fail']],
        ...options.send,
      },
      ...(options.extraSends ?? []),
      { id: 'ok', type: 'helper' },
      { id: 'fail', type: 'helper' },
    ];
    if (!options.noRobot) {
      flow.unshift({ id: 'robot', type: 'dingtalk-robot', name: 'ops', keywords: '', ...options.robot });
    }
    await helper.load([robotModule, sendModule], flow, {
      robot: options.credentials ?? { webhook: standin.webhookUrl(), secret: SECRET },
    });
    const send = helper.getNode('send');
    return { send, ok: collect(helper.getNode('ok')), fail: collect(helper.getNode('fail')) };
  }

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'dingtalk-send-test-'));
    standin = await start({ token: TOKEN, secret: SECRET });
  });
  afterEach(async () => {
    await helper.unload();
    await standin.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('renders the templates over the msg, signs the request and reports the answer on output 1', async () => {
    const { send, ok } = await load();
    send.receive(order('1001'));
    const [msg] = await ok.count(1);
    const markdown = body(standin.messages[0]).markdown as { title: string; text: string };
    assert.equal(markdown.title, 'Order 1001');
    assert.equal(markdown.text, '### Order 1001\n\n128.5 HKD at HK-MK-001');
    const dingtalk = msg?.dingtalk as Record<string, unknown>;
    assert.equal(dingtalk.status, 'sent');
    assert.equal(dingtalk.errcode, 0);
    assert.equal(dingtalk.attempts, 1);
    assert.equal(dingtalk.digestCount, 1);
    assert.equal(dingtalk.msgUuid, standin.messages[0]?.msgUuid);
    assert.equal(typeof dingtalk.latencyMs, 'number');
    assert.deepEqual(msg?.payload, order('1001').payload, 'the original msg travels on');
  });

  it('escapes event data: a POS value cannot mention anyone or add a link', async () => {
    const { send, ok } = await load({
      send: { msgtype: 'text', text: 'Customer: {{payload.data.customer.name}}' },
    });
    const msg = order('1');
    (msg.payload.data.customer as Record<string, string>).name = '@13800000000 [click](https://evil.example)';
    send.receive(msg);
    await ok.count(1);
    const content = (body(standin.messages[0]).text as { content: string }).content;
    assert.ok(!content.includes('@13800000000'), content);
    assert.equal(body(standin.messages[0]).at, undefined);
  });

  it('mentions people from the form and from msg.at, writing the @ DingTalk needs', async () => {
    const { send, ok } = await load({
      send: {
        msgtype: 'text',
        text: 'Low stock at {{payload.storeId}}',
        atMobiles: '13800000000',
        atAll: false,
      },
    });
    send.receive(order('2', { at: { atUserIds: ['manager01'], mobiles: '13900000000' } }));
    await ok.count(1);
    const sent = body(standin.messages[0]);
    assert.deepEqual(sent.at, { atMobiles: ['13800000000', '13900000000'], atUserIds: ['manager01'] });
    const content = (sent.text as { content: string }).content;
    for (const person of ['@13800000000', '@13900000000', '@manager01'])
      assert.ok(content.includes(person), content);
  });

  const cards: [string, Record<string, unknown>, (sent: Record<string, Record<string, unknown>>) => void][] =
    [
      [
        'link',
        {
          msgtype: 'link',
          title: 'Order {{payload.data.orderId}}',
          text: 'Total {{payload.data.total}}',
          messageUrl: 'https://pos.example/orders/{{payload.data.orderId}}',
          picUrl: '',
        },
        (sent) => assert.equal(sent.link?.messageUrl, 'https://pos.example/orders/3'),
      ],
      [
        'actionCard with one button',
        {
          msgtype: 'actionCard',
          title: 'Order {{payload.data.orderId}}',
          text: '**{{payload.data.total}}**',
          buttons: 'single',
          singleTitle: 'Open',
          singleURL: 'https://pos.example/orders/{{payload.data.orderId}}',
        },
        (sent) => assert.equal(sent.actionCard?.singleURL, 'https://pos.example/orders/3'),
      ],
      [
        'actionCard with several buttons',
        {
          msgtype: 'actionCard',
          title: 'Order {{payload.data.orderId}}',
          text: 'Refund?',
          buttons: 'multiple',
          btnOrientation: '1',
          btns: [
            { title: 'Approve', actionURL: 'https://pos.example/a/{{payload.data.orderId}}' },
            { title: 'Reject', actionURL: 'https://pos.example/r/{{payload.data.orderId}}' },
          ],
        },
        (sent) => {
          assert.deepEqual(sent.actionCard?.btns, [
            { title: 'Approve', actionURL: 'https://pos.example/a/3' },
            { title: 'Reject', actionURL: 'https://pos.example/r/3' },
          ]);
          assert.equal(sent.actionCard?.btnOrientation, '1');
        },
      ],
      [
        'feedCard',
        {
          msgtype: 'feedCard',
          links: [
            {
              title: 'Order {{payload.data.orderId}}',
              messageURL: 'https://pos.example/orders/{{payload.data.orderId}}',
              picURL: 'https://pos.example/logo.png',
            },
          ],
        },
        (sent) =>
          assert.equal(
            (sent.feedCard?.links as { messageURL: string }[] | undefined)?.[0]?.messageURL,
            'https://pos.example/orders/3',
          ),
      ],
    ];
  for (const [name, send, check] of cards) {
    it(`sends a ${name} that DingTalk accepts`, async () => {
      const loaded = await load({ send });
      loaded.send.receive(order('3'));
      await loaded.ok.count(1);
      check(body(standin.messages[0]));
    });
  }

  it('takes msg.payload whole when told to, and names the bad field when it is not a DingTalk message', async () => {
    const { send, ok, fail } = await load({ send: { source: 'payload' } });
    const seen = errors(send);
    send.receive({ payload: { msgtype: 'text', text: { content: 'whole message' } } });
    await ok.count(1);
    assert.equal((body(standin.messages[0]).text as { content: string }).content, 'whole message');
    send.receive({ payload: { msgtype: 'link', link: { title: 't', text: 'x', messageURL: 'https://a' } } });
    const [failed] = await fail.count(1);
    assert.equal(failed?.dingtalk?.reason, 'invalid_message');
    assert.match(String(failed?.dingtalk?.path), /link\./);
    assert.equal(standin.messages.length, 1, 'nothing invalid reached DingTalk');
    assert.equal(seen.length, 1, 'done(err) for Catch nodes');
  });

  it('adds the robot keyword to a message without one, or refuses it when the robot says so', async () => {
    await standin.close();
    standin = await start({ token: TOKEN, secret: SECRET, keywords: ['告警'] });
    const prefix = await load({ robot: { keywords: '告警' } });
    prefix.send.receive(order('4'));
    await prefix.ok.count(1);
    assert.match((body(standin.messages[0]).markdown as { text: string }).text, /告警/);
    await helper.unload();

    const refuse = await load({ robot: { keywords: '告警', keywordMode: 'refuse' } });
    refuse.send.receive(order('5'));
    const [failed] = await refuse.fail.count(1);
    assert.equal(failed?.dingtalk?.reason, 'keyword_refused');
    assert.equal(standin.messages.length, 1);
  });

  it('refuses a message over 20,000 bytes without sending it', async () => {
    const { send, fail } = await load({ send: { msgtype: 'text', text: '{{payload.note}}' } });
    send.receive({ payload: { note: '告'.repeat(7000) } });
    const [failed] = await fail.count(1);
    assert.equal(failed?.dingtalk?.reason, 'too_large');
    assert.equal(standin.answers.length, 0);
  });

  const refusals: [string, () => Record<string, string>, string][] = [
    [
      'a wrong secret',
      () => ({ webhook: standin.webhookUrl(), secret: `${SECRET.slice(0, -1)}0` }),
      'sign_mismatch',
    ],
    [
      'a token that does not exist',
      () => ({ webhook: standin.webhookUrl('nosuchtoken1'), secret: SECRET }),
      'token_not_found',
    ],
  ];
  for (const [name, credentials, reason] of refusals) {
    it(`reports ${name} on output 2 in plain words, without retrying`, async () => {
      const { send, fail } = await load({ credentials: credentials() });
      const seen = errors(send);
      send.receive(order('6'));
      const [failed] = await fail.count(1);
      assert.equal(failed?.dingtalk?.reason, reason);
      assert.equal(failed?.dingtalk?.errcode, reason === 'sign_mismatch' ? 310000 : 300005);
      assert.equal(failed?.dingtalk?.attempts, 1);
      assert.equal(failed?.dingtalk?.error, `dingtalk-send.reason.${reason}`);
      assert.deepEqual(seen, [`dingtalk-send.reason.${reason}`]);
    });
  }

  it('retries server errors and dropped connections, then sends', async () => {
    standin.inject({ kind: 'http-status', status: 502 });
    standin.inject({ kind: 'drop' });
    standin.inject({ kind: 'errcode', errcode: -1 });
    const { send, ok } = await load();
    send.receive(order('7'));
    const [msg] = await ok.count(1);
    assert.equal(msg?.dingtalk?.attempts, 4);
    assert.equal(standin.messages.length, 1);
  });

  it('after the quick retries waits on the slow schedule, showing how many wait and the next try, then sends', async () => {
    await standin.down();
    const { send, ok } = await load({ settings: { dingtalkRetries: 1, dingtalkSlowRetryMs: [300] } });
    const waiting = statusMatching(send, (s) => String(s.text).includes('dingtalk-send.status.outage'));
    send.receive(order('o1'));
    const shown = await waiting;
    assert.equal(shown.fill, 'yellow');
    assert.match(String(shown.text), /dingtalk-send.status.counts/);
    await standin.up();
    const [msg] = await ok.count(1);
    assert.ok((msg?.dingtalk?.attempts as number) >= 3, 'the first try, one quick retry, then the slow ones');
  });

  it('gives up only at the maximum age and says why', async () => {
    standin.inject({ kind: 'errcode', errcode: -1 }, 1000);
    const { send, fail } = await load({
      settings: { dingtalkRetries: 2, dingtalkSlowRetryMs: '100', dingtalkMaxAgeMs: 600 },
    });
    send.receive(order('8'));
    const [failed] = await fail.count(1);
    assert.equal(failed?.dingtalk?.reason, 'expired');
    assert.equal(failed?.dingtalk?.errcode, -1);
    assert.ok((failed?.dingtalk?.attempts as number) > 3);
    assert.ok((failed?.dingtalk?.latencyMs as number) >= 600);
  });

  it('refuses alerts past the outbox bound at once with outbox_full, never silently', async () => {
    await standin.down();
    const { send, ok, fail } = await load({ settings: { dingtalkOutboxMaxAlerts: 2 } });
    const errs = errors(send);
    for (let n = 0; n < 3; n++) send.receive(order(`f${n}`));
    const [refused] = await fail.count(1);
    assert.equal(refused?.dingtalk?.reason, 'outbox_full');
    assert.equal((refused?.payload as { data: { orderId: string } } | undefined)?.data.orderId, 'f2');
    assert.ok(errs.some((e) => e.includes('dingtalk-send.reason.outbox_full')));
    await standin.up();
    await ok.count(2);
  });

  it('times out a slow answer (dingtalkTimeoutMs) and retries it', async () => {
    standin.inject({ kind: 'slow', delayMs: 400 });
    const { send, ok } = await load({ settings: { dingtalkTimeoutMs: 150 } });
    send.receive(order('9'));
    const [msg] = await ok.count(1);
    assert.ok((msg?.dingtalk?.attempts as number) >= 2);
  });

  it('shares one limiter among the nodes of a robot and merges a burst into digests, losing nothing', async () => {
    await standin.close();
    standin = await start({
      token: TOKEN,
      secret: SECRET,
      ratePerMinute: 5,
      windowMs: 1500,
      throttleMs: 60_000,
    });
    const second: FlowNode = {
      id: 'send2',
      type: 'dingtalk-send',
      robot: 'robot',
      msgtype: 'text',
      text: 'Second node {{payload.n}}',
      wires: [['ok'], ['fail']],
    };
    const { send, ok } = await load({
      robot: { ratePerMinute: 5 },
      send: { msgtype: 'text', text: 'First node {{payload.n}}' },
      extraSends: [second],
      settings: { dingtalkRateWindowMs: 1500 },
    });
    const send2 = helper.getNode('send2');
    for (let n = 0; n < 30; n++) (n % 2 === 0 ? send : send2).receive({ payload: { n } });
    const results = await ok.count(30);
    assert.equal(standin.answerCounts()['410100'], undefined, 'DingTalk never throttled the robot');
    const texts = standin.messages.map((m) => JSON.stringify(m.body));
    for (let n = 0; n < 30; n++) {
      const pattern = new RegExp(`${n % 2 === 0 ? 'First' : 'Second'} node ${n}(?!\\d)`, 'g');
      const seen = texts.reduce((sum, text) => sum + (text.match(pattern) ?? []).length, 0);
      assert.equal(seen, 1, `alert ${n} arrived once`);
    }
    assert.ok(standin.messages.length < 30, 'merged into digests');
    const carried = results.reduce((sum, msg) => sum + (msg.dingtalk?.digestCount === 1 ? 1 : 0), 0);
    assert.ok(carried < 30);
  });

  it('pauses when DingTalk throttles the robot, shows until when, and sends the waiting messages after', async () => {
    await standin.close();
    standin = await start({
      token: TOKEN,
      secret: SECRET,
      ratePerMinute: 2,
      windowMs: 60_000,
      throttleMs: 1000,
    });
    const { send, ok } = await load({ settings: { dingtalkThrottlePauseMs: 1500 } });
    const throttled = statusMatching(send, (s) => String(s.text).includes('dingtalk-send.status.throttled'));
    for (let n = 0; n < 4; n++) send.receive(order(`t${n}`));
    const shown = await throttled;
    assert.equal(shown.fill, 'yellow');
    standin.addRobot({ token: TOKEN, secret: SECRET }); // a fresh window once the pause is over
    await ok.count(4);
    const carried = standin.messages.map((m) => JSON.stringify(m.body));
    for (let n = 0; n < 4; n++) assert.equal(carried.filter((t) => t.includes(`Order t${n}`)).length, 1);
  });

  it('keeps waiting messages in the outbox across a restart and delivers each once', async () => {
    await standin.down();
    const first = await load({ settings: { dingtalkRetries: 1000, dingtalkRetryBaseMs: 50 } });
    for (let n = 0; n < 3; n++) first.send.receive(order(`r${n}`));
    const outbox = join(userDir, 'node-red-pos-dingtalk', 'dingtalk-robot-robot', 'outbox.jsonl');
    await untilFile(outbox, (text) => (text.match(/"t":"a"/g) ?? []).length >= 3);
    await helper.unload();
    await standin.up();
    const second = await load();
    const recovered = await second.ok.count(3);
    assert.deepEqual(
      recovered.map((msg) => msg.dingtalk?.recovered),
      [true, true, true],
    );
    assert.deepEqual(
      recovered.map((msg) => (msg.payload as { data: { orderId: string } }).data.orderId).sort(),
      ['r0', 'r1', 'r2'],
    );
    const carried = standin.messages.map((m) => JSON.stringify(m.body));
    for (let n = 0; n < 3; n++) assert.equal(carried.filter((t) => t.includes(`Order r${n}`)).length, 1);
  });

  it('remembers the robot’s sends across a redeploy: no message over the limit within the window', async () => {
    await standin.close();
    standin = await start({
      token: TOKEN,
      secret: SECRET,
      ratePerMinute: 5,
      windowMs: 3000,
      throttleMs: 1000,
    });
    const settings = { dingtalkRateWindowMs: 3000, dingtalkThrottlePauseMs: 500 };
    const robot = { ratePerMinute: 5, digest: false };
    const first = await load({ robot, settings });
    for (let n = 0; n < 5; n++) first.send.receive(order(`w${n}`));
    await first.ok.count(5);
    await helper.unload(); // a redeploy within the window
    const second = await load({ robot, settings });
    second.send.receive(order('w5'));
    const [sixth] = await second.ok.count(1);
    assert.equal(sixth?.dingtalk?.status, 'sent');
    assert.equal(
      standin.answerCounts()['410100'],
      undefined,
      'no 6th message reached DingTalk within the window',
    );
    const [firstAt, sixthAt] = [standin.messages[0], standin.messages[5]].map((m) => m?.receivedAt ?? 0);
    assert.ok((sixthAt ?? 0) - (firstAt ?? 0) >= 3000);
  });

  it('reads the webhook and secret from the environment with $' + '{VAR}', async () => {
    process.env.DINGTALK_TEST_WEBHOOK = standin.webhookUrl();
    process.env.DINGTALK_TEST_SECRET = SECRET;
    try {
      const { send, ok } = await load({
        credentials: { webhook: env('DINGTALK_TEST_WEBHOOK'), secret: env('DINGTALK_TEST_SECRET') },
      });
      send.receive(order('10'));
      await ok.count(1);
      assert.equal(standin.messages.length, 1);
    } finally {
      delete process.env.DINGTALK_TEST_WEBHOOK;
      delete process.env.DINGTALK_TEST_SECRET;
    }
  });

  const misconfigured: [string, Parameters<typeof load>[0], string][] = [
    ['no robot', { noRobot: true }, 'dingtalk-send.errors.no-robot'],
    [
      'a host that is not DingTalk',
      { settings: { dingtalkAllowedHosts: [] } },
      'dingtalk-send.reason.address_host_not_allowed',
    ],
    [
      'the secret pasted as the webhook',
      { credentials: { webhook: SECRET, secret: SECRET } },
      'dingtalk-send.reason.address_is_secret',
    ],
    [
      'a secret without SEC',
      { credentials: { webhook: TOKEN, secret: 'hunter2' } },
      'dingtalk-send.reason.secret_invalid',
    ],
    ['an empty template', { send: { text: '' } }, 'dingtalk-send.reason.invalid_message'],
    ['a broken template', { send: { text: 'Order {{#payload}}' } }, 'dingtalk-send.reason.template_error'],
  ];
  for (const [name, options, text] of misconfigured) {
    it(`shows ${name} in red and fails messages with it`, async () => {
      const { send, fail } = await load(options);
      const shown = statuses(send);
      const seen = errors(send);
      send.receive(order('11'));
      const [failed] = await fail.count(1);
      assert.ok(String(failed?.dingtalk?.error).startsWith(text), String(failed?.dingtalk?.error));
      assert.ok(seen.some((e) => e.startsWith(text)));
      assert.equal(shown.at(-1)?.fill, 'red');
      assert.equal(standin.answers.length, 0);
    });
  }

  it('never shows the token or the secret in a status, an error or an output', async () => {
    standin.inject({ kind: 'errcode', errcode: -1 }, 2);
    const { send, ok } = await load({ credentials: { webhook: standin.webhookUrl(), secret: SECRET } });
    const shown = statuses(send);
    const seen = errors(send);
    send.receive(order('12'));
    const [msg] = await ok.count(1);
    const everything = JSON.stringify({ shown, seen, msg });
    assert.ok(!everything.includes(TOKEN));
    assert.ok(!everything.includes(SECRET));
  });

  describe('locales', () => {
    const langs = ['en-US', 'zh-CN', 'zh-TW'];
    const read = (lang: string) =>
      JSON.parse(
        readFileSync(
          join(__dirname, '../../nodes/dingtalk-send/locales', lang, 'dingtalk-send.json'),
          'utf8',
        ),
      ) as { 'dingtalk-send': Record<string, Record<string, string>> };
    const keys = (value: unknown, prefix = ''): string[] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];

    it('has the same keys in en-US, zh-CN and zh-TW', () => {
      const [en, ...others] = langs.map((lang) => keys(read(lang)).sort());
      for (const other of others) assert.deepEqual(other, en);
    });
    it('translates every reason the core can give', () => {
      for (const lang of langs) {
        const reasons = read(lang)['dingtalk-send'].reason ?? {};
        for (const code of Object.keys(REASONS)) assert.ok(reasons[code], `${lang} lacks reason.${code}`);
      }
    });
    it('has help in every language', () => {
      for (const lang of langs) {
        const help = readFileSync(
          join(__dirname, '../../nodes/dingtalk-send/locales', lang, 'dingtalk-send.html'),
          'utf8',
        );
        assert.match(help, /data-help-name="dingtalk-send"/);
      }
    });
  });
});

/** Resolves when `file` exists and its text satisfies `ready` (checked on each change of the folder). */
async function untilFile(file: string, ready: (text: string) => boolean): Promise<void> {
  const { watch } = await import('node:fs');
  const { dirname } = await import('node:path');
  const check = () => {
    try {
      return ready(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
  };
  await new Promise<void>((resolve) => {
    // watch first, then look: a write between the two would otherwise go unnoticed
    const watcher = watch(dirname(file), { persistent: false }, () => {
      if (check()) {
        watcher.close();
        resolve();
      }
    });
    if (check()) {
      watcher.close();
      resolve();
    }
  });
}
