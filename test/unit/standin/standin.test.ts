import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { type Fault, MAX_BODY_BYTES, type StandIn, start } from '../../../dev/dingtalk-standin/index';
import { checkSignature, expectedSignature } from '../../../dev/dingtalk-standin/signature';

const TOKEN = 'test-token';
const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
/** DingTalk's current answer to a wrong or missing signature, in either language of the stand-in. */
const SIGN_MISMATCH = /^description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳/;

// The test's own signing, checked against the published vectors below before it is trusted.
function sign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

interface Reply {
  status: number;
  body: Record<string, unknown> | string;
}

async function post(
  standin: StandIn,
  body: unknown,
  options: {
    token?: string;
    timestamp?: number;
    sign?: string | null;
    contentType?: string;
    query?: string;
  } = {},
): Promise<Reply> {
  const timestamp = options.timestamp ?? Date.now();
  const signValue = options.sign === undefined ? encodeURIComponent(sign(SECRET, timestamp)) : options.sign;
  const query =
    options.query ??
    `access_token=${options.token ?? TOKEN}&timestamp=${timestamp}${signValue === null ? '' : `&sign=${signValue}`}`;
  const res = await fetch(`${standin.url}/robot/send?${query}`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, body: text };
  }
}

const text = (content: string, extra: Record<string, unknown> = {}) => ({
  msgtype: 'text',
  text: { content },
  ...extra,
});

function errcode(reply: Reply): unknown {
  return typeof reply.body === 'string' ? undefined : reply.body.errcode;
}

function errmsg(reply: Reply): string {
  return typeof reply.body === 'string' ? '' : String(reply.body.errmsg);
}

