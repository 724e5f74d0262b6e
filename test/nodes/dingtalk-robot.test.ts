import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { type StandIn, start } from '../../dev/dingtalk-standin/index';
import {
  DEFAULT_SETTINGS,
  hostAllowed,
  parseRobotConfig,
  REASONS,
  runtimeSettings,
} from '../../nodes/core/dingtalk/index';

import robotModule = require('../../nodes/dingtalk-robot/dingtalk-robot');
import sendModule = require('../../nodes/dingtalk-send/dingtalk-send');

import type { NodeAPI } from '../../nodes/shared/node-red';
import { capturing, helper, statusMatching, type TestNode } from '../support/node-red-helper';
import { selfSignedCertificate, unrelatedPin } from '../support/tls';

const TOKEN = 'standin-token-0001';
const SECRET = 'SECd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f';

describe('dingtalk-robot node', () => {
  describe('settings', () => {
    const settings = { ...DEFAULT_SETTINGS, allowedHosts: ['127.0.0.1:8790'] };
    const cases: [string, string, string | undefined, string | undefined][] = [
      [
        'a webhook URL',
        `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
        'oapi.dingtalk.com',
        undefined,
      ],
      [
        'an international webhook URL',
        `https://oapi.dingtalk.io/robot/send?access_token=${TOKEN}`,
        'oapi.dingtalk.io',
        undefined,
      ],
      ['a bare token', TOKEN, 'oapi.dingtalk.com', undefined],
      [
        'a quoted URL with spaces',
        `  "https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}" `,
        'oapi.dingtalk.com',
        undefined,
      ],
      [
        'the allowed stand-in',
        `http://127.0.0.1:8790/robot/send?access_token=${TOKEN}`,
        '127.0.0.1:8790',
        undefined,
      ],
      [
        'another port of the stand-in host',
        `http://127.0.0.1:8791/robot/send?access_token=${TOKEN}`,
        undefined,
        'address_host_not_allowed',
      ],
      [
        'another host',
        `https://hooks.example.com/robot/send?access_token=${TOKEN}`,
        undefined,
        'address_host_not_allowed',
      ],
      [
        'DingTalk over http',
        `http://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
        undefined,
        'address_insecure',
      ],
      ['a URL without token', 'https://oapi.dingtalk.com/robot/send', undefined, 'address_no_token'],
      ['nothing', '', undefined, 'address_empty'],
      ['the secret instead of the webhook', SECRET, undefined, 'address_is_secret'],
    ];
    for (const [name, webhook, host, problem] of cases) {
      it(`${problem ? 'refuses' : 'accepts'} ${name}`, () => {
        const config = parseRobotConfig({}, { webhook, secret: SECRET }, settings);
        assert.equal(config.address?.host, host);
        assert.equal(config.problem?.code, problem);
        if (host) assert.equal(config.address?.accessToken, TOKEN);
      });
    }
    it('refuses a secret that does not start with SEC, and accepts none', () => {
      assert.equal(
        parseRobotConfig({}, { webhook: TOKEN, secret: 'hunter2' }, settings).problem?.code,
        'secret_invalid',
      );
      const unsigned = parseRobotConfig({}, { webhook: TOKEN, secret: '' }, settings);
      assert.equal(unsigned.problem, undefined);
      assert.equal(unsigned.secret, undefined);
    });
    it('reads keywords, keyword mode, rate and digests from the form', () => {
      const config = parseRobotConfig(
        { keywords: '告警, alert，庫存', keywordMode: 'refuse', ratePerMinute: '10', digest: false },
        { webhook: TOKEN, secret: '' },
        settings,
      );
      assert.deepEqual(config.keywords, ['告警', 'alert', '庫存']);
      assert.equal(config.keywordMode, 'refuse');
      assert.equal(config.ratePerWindow, 10);
      assert.equal(config.digest, false);
      const defaults = parseRobotConfig({}, { webhook: TOKEN, secret: '' }, settings);
      assert.deepEqual([defaults.keywordMode, defaults.ratePerWindow, defaults.digest], ['prefix', 20, true]);
    });
    it('reads certificate pins: off when empty, at least two, each a sha256 pin', () => {
      const [a, b] = [unrelatedPin('a'), unrelatedPin('b')];
      const config = (pins: string) =>
        parseRobotConfig({ pins }, { webhook: TOKEN, secret: SECRET }, settings);
      assert.deepEqual(config('').pins, []);
      assert.equal(config('').problem, undefined);
      assert.deepEqual(config(`sha256/${a}\nsha256/${b}`).pins, [a, b]);
      assert.equal(config(`sha256/${a}`).problem?.code, 'pins_too_few');
      assert.equal(config(`sha256/${a}\nmd5/xyz`).problem?.code, 'pins_invalid');
    });
    it('reads the settings.js keys, ignoring nonsense', () => {
      assert.deepEqual(runtimeSettings({}), DEFAULT_SETTINGS);
      assert.deepEqual(
        runtimeSettings({
          dingtalkAllowedHosts: 'LocalHost:8790, 127.0.0.1',
          dingtalkRateWindowMs: 2000,
          dingtalkThrottlePauseMs: '5000',
          dingtalkTimeoutMs: -1,
          dingtalkRetries: 0,
          dingtalkRetryBaseMs: 'soon',
          dingtalkRetryMaxMs: 1000,
          dingtalkSlowRetryMs: '1000, 5000',
          dingtalkMaxAgeMs: 'a day',
          dingtalkOutboxMaxAlerts: 50.5,
          dingtalkOutboxMaxBytes: 0,
        }),
        {
          allowedHosts: ['localhost:8790', '127.0.0.1'],
          windowMs: 2000,
          throttlePauseMs: 5000,
          timeoutMs: DEFAULT_SETTINGS.timeoutMs,
          retries: 0,
          retryBaseMs: DEFAULT_SETTINGS.retryBaseMs,
          retryMaxMs: 1000,
          slowRetryMs: [1000, 5000],
          maxAgeMs: DEFAULT_SETTINGS.maxAgeMs,
          outboxMaxAlerts: 50,
          outboxMaxBytes: DEFAULT_SETTINGS.outboxMaxBytes,
        },
      );
      assert.deepEqual(
        runtimeSettings({ dingtalkSlowRetryMs: [60_000, -1] }).slowRetryMs,
        DEFAULT_SETTINGS.slowRetryMs,
      );
    });
    it('allows hosts by name or name:port, never DingTalk look-alikes by accident', () => {
      assert.equal(hostAllowed('http://127.0.0.1:9000/robot/send?access_token=x', ['127.0.0.1']), true);
      assert.equal(hostAllowed('http://127.0.0.1:9000/robot/send', ['127.0.0.1:8790']), false);
      assert.equal(hostAllowed('http://oapi.dingtalk.com.evil.example/x', ['oapi.dingtalk.com']), false);
      assert.equal(hostAllowed(TOKEN, ['*']), true);
      assert.equal(hostAllowed(TOKEN, []), false);
    });
  });

  describe('send test message (admin endpoint)', () => {
    let standin: StandIn;
    let userDir: string;
    let admin: Server | undefined;
    let adminUrl = '';
    const node = capturing(robotModule);

    async function load(robot: Record<string, unknown> = {}, credentials = { webhook: '', secret: SECRET }) {
      helper.settings({ userDir, dingtalkAllowedHosts: [standin.hostPort] });
      await helper.load(node.module, [{ id: 'robot', type: 'dingtalk-robot', name: 'ops', ...robot }], {
        robot: { ...credentials, webhook: credentials.webhook || standin.webhookUrl() },
      });
      const red: NodeAPI = node.red();
      admin = createServer(red.httpAdmin as unknown as Parameters<typeof createServer>[0]);
      await new Promise<void>((resolve) => admin?.listen(0, '127.0.0.1', resolve));
      adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
    }

    async function test(
      body: unknown,
    ): Promise<{ status: number; answer: Record<string, unknown>; raw: string }> {
      const res = await fetch(`${adminUrl}/dingtalk-robot/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const raw = await res.text();
      return { status: res.status, answer: JSON.parse(raw) as Record<string, unknown>, raw };
    }

    before(() => helper.startServer());
    after(() => helper.stopServer());
    beforeEach(async () => {
      userDir = mkdtempSync(join(tmpdir(), 'dingtalk-robot-test-'));
      standin = await start({ token: TOKEN, secret: SECRET, keywords: ['告警'] });
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => {
        admin?.closeAllConnections();
        admin ? admin.close(() => resolve()) : resolve();
      });
      admin = undefined;
      await standin.close();
      rmSync(userDir, { recursive: true, force: true });
    });

    it('opens an outbox with damaged lines, warns once with their count, and still sends', async () => {
      const folder = join(userDir, 'node-red-pos-dingtalk', 'dingtalk-robot-robot');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'outbox.jsonl'), 'null\n{"t":"a"}\n');
      const warned = () =>
        helper
          .log()
          .args.filter((args) => JSON.stringify(args).includes('dingtalk-robot.errors.outbox-bad-lines'));
      await load({ keywords: '告警' });
      for (let turn = 0; turn < 1_000 && warned().length === 0; turn++) await new Promise(setImmediate);
      assert.equal(warned().length, 1);
      assert.equal((await test({ id: 'robot', text: 'still works' })).answer.ok, true);
    });

    it('sends one message with the deployed robot and says DingTalk accepted it', async () => {
      await load({ keywords: '告警' });
      const { status, answer, raw } = await test({ id: 'robot', text: 'Test from the form' });
      assert.equal(status, 200);
      assert.equal(answer.ok, true);
      assert.equal(answer.reason, 'ok');
      assert.equal(answer.host, standin.hostPort);
      assert.equal(typeof answer.requestMs, 'number');
      const content = String((standin.messages[0]?.body.text as { content?: string } | undefined)?.content);
      assert.match(content, /告警/);
      assert.match(content, /Test from the form/);
      assert.ok(!raw.includes(TOKEN) && !raw.includes(SECRET), 'no secret in the answer');
    });

    it('uses the deployed credentials for password fields left unchanged', async () => {
      await load({ keywords: '告警' });
      const { answer } = await test({
        id: 'robot',
        webhook: '__PWRD__',
        secret: '__PWRD__',
        keywords: '告警',
      });
      assert.equal(answer.ok, true);
    });

    const verdicts: [string, () => Record<string, unknown>, string, number | undefined][] = [
      [
        'a wrong secret',
        () => ({ secret: `${SECRET.slice(0, -1)}0`, keywords: '告警' }),
        'sign_mismatch',
        310000,
      ],
      ['no keyword', () => ({ keywords: '' }), 'keyword_missing', 310000],
      [
        'a token that does not exist',
        () => ({ webhook: standin.webhookUrl('nosuchtoken1'), keywords: '告警' }),
        'token_not_found',
        300005,
      ],
      [
        'a host that is not allowed',
        () => ({ webhook: `https://hooks.example.com/robot/send?access_token=${TOKEN}` }),
        'address_host_not_allowed',
        undefined,
      ],
      ['an empty webhook', () => ({ webhook: '' }), 'address_empty', undefined],
    ];
    for (const [name, form, reason, errcode] of verdicts) {
      it(`explains ${name} in plain words (${reason}), from unsaved form values`, async () => {
        await load({ keywords: '告警' });
        const { answer, raw } = await test({ id: 'robot', ...form() });
        assert.equal(answer.ok, false);
        assert.equal(answer.reason, reason);
        assert.equal(answer.errcode, errcode);
        assert.ok(!raw.includes(SECRET.slice(3)) && !raw.includes(TOKEN));
      });
    }

    it('refuses the id of a node that is not a dingtalk-robot, using none of its credentials', async () => {
      helper.settings({ userDir, dingtalkAllowedHosts: [standin.hostPort] });
      // another node type with credentials named like the robot's (a pos-in secret, say)
      const other = (RED: NodeAPI) => {
        robotModule(RED);
        RED.nodes.registerType(
          'other-node',
          function OtherNode(this: never, def: never) {
            RED.nodes.createNode(this, def);
          } as never,
          { credentials: { webhook: { type: 'password' }, secret: { type: 'password' } } },
        );
      };
      const loaded = capturing(other);
      await helper.load(loaded.module, [{ id: 'pos', type: 'other-node' }], {
        pos: { webhook: standin.webhookUrl(), secret: SECRET },
      });
      admin = createServer(loaded.red().httpAdmin as unknown as Parameters<typeof createServer>[0]);
      await new Promise<void>((resolve) => admin?.listen(0, '127.0.0.1', resolve));
      adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
      const { status, answer } = await test({ id: 'pos', webhook: '__PWRD__', secret: '__PWRD__' });
      assert.equal(status, 400);
      assert.equal(answer.error, 'not_a_robot');
      assert.match(String(answer.detail), /dingtalk-robot/);
      assert.equal(standin.messages.length, 0);
    });

    it('checks the pins in the form before sending', async () => {
      await load({ keywords: '告警' });
      const one = await test({ id: 'robot', pins: `sha256/${unrelatedPin('a')}` });
      assert.equal(one.answer.reason, 'pins_too_few');
      const bad = await test({ id: 'robot', pins: 'sha256/nope sha256/nope2' });
      assert.equal(bad.answer.reason, 'pins_invalid');
      assert.equal(standin.messages.length, 0);
    });

    it('works for a robot not deployed yet, from the form alone', async () => {
      await load({ keywords: '告警' });
      const { answer } = await test({
        id: 'new-robot',
        webhook: standin.webhookUrl(),
        secret: SECRET,
        keywords: '告警',
      });
      assert.equal(answer.ok, true);
    });

    it('counts the test against the deployed robot’s rate instead of risking a throttle', async () => {
      await load({ keywords: '告警', ratePerMinute: 1 });
      assert.equal((await test({ id: 'robot' })).answer.ok, true);
      const { answer } = await test({ id: 'robot' });
      assert.equal(answer.ok, false);
      assert.equal(answer.reason, 'rate_busy');
      assert.ok((answer.until as number) > Date.now());
      assert.equal(standin.messages.length, 1);
    });

    it('is guarded by the dingtalk-robot.write permission', async () => {
      const asked: string[] = [];
      const denying = (RED: NodeAPI) =>
        robotModule({
          ...RED,
          auth: {
            needsPermission: (permission: string) => {
              asked.push(permission);
              return (_req, res) => {
                res.statusCode = 403;
                res.end();
              };
            },
          },
        });
      helper.settings({ userDir, dingtalkAllowedHosts: [standin.hostPort] });
      const denied = capturing(denying);
      await helper.load(denied.module, [{ id: 'robot', type: 'dingtalk-robot' }], {
        robot: { webhook: standin.webhookUrl(), secret: SECRET },
      });
      admin = createServer(denied.red().httpAdmin as unknown as Parameters<typeof createServer>[0]);
      await new Promise<void>((resolve) => admin?.listen(0, '127.0.0.1', resolve));
      adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
      const res = await fetch(`${adminUrl}/dingtalk-robot/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'robot' }),
      });
      assert.equal(res.status, 403);
      assert.deepEqual(asked, ['dingtalk-robot.write']);
      assert.equal(standin.messages.length, 0);
    });

    it('answers 400 to a body that is not an object', async () => {
      await load();
      const res = await fetch(`${adminUrl}/dingtalk-robot/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[1]',
      });
      assert.equal(res.status, 400);
    });
  });

  describe('certificate pinning (a real TLS server, its self-signed certificate trusted)', () => {
    const identity = selfSignedCertificate();
    const trusted = tls.getCACertificates('default');
    let server: HttpsServer;
    let hostPort = '';
    let connections = 0;
    let requests = 0;
    let connectionWaiters: (() => void)[] = [];
    let userDir: string;
    let admin: Server | undefined;
    const robot = capturing(robotModule);
    const webhook = () => `https://${hostPort}/robot/send?access_token=${TOKEN}`;

    before(async () => {
      tls.setDefaultCACertificates([...trusted, identity.cert]);
      await helper.startServer();
      server = createHttpsServer({ key: identity.key, cert: identity.cert }, (req, res) => {
        requests++;
        req.resume();
        req.on('end', () => res.end('{"errcode":0,"errmsg":"ok"}'));
      });
      // each attempt after a pin mismatch is a new connection (the refused one is never reused)
      server.on('connection', () => {
        connections++;
        for (const wake of connectionWaiters) wake();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      tls.setDefaultCACertificates(trusted);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await helper.stopServer();
    });
    beforeEach(() => {
      userDir = mkdtempSync(join(tmpdir(), 'dingtalk-robot-pins-'));
      connections = 0;
      requests = 0;
      connectionWaiters = [];
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => {
        admin?.closeAllConnections();
        admin ? admin.close(() => resolve()) : resolve();
      });
      admin = undefined;
      rmSync(userDir, { recursive: true, force: true });
    });

    const connectionsAtLeast = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => connections >= n && resolve();
        connectionWaiters.push(check);
        check();
      });

    async function deploy(pins: string) {
      helper.settings({
        userDir,
        dingtalkAllowedHosts: [hostPort],
        dingtalkRetries: 1,
        dingtalkRetryBaseMs: 100,
        dingtalkRetryMaxMs: 200,
        dingtalkSlowRetryMs: [200],
      });
      const both = (RED: NodeAPI) => {
        robot.module(RED);
        sendModule(RED);
      };
      await helper.load(
        both,
        [
          { id: 'robot', type: 'dingtalk-robot', pins },
          {
            id: 'send',
            type: 'dingtalk-send',
            robot: 'robot',
            msgtype: 'text',
            text: 'stock low',
            wires: [['ok'], ['failed']],
          },
          { id: 'ok', type: 'helper' },
          { id: 'failed', type: 'helper' },
        ],
        { robot: { webhook: webhook(), secret: SECRET } },
      );
      admin = createServer(robot.red().httpAdmin as unknown as Parameters<typeof createServer>[0]);
      await new Promise<void>((resolve) => admin?.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
    }

    const testButton = async (adminUrl: string, body: Record<string, unknown>) =>
      (await (
        await fetch(`${adminUrl}/dingtalk-robot/test`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, unknown>;

    it('sends when a pin matches the server’s key', async () => {
      const adminUrl = await deploy(`sha256/${unrelatedPin('backup')}\nsha256/${identity.pin}`);
      const outputs = helper.getNode('ok') as TestNode;
      const sent = new Promise((resolve) => outputs.on('input', resolve));
      (helper.getNode('send') as TestNode).receive({ payload: 1 });
      await sent;
      assert.equal((await testButton(adminUrl, { id: 'robot' })).reason, 'ok');
    });

    it('on a mismatch keeps the alert waiting past the retries, shows a red status saying why, and the test button says so too', async () => {
      const adminUrl = await deploy(`sha256/${unrelatedPin('a')}\nsha256/${unrelatedPin('b')}`);
      const send = helper.getNode('send') as TestNode;
      const outputs = [helper.getNode('ok'), helper.getNode('failed')] as TestNode[];
      const delivered: unknown[] = [];
      for (const node of outputs) node.on('input', (msg: unknown) => delivered.push(msg));
      // (the test helper's RED._ gives back the key: the reason's own text is checked in the unit tests)
      const red = statusMatching(
        send,
        (s) => s.fill === 'red' && /dingtalk-send\.status\.(retrying|outage)/.test(String(s.text)),
      );
      send.receive({ payload: 1 });
      await red;
      await connectionsAtLeast(4); // the first attempt, the one retry, and two more: still waiting
      assert.equal(requests, 0, 'nothing reached the server');
      assert.deepEqual(delivered, [], 'neither sent nor failed for good');
      const answer = await testButton(adminUrl, { id: 'robot' });
      assert.equal(answer.ok, false);
      assert.equal(answer.reason, 'pin_mismatch');
    });
  });

  describe('locales', () => {
    const langs = ['en-US', 'zh-CN', 'zh-TW'];
    const dir = join(__dirname, '../../nodes/dingtalk-robot/locales');
    const read = (lang: string) =>
      JSON.parse(readFileSync(join(dir, lang, 'dingtalk-robot.json'), 'utf8')) as {
        'dingtalk-robot': Record<string, Record<string, string>>;
      };
    const keys = (value: unknown, prefix = ''): string[] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];

    it('has the same keys in en-US, zh-CN and zh-TW', () => {
      const [en, ...others] = langs.map((lang) => keys(read(lang)).sort());
      for (const other of others) assert.deepEqual(other, en);
    });
    it('translates every reason the core and the test button can give', () => {
      for (const lang of langs) {
        const reasons = read(lang)['dingtalk-robot'].reason ?? {};
        for (const code of [...Object.keys(REASONS), 'rate_busy', 'not_permitted', 'editor_error']) {
          assert.ok(reasons[code], `${lang} lacks reason.${code}`);
        }
      }
    });
    it('has help in every language', () => {
      for (const lang of langs) {
        assert.match(
          readFileSync(join(dir, lang, 'dingtalk-robot.html'), 'utf8'),
          /data-help-name="dingtalk-robot"/,
        );
      }
    });
  });
});
