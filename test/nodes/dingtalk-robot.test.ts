import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StandIn, start } from '../../dev/dingtalk-standin/index';
import { REASONS } from '../../nodes/core/dingtalk/index';

import robotModule = require('../../nodes/dingtalk-robot/dingtalk-robot');

import {
  DEFAULT_SETTINGS,
  hostAllowed,
  parseRobotConfig,
  runtimeSettings,
} from '../../nodes/dingtalk-robot/robot-config';
import type { NodeAPI } from '../../nodes/shared/node-red';
import { capturing, helper } from '../support/node-red-helper';

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
