import assert from 'node:assert/strict';
import {
  classifyAnswer,
  type Outcome,
  type ReasonCode,
  SlidingWindowLimiter,
  type TransportAnswer,
} from '../../../nodes/core/dingtalk';

const json = (body: unknown, status = 200): TransportAnswer => ({ status, body: JSON.stringify(body) });
const code = (errcode: number | string, errmsg = 'x', status = 200) => json({ errcode, errmsg }, status);

describe('dingtalk answer classification', () => {
  const table: [string, TransportAnswer, Outcome, ReasonCode, number?][] = [
    ['ok', code(0, 'ok'), 'ok', 'ok', 0],
    ['ok as "0"', code('0', 'ok'), 'ok', 'ok', 0],
    ['system busy', code(-1, '系统繁忙'), 'retry', 'busy', -1],
    ['throttled', code(410100, 'send too fast'), 'throttled', 'throttled', 410100],
    [
      'throttled, older code',
      code(130101, 'send too fast, exceed 20 times per minute'),
      'throttled',
      'throttled',
      130101,
    ],
    ['keyword (en)', code(310000, 'keywords not in content'), 'fatal', 'keyword_missing', 310000],
    ['keyword (zh)', code(310000, '错误描述:关键词不匹配;'), 'fatal', 'keyword_missing'],
    [
      'sign (en)',
      code(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]'),
      'fatal',
      'sign_mismatch',
    ],
    ['sign (zh)', code(310000, '签名不匹配'), 'fatal', 'sign_mismatch'],
    ['timestamp (en)', code(310000, 'invalid timestamp'), 'fatal', 'timestamp_invalid'],
    ['timestamp (zh)', code(310000, '时间戳过期'), 'fatal', 'timestamp_invalid'],
    ['ip (en)', code(310000, 'ip 1.2.3.4 not in whitelist'), 'fatal', 'ip_not_allowed'],
    ['ip (zh)', code(310000, 'IP不在白名单'), 'fatal', 'ip_not_allowed'],
    ['security, unknown wording', code(310000, '???'), 'fatal', 'security_failed'],
    ['token 300001', code(300001, 'token is not exist'), 'fatal', 'token_not_found'],
    ['token 300005', code(300005, 'token is not exist'), 'fatal', 'token_not_found'],
    ['token 400101', code(400101, 'access_token不存在'), 'fatal', 'token_not_found'],
    ['robot disabled', code(400102, '机器人已停用'), 'fatal', 'robot_disabled'],
    ['robot not in group', code(400106, 'x'), 'fatal', 'robot_not_in_group'],
    ['group dissolved', code(400013, '群已被解散'), 'fatal', 'group_dissolved'],
    ['unsupported type', code(400105, 'x'), 'fatal', 'unsupported_type'],
    ['missing parameter 40035', code(40035, 'x'), 'fatal', 'missing_parameter'],
    ['missing parameter 400401', code(400401, 'x'), 'fatal', 'missing_parameter'],
    ['content type', code(43004, 'x'), 'fatal', 'wrong_content_type'],
    ['too large', code(460101, 'message too long'), 'fatal', 'body_too_large'],
    ['too large, older code', code(101002, 'x'), 'fatal', 'body_too_large'],
    ['unsafe link', code(430101, 'x'), 'fatal', 'unsafe_content'],
    ['unsafe content', code(430104, 'x'), 'fatal', 'unsafe_content'],
    ['unknown code', code(999999, 'new thing'), 'fatal', 'unknown_errcode', 999999],
    ['no errcode', json({ ok: true }), 'fatal', 'unknown_errcode'],
    ['errcode not a number', code('oops'), 'fatal', 'unknown_errcode'],
    ['HTTP 500', { status: 500, body: 'Internal error' }, 'retry', 'server_error'],
    ['HTTP 503 with JSON', code(-1, 'busy', 503), 'retry', 'server_error'],
    ['HTTP 502 saying throttled', code(410100, 'x', 502), 'throttled', 'throttled'],
    ['HTTP 429', { status: 429, body: '' }, 'retry', 'http_error'],
    ['HTTP 404', { status: 404, body: '<html>' }, 'fatal', 'http_error'],
    ['HTTP 200, HTML page', { status: 200, body: '<html>proxy</html>' }, 'retry', 'not_json'],
    ['HTTP 200, empty', { status: 200, body: '' }, 'retry', 'not_json'],
    ['network error', { error: { code: 'ECONNRESET', message: 'socket hang up' } }, 'retry', 'network_error'],
    [
      'timeout',
      { error: { code: 'UND_ERR_HEADERS_TIMEOUT', message: 't', timeout: true } },
      'retry',
      'timeout',
    ],
  ];
  for (const [name, answer, outcome, reason, errcode] of table) {
    it(`${name} → ${outcome} (${reason})`, () => {
      const c = classifyAnswer(answer);
      assert.equal(c.outcome, outcome);
      assert.equal(c.reason, reason);
      assert.ok(c.text.length > 0);
      if (errcode !== undefined) assert.equal(c.errcode, errcode);
    });
  }
  it('says it in plain words', () => {
    assert.equal(classifyAnswer(code(310000, 'sign not match')).text, 'signature mismatch: check the secret');
    assert.match(classifyAnswer(code(310000, 'keywords not in content')).text, /^keyword missing/);
    assert.match(classifyAnswer(code(300001, 'x')).text, /^token does not exist/);
  });
  it('keeps DingTalk’s errmsg', () =>
    assert.equal(classifyAnswer(code(400102, '机器人已停用')).errmsg, '机器人已停用'));
});

describe('sliding-window limiter', () => {
  it('allows N within any window and frees each slot one window after it was used', () => {
    const l = new SlidingWindowLimiter({ limit: 3, windowMs: 1000 });
    assert.ok(l.tryTake(0));
    assert.ok(l.tryTake(100));
    assert.ok(l.tryTake(200));
    assert.equal(l.tryTake(300), false);
    assert.equal(l.nextFreeAt(300), 1000);
    assert.equal(l.tryTake(999), false);
    assert.ok(l.tryTake(1000));
    assert.equal(l.tryTake(1000), false);
    assert.equal(l.nextFreeAt(1000), 1100);
    assert.equal(l.available(1199), 1);
    assert.equal(l.available(1200), 2);
  });
  it('does not let a burst straddle two fixed minutes', () => {
    const l = new SlidingWindowLimiter({ limit: 20, windowMs: 60_000 });
    let sent = 0;
    for (let t = 50_000; t < 70_000; t += 100) if (l.tryTake(t)) sent++;
    assert.equal(sent, 20);
  });
  it('property-like sweep: never more than N in any window', () => {
    const l = new SlidingWindowLimiter({ limit: 5, windowMs: 1000 });
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 5000; i++) {
      t += (i * 7919) % 97;
      if (l.tryTake(t)) times.push(t);
    }
    for (let i = 5; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 5] as number) >= 1000);
  });
  it('reports when its window ends and resets', () => {
    const l = new SlidingWindowLimiter({ limit: 2, windowMs: 1000 });
    assert.equal(l.windowEndsAt(5), 5);
    l.tryTake(10);
    assert.equal(l.windowEndsAt(20), 1010);
    l.reset();
    assert.equal(l.used(20), 0);
  });
});
