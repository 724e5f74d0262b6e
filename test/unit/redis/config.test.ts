import assert from 'node:assert/strict';
import { redactRedisUrl, redisConfigFrom } from '../../../nodes/core/redis/config';

describe('Redis setting', () => {
  it('is off (local files) when neither the environment variable nor settings.js names a URL', () => {
    assert.deepEqual(redisConfigFrom({}, undefined), { kind: 'local' });
    assert.deepEqual(redisConfigFrom({ POS_DINGTALK_REDIS_URL: '  ' }, undefined), { kind: 'local' });
  });

  it('reads POS_DINGTALK_REDIS_URL, and settings.js posDingtalkRedis over it', () => {
    const fromEnv = redisConfigFrom({ POS_DINGTALK_REDIS_URL: 'redis://10.0.0.5:6379/2' }, undefined);
    assert.deepEqual(fromEnv, {
      kind: 'redis',
      settings: { url: 'redis://10.0.0.5:6379/2', keyPrefix: 'posdt:', display: 'redis://10.0.0.5:6379/2' },
    });
    const fromSettings = redisConfigFrom(
      { POS_DINGTALK_REDIS_URL: 'redis://ignored:6379' },
      { url: 'rediss://ops:s3cr%40t@cache.example.com:6380', keyPrefix: 'shop-a:', tls: { ca: 'PEM' } },
    );
    assert.equal(fromSettings.kind, 'redis');
    if (fromSettings.kind !== 'redis') return;
    assert.equal(fromSettings.settings.keyPrefix, 'shop-a:');
    assert.deepEqual(fromSettings.settings.tls, { ca: 'PEM' });
    assert.equal(fromSettings.settings.display, 'rediss://ops@cache.example.com:6380');
  });

  it('never shows the password', () => {
    assert.equal(redactRedisUrl(new URL('redis://:hunter2@127.0.0.1:6379/0')), 'redis://127.0.0.1:6379/0');
    assert.equal(redactRedisUrl(new URL('redis://default:hunter2@h:1')), 'redis://default@h:1');
  });

  it('names the problem with a malformed setting instead of falling back to local files', () => {
    for (const [env, setting, problem] of [
      ['not a url', undefined, /not a URL/],
      ['http://127.0.0.1:6379', undefined, /redis:\/\/ or rediss:\/\//],
      ['redis://127.0.0.1:6379/cache', undefined, /database number/],
      [undefined, 'redis://127.0.0.1', /must be an object/],
      [undefined, { url: 'redis://h', keyPrefix: 'has space' }, /keyPrefix/],
      [undefined, { url: 'redis://h', tls: 'yes' }, /tls/],
    ] as const) {
      const config = redisConfigFrom({ POS_DINGTALK_REDIS_URL: env }, setting);
      assert.equal(config.kind, 'invalid', JSON.stringify([env, setting]));
      if (config.kind === 'invalid') assert.match(config.problem, problem);
    }
  });
});