describe('DingTalk stand-in', () => {
  describe('signature check (facts/dingtalk.md vectors)', () => {
    const vectors = [
      {
        secret: 'this is secret',
        timestamp: '1577836800000',
        base64: 'fFV9t5lBS7KH4+5B0JjR99ab+AJkXFauQXycgTkS/tc=',
        query: 'fFV9t5lBS7KH4%2B5B0JjR99ab%2BAJkXFauQXycgTkS%2Ftc%3D',
      },
      {
        secret: SECRET,
        timestamp: '1700000000000',
        base64: '8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw=',
        query: '8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D',
      },
    ];
    for (const vector of vectors) {
      const now = Number(vector.timestamp);
      const decoded = (query: string) => new URLSearchParams(`sign=${query}`).get('sign');
      it(`computes the published signature for "${vector.secret.slice(0, 14)}"`, () => {
        assert.equal(expectedSignature(vector.secret, vector.timestamp), vector.base64);
        assert.equal(sign(vector.secret, now), vector.base64);
        assert.equal(encodeURIComponent(vector.base64), vector.query);
      });
      it('accepts the published query value, once decoded', () => {
        assert.deepEqual(checkSignature(vector.secret, vector.timestamp, decoded(vector.query), now), {
          ok: true,
        });
      });
      it('refuses it double-encoded', () => {
        const twice = encodeURIComponent(vector.query);
        assert.deepEqual(checkSignature(vector.secret, vector.timestamp, decoded(twice), now), {
          ok: false,
          reason: 'mismatch',
        });
      });
    }
    it('refuses a + left unencoded (it arrives as a space)', () => {
      const [vector] = vectors;
      const raw = vector?.base64 as string;
      assert.ok(raw.includes('+'));
      const received = new URLSearchParams(`sign=${raw}`).get('sign');
      assert.deepEqual(checkSignature('this is secret', '1577836800000', received, 1577836800000), {
        ok: false,
        reason: 'mismatch',
      });
    });
    it('refuses another secret', () => {
      const result = checkSignature('other', '1577836800000', vectors[0]?.base64 ?? '', 1577836800000);
      assert.deepEqual(result, { ok: false, reason: 'mismatch' });
    });
    const hour = 3_600_000;
    for (const [name, offset, ok] of [
      ['exactly one hour behind', -hour, true],
      ['exactly one hour ahead', hour, true],
      ['one hour and a millisecond behind', -hour - 1, false],
      ['one hour and a millisecond ahead', hour + 1, false],
    ] as [string, number, boolean][]) {
      it(`timestamp ${name}: ${ok ? 'accepted' : 'refused'}`, () => {
        const now = 1_700_000_000_000;
        const timestamp = String(now + offset);
        const result = checkSignature(SECRET, timestamp, expectedSignature(SECRET, timestamp), now);
        assert.deepEqual(result, ok ? { ok: true } : { ok: false, reason: 'timestamp' });
      });
    }
    it('refuses a timestamp in seconds and a non-number', () => {
      const now = 1_700_000_000_000;
      for (const timestamp of ['1700000000', '17e11', 'abc', '-1']) {
        assert.deepEqual(checkSignature(SECRET, timestamp, expectedSignature(SECRET, timestamp), now), {
          ok: false,
          reason: 'timestamp',
        });
      }
    });
    it('says when timestamp or sign is missing', () => {
      assert.deepEqual(checkSignature(SECRET, null, 'x', 0), { ok: false, reason: 'missing' });
      assert.deepEqual(checkSignature(SECRET, '1', null, 0), { ok: false, reason: 'missing' });
    });
  });

  describe('over HTTP', () => {
    let standin: StandIn;
    before(async () => {
      standin = await start({
        token: TOKEN,
        secret: SECRET,
        robots: [{ token: 'kw', keywords: ['告警', 'alert'] }],
      });
    });
    beforeEach(() => standin.reset());
    after(() => standin.close());

    it('accepts a signed text message, answers errcode 0 and records it', async () => {
      const reply = await post(standin, text('hello @13800000000', { at: { atMobiles: ['13800000000'] } }));
      assert.deepEqual(reply, { status: 200, body: { errcode: 0, errmsg: 'ok' } });
      assert.equal(standin.messages.length, 1);
      const [message] = standin.messages;
      assert.equal(message?.msgtype, 'text');
      assert.equal(message?.robot, TOKEN);
      assert.deepEqual(message?.mentions, { atMobiles: ['13800000000'], atUserIds: [], isAtAll: false });
      assert.deepEqual(standin.answerCounts(), { '0': 1 });
    });

    it('serves the webhook URL a user pastes', () => {
      assert.match(standin.webhookUrl(), /^http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=test-token$/);
      assert.equal(standin.hostPort, `127.0.0.1:${standin.port}`);
    });

    const refusals: [string, () => Promise<Reply>, number, RegExp][] = [
      ['an unknown token', () => post(standin, text('x'), { token: 'nope' }), 300005, /token is not exist/],
      ['no token', () => post(standin, text('x'), { query: 'timestamp=1' }), 40035, /access_token/],
      ['a wrong signature', () => post(standin, text('x'), { sign: 'AAAA' }), 310000, SIGN_MISMATCH],
      ['no signature', () => post(standin, text('x'), { sign: null }), 310000, SIGN_MISMATCH],
      [
        'a signature with + unencoded',
        async () => {
          // find a timestamp whose signature has a +, then send it raw
          let timestamp = Date.now();
          while (!sign(SECRET, timestamp).includes('+')) timestamp++;
          return post(standin, text('x'), { timestamp, sign: sign(SECRET, timestamp) });
        },
        310000,
        SIGN_MISMATCH,
      ],
      [
        'a double-encoded signature',
        async () => {
          let timestamp = Date.now();
          while (!/[+/=]/.test(sign(SECRET, timestamp))) timestamp++;
          const twice = encodeURIComponent(encodeURIComponent(sign(SECRET, timestamp)));
          return post(standin, text('x'), { timestamp, sign: twice });
        },
        310000,
        SIGN_MISMATCH,
      ],
      [
        'a timestamp two hours old',
        () => post(standin, text('x'), { timestamp: Date.now() - 7_200_000 }),
        310000,
        /invalid timestamp/,
      ],
      [
        'a form content type',
        () => post(standin, text('x'), { contentType: 'application/x-www-form-urlencoded' }),
        43004,
        /Content-Type/,
      ],
      ['a body that is not JSON', () => post(standin, '{"msgtype":'), 40035, /json/],
      ['an unknown msgtype', () => post(standin, { msgtype: 'image', image: {} }), 400105, /image/],
      ['a text without content', () => post(standin, { msgtype: 'text', text: {} }), 40035, /text\.content/],
      [
        'a link spelled like a feedCard (messageURL)',
        () => post(standin, { msgtype: 'link', link: { title: 't', text: 'x', messageURL: 'https://a' } }),
        40035,
        /link\.messageUrl/,
      ],
      [
        'a feedCard spelled like a link (messageUrl)',
        () =>
          post(standin, {
            msgtype: 'feedCard',
            feedCard: { links: [{ title: 't', messageUrl: 'https://a' }] },
          }),
        40035,
        /messageURL/,
      ],
      [
        'an actionCard with neither a single button nor buttons',
        () => post(standin, { msgtype: 'actionCard', actionCard: { title: 't', text: 'x' } }),
        40035,
        /actionCard/,
      ],
      [
        'an actionCard button without actionURL',
        () =>
          post(standin, {
            msgtype: 'actionCard',
            actionCard: { title: 't', text: 'x', btns: [{ title: 'ok', actionUrl: 'https://a' }] },
          }),
        40035,
        /actionURL/,
      ],
      [
        'mentions that are not a list of strings',
        () => post(standin, text('x', { at: { atMobiles: [13800000000] } })),
        40035,
        /atMobiles/,
      ],
      [
        'a message without a keyword',
        () => post(standin, text('all good'), { token: 'kw', query: 'access_token=kw' }),
        310000,
        /keywords not in content/,
      ],
    ];
    for (const [name, send, code, message] of refusals) {
      it(`refuses ${name} with ${code}, recording nothing`, async () => {
        const reply = await send();
        assert.equal(reply.status, 200);
        assert.equal(errcode(reply), code);
        assert.match(errmsg(reply), message);
        assert.equal(standin.messages.length, 0);
      });
    }

    it('accepts the five message types as DingTalk spells them', async () => {
      const bodies = [
        text('x'),
        { msgtype: 'markdown', markdown: { title: 't', text: '# hi' } },
        { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://a', picUrl: '' } },
        {
          msgtype: 'actionCard',
          actionCard: { title: 't', text: 'x', singleTitle: 'go', singleURL: 'https://a' },
        },
        {
          msgtype: 'actionCard',
          actionCard: {
            title: 't',
            text: 'x',
            btnOrientation: '1',
            btns: [
              { title: 'a', actionURL: 'https://a' },
              { title: 'b', actionURL: 'https://b' },
            ],
          },
        },
        {
          msgtype: 'feedCard',
          feedCard: { links: [{ title: 't', messageURL: 'https://a', picURL: 'https://p' }] },
        },
      ];
      for (const body of bodies) assert.equal(errcode(await post(standin, body)), 0, JSON.stringify(body));
      assert.deepEqual(
        standin.messages.map((message) => message.msgtype),
        ['text', 'markdown', 'link', 'actionCard', 'actionCard', 'feedCard'],
      );
    });

    it('finds a keyword in any visible text (markdown title, card buttons), not in URLs', async () => {
      const kw = { query: 'access_token=kw' };
      const inTitle = { msgtype: 'markdown', markdown: { title: '库存告警', text: 'HK-MK-001' } };
      assert.equal(errcode(await post(standin, inTitle, kw)), 0);
      const inButton = {
        msgtype: 'actionCard',
        actionCard: { title: 't', text: 'x', btns: [{ title: 'alert', actionURL: 'https://a' }] },
      };
      assert.equal(errcode(await post(standin, inButton, kw)), 0);
      const inUrl = { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://alert.example' } };
      assert.equal(errcode(await post(standin, inUrl, kw)), 310000);
    });

    it('takes a body of exactly 20,000 bytes and refuses one byte more with 460101', async () => {
      const envelope = JSON.stringify(text(''));
      const fill = (bytes: number) => {
        const cjk = '告'.repeat(Math.floor((bytes - envelope.length) / 3));
        return `${cjk}${'x'.repeat(bytes - envelope.length - Buffer.byteLength(cjk))}`;
      };
      const exact = JSON.stringify(text(fill(MAX_BODY_BYTES)));
      assert.equal(Buffer.byteLength(exact), MAX_BODY_BYTES);
      assert.equal(errcode(await post(standin, exact)), 0);
      const over = JSON.stringify(text(fill(MAX_BODY_BYTES + 1)));
      const reply = await post(standin, over);
      assert.equal(errcode(reply), 460101);
      assert.equal(standin.messages.length, 1);
    });

    it('marks a repeated msgUuid', async () => {
      await post(standin, text('a', { msgUuid: 'u-1' }));
      await post(standin, text('a', { msgUuid: 'u-1' }));
      await post(standin, text('b', { msgUuid: 'u-2' }));
      assert.deepEqual(
        standin.messages.map((message) => [message.msgUuid, message.repeat]),
        [
          ['u-1', false],
          ['u-1', true],
          ['u-2', false],
        ],
      );
    });

    it('answers a GET with 43002', async () => {
      const res = await fetch(`${standin.url}/robot/send?access_token=${TOKEN}`);
      assert.equal(((await res.json()) as { errcode: number }).errcode, 43002);
    });
  });

  describe('rate limit', () => {
    let clock = 1_700_000_000_000;
    let standin: StandIn;
    beforeEach(async () => {
      clock = 1_700_000_000_000;
      standin = await start({
        token: TOKEN,
        ratePerMinute: 3,
        windowMs: 1000,
        throttleMs: 5000,
        now: () => clock,
      });
    });
    afterEach(() => standin.close());
    const send = () => post(standin, text('x'), { query: `access_token=${TOKEN}` }).then(errcode);

    it('accepts the limit, refuses the next with 410100 and stays throttled for the pause', async () => {
      assert.deepEqual([await send(), await send(), await send()], [0, 0, 0]);
      assert.equal(await send(), 410100);
      assert.equal(standin.throttledUntil(), clock + 5000);
      clock += 4999;
      assert.equal(await send(), 410100, 'still throttled although the window has passed');
      clock += 1;
      assert.equal(standin.throttledUntil(), undefined);
      assert.deepEqual([await send(), await send(), await send()], [0, 0, 0]);
      assert.equal(standin.messages.length, 6);
      assert.deepEqual(standin.answerCounts(), { '0': 6, '410100': 2 });
    });

    it('slides: a message leaves the count one window after it was accepted', async () => {
      assert.equal(await send(), 0);
      clock += 500;
      assert.deepEqual([await send(), await send()], [0, 0]);
      clock += 500; // the first message is now exactly one window old
      assert.equal(await send(), 0);
      assert.equal(await send(), 410100);
    });

    it('counts only accepted messages', async () => {
      for (let i = 0; i < 5; i++) {
        assert.equal(
          errcode(await post(standin, { msgtype: 'bad' }, { query: `access_token=${TOKEN}` })),
          400105,
        );
      }
      assert.deepEqual([await send(), await send(), await send()], [0, 0, 0]);
    });

    it('keeps a limit per robot', async () => {
      standin.addRobot({ token: 'second' });
      assert.deepEqual([await send(), await send(), await send(), await send()], [0, 0, 0, 410100]);
      const other = await post(standin, text('x'), { query: 'access_token=second' });
      assert.equal(errcode(other), 0);
    });
  });

  describe('faults', () => {
    let standin: StandIn;
    before(async () => {
      standin = await start({ token: TOKEN });
    });
    beforeEach(() => standin.reset());
    after(() => standin.close());
    const send = () => post(standin, text('x'), { query: `access_token=${TOKEN}` });

    it('answers an HTTP status with a non-JSON body, then recovers', async () => {
      standin.inject({ kind: 'http-status', status: 503 }, 2);
      assert.equal((await send()).status, 503);
      assert.equal((await send()).status, 503);
      assert.equal(errcode(await send()), 0);
      assert.deepEqual(standin.answerCounts(), { 'http-503': 2, '0': 1 });
      assert.equal(standin.messages.length, 1);
    });

    it('answers errcode -1 (system busy)', async () => {
      standin.inject({ kind: 'errcode', errcode: -1 });
      const reply = await send();
      assert.deepEqual(reply.body, { errcode: -1, errmsg: 'system busy' });
      assert.equal(standin.messages.length, 0);
    });

    it('answers 200 with HTML', async () => {
      standin.inject({ kind: 'not-json' });
      const reply = await send();
      assert.equal(reply.status, 200);
      assert.equal(typeof reply.body, 'string');
    });

    it('drops the connection without accepting', async () => {
      standin.inject({ kind: 'drop' });
      await assert.rejects(send());
      assert.equal(standin.messages.length, 0);
      assert.deepEqual(standin.answerCounts(), { dropped: 1 });
    });

    it('accepts, then drops the connection (the answer is lost)', async () => {
      standin.inject({ kind: 'drop-after-accept' });
      await assert.rejects(send());
      assert.equal(standin.messages.length, 1);
    });

    it('answers slowly, then normally', async () => {
      standin.inject({ kind: 'slow', delayMs: 200 });
      const started = Date.now();
      assert.equal(errcode(await send()), 0);
      assert.ok(Date.now() - started >= 190);
    });

    it('is unreachable while down and keeps its port and records when up again', async () => {
      assert.equal(errcode(await send()), 0);
      const port = standin.port;
      await standin.down();
      await assert.rejects(send());
      await standin.up();
      assert.equal(standin.port, port);
      assert.equal(errcode(await send()), 0);
      assert.equal(standin.messages.length, 2);
    });

    it('is driven over /api by another process', async () => {
      const fault: Fault & { times: number } = { kind: 'errcode', errcode: -1, times: 3 };
      const res = await fetch(`${standin.url}/api/faults`, { method: 'POST', body: JSON.stringify(fault) });
      assert.deepEqual(await res.json(), { pendingFaults: 3 });
      await fetch(`${standin.url}/api/faults`, { method: 'DELETE' });
      assert.equal(standin.pendingFaults, 0);
      await send();
      const stats = (await (await fetch(`${standin.url}/api/stats`)).json()) as Record<string, unknown>;
      assert.equal(stats.accepted, 1);
      await fetch(`${standin.url}/api/reset`, { method: 'POST' });
      assert.equal(standin.messages.length, 0);
    });
  });

  describe('waiting and wording', () => {
    it('resolves waitForMessages on the message that completes the count', async () => {
      const standin = await start({ token: TOKEN });
      try {
        const waiting = standin.waitForMessages(2);
        await post(standin, text('1'), { query: `access_token=${TOKEN}` });
        await post(standin, text('2'), { query: `access_token=${TOKEN}` });
        assert.equal((await waiting).length, 2);
        await assert.rejects(standin.waitForMessages(3, 50), /accepted 2 of 3/);
      } finally {
        await standin.close();
      }
    });

    it('answers in Chinese when asked (the wording real servers also use)', async () => {
      const standin = await start({ token: TOKEN, secret: SECRET, keywords: ['告警'], language: 'zh' });
      try {
        assert.match(errmsg(await post(standin, text('x'), { sign: 'bad' })), SIGN_MISMATCH);
        assert.match(errmsg(await post(standin, text('x'))), /关键词不匹配/);
        assert.match(errmsg(await post(standin, text('告警'), { token: 'other' })), /token不存在/);
      } finally {
        await standin.close();
      }
    });

    it('keeps answering while a client reuses one keep-alive connection', async () => {
      const standin = await start({ token: TOKEN });
      try {
        const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
        const sockets = new Set<unknown>();
        for (let i = 0; i < 5; i++) {
          await new Promise<void>((resolve, reject) => {
            const req = request(
              `${standin.url}/robot/send?access_token=${TOKEN}`,
              { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
              (res) => {
                sockets.add(res.socket);
                res.resume();
                res.on('end', resolve);
              },
            );
            req.on('error', reject);
            req.end(JSON.stringify(text(String(i))));
          });
        }
        agent.destroy();
        assert.equal(sockets.size, 1);
        assert.equal(standin.messages.length, 5);
      } finally {
        await standin.close();
      }
    });
  });
});
