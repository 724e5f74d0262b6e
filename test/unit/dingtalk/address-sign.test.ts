import assert from 'node:assert/strict';
import {
  buildRequestUrl,
  checkSecret,
  parseRobotAddress,
  type RobotAddress,
  signTimestamp,
} from '../../../nodes/core/dingtalk';

const TOKEN = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describe('dingtalk robot address', () => {
  const ok: [string, string, string, boolean?][] = [
    ['bare token', TOKEN, 'https://oapi.dingtalk.com/robot/send'],
    ['token with spaces', `  ${TOKEN}\n`, 'https://oapi.dingtalk.com/robot/send'],
    [
      'full URL',
      `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
      'https://oapi.dingtalk.com/robot/send',
    ],
    [
      'international host',
      `https://oapi.dingtalk.io/robot/send?access_token=${TOKEN}`,
      'https://oapi.dingtalk.io/robot/send',
    ],
    [
      'URL without scheme',
      `oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
      'https://oapi.dingtalk.com/robot/send',
    ],
    [
      'quoted URL',
      `"https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}"`,
      'https://oapi.dingtalk.com/robot/send',
    ],
    [
      'other params kept out',
      `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}&timestamp=1&sign=x`,
      'https://oapi.dingtalk.com/robot/send',
    ],
    [
      'stand-in with the setting',
      `http://127.0.0.1:8089/robot/send?access_token=${TOKEN}`,
      'http://127.0.0.1:8089/robot/send',
      true,
    ],
  ];
  for (const [name, input, endpoint, allowOtherHost] of ok) {
    it(`accepts a ${name}`, () => {
      const r = parseRobotAddress(input, { allowOtherHost: allowOtherHost ?? false });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.address.endpoint, endpoint);
      assert.equal(r.address.accessToken, TOKEN);
      assert.ok(!r.address.host.includes(TOKEN));
    });
  }

  const bad: [string, string, string][] = [
    ['empty', '   ', 'address_empty'],
    [
      'the secret pasted by mistake',
      'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd',
      'address_is_secret',
    ],
    ['another host', `https://evil.example.com/robot/send?access_token=${TOKEN}`, 'address_host_not_allowed'],
    [
      'a look-alike host',
      `https://oapi.dingtalk.com.evil.io/robot/send?access_token=${TOKEN}`,
      'address_host_not_allowed',
    ],
    [
      'the stand-in without the setting',
      `http://127.0.0.1:8089/robot/send?access_token=${TOKEN}`,
      'address_host_not_allowed',
    ],
    [
      'plain http to DingTalk',
      `http://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
      'address_insecure',
    ],
    ['no token', 'https://oapi.dingtalk.com/robot/send', 'address_no_token'],
    ['garbage', 'hello world!', 'address_invalid'],
    ['ftp', `ftp://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, 'address_invalid'],
  ];
  for (const [name, input, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      const r = parseRobotAddress(input);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.problem.code, code);
      assert.ok(!r.ok && !JSON.stringify(r.problem).includes(TOKEN), 'the token never shows in a problem');
    });
  }

  it('checks the secret shape', () => {
    assert.equal(checkSecret(''), undefined);
    assert.equal(checkSecret('SEC0123456789abcdef'), undefined);
    assert.equal(checkSecret('0123456789abcdef')?.code, 'secret_invalid');
  });
});

describe('dingtalk signing (shared vectors, facts/dingtalk.md)', () => {
  const vectors: [string, number, string, string][] = [
    [
      'this is secret',
      1577836800000,
      'fFV9t5lBS7KH4+5B0JjR99ab+AJkXFauQXycgTkS/tc=',
      'fFV9t5lBS7KH4%2B5B0JjR99ab%2BAJkXFauQXycgTkS%2Ftc%3D',
    ],
    [
      'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd',
      1700000000000,
      '8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw=',
      '8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D',
    ],
  ];
  for (const [secret, ts, base64, sign] of vectors) {
    it(`matches the vector for ${ts}`, () => {
      assert.deepEqual(signTimestamp(secret, ts), { timestamp: String(ts), base64, sign });
    });
  }

  const address: RobotAddress = {
    endpoint: 'https://oapi.dingtalk.com/robot/send',
    accessToken: TOKEN,
    host: 'x',
  };

  it('builds the signed URL, encoded exactly once', () => {
    const [secret, ts, base64, sign] = vectors[0] as [string, number, string, string];
    const url = buildRequestUrl(address, secret, ts);
    assert.equal(
      url,
      `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}&timestamp=${ts}&sign=${sign}`,
    );
    // what a server decodes is the base64 signature, with its + and / intact
    assert.equal(new URL(url).searchParams.get('sign'), base64);
  });

  it('signs afresh for every request time', () => {
    const a = buildRequestUrl(address, 'SECabc0123456789', 1_000);
    const b = buildRequestUrl(address, 'SECabc0123456789', 2_000);
    assert.notEqual(a, b);
    assert.equal(new URL(b).searchParams.get('timestamp'), '2000');
  });

  it('leaves timestamp and sign out without a secret', () => {
    assert.equal(
      buildRequestUrl(address, '', 1),
      `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
    );
  });
});
