// The shared connection against a real redis-server: what an operator sees when Redis is away, refuses the
// password, runs out of memory or is a read-only replica. Never a crash, never the password.
import assert from 'node:assert/strict';
import { type RedisSettings, redisConfigFrom } from '../../../nodes/core/redis/config';
import {
  acquireRedis,
  LuaScript,
  RedisConnection,
  type RedisState,
} from '../../../nodes/core/redis/connection';
import { RedisServer } from '../../support/redis-server';

const settingsFor = (url: string): RedisSettings => {
  const config = redisConfigFrom({ POS_DINGTALK_REDIS_URL: url }, undefined);
  assert.equal(config.kind, 'redis');
  return (config as { settings: RedisSettings }).settings;
};

const stateMatching = (connection: RedisConnection, test: (state: RedisState) => boolean) =>
  new Promise<RedisState>((resolve) => {
    const stop = connection.watch((state) => {
      if (!test(state)) return;
      queueMicrotask(() => stop());
      resolve(state);
    });
  });

const SET = new LuaScript("return redis.call('SET', KEYS[1], ARGV[1])");

describe('Redis connection (a real redis-server)', function () {
  this.timeout(60_000);
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(() => server.dispose());

  it('is shared by the nodes of a process and closed after the last lets go', async () => {
    const settings = settingsFor(server.url);
    const one = acquireRedis(settings);
    const two = acquireRedis(settings);
    assert.equal(one.connection, two.connection);
    await stateMatching(one.connection, (s) => s.up);
    await one.release();
    assert.deepEqual(await two.connection.run(SET, ['shared'], ['1']), 'OK');
    await two.release();
    const three = acquireRedis(settings);
    assert.notEqual(three.connection, one.connection);
    await three.release();
  });

  it('lets a command sent while it first connects wait for that, rather than fail (a node just deployed)', async () => {
    const connection = new RedisConnection(settingsFor(server.url));
    try {
      assert.equal(connection.state.up, false);
      assert.equal(await connection.run(SET, ['early'], ['1']), 'OK');
    } finally {
      await connection.close();
    }
  });

  it('fails at once while Redis is away, says why, and recovers by itself', async () => {
    const connection = new RedisConnection(settingsFor(server.url));
    await stateMatching(connection, (s) => s.up);
    await server.stop();
    const down = await stateMatching(connection, (s) => !s.up);
    assert.ok(!down.up && down.reason.length > 0);
    await assert.rejects(connection.run(SET, ['k'], ['v']), /Redis is unavailable/);
    await server.resume();
    await stateMatching(connection, (s) => s.up);
    assert.equal(await connection.run(SET, ['k'], ['v']), 'OK');
    await connection.close();
  });

  it('names a wrong password without showing it', async () => {
    await commandOn(server, ['CONFIG', 'SET', 'requirepass', 'right-one']);
    const connection = new RedisConnection(settingsFor(`redis://:wrong-one-xyz@127.0.0.1:${server.port}`));
    const state = await stateMatching(connection, (s) => !s.up && s.reason !== 'connecting');
    assert.ok(!state.up);
    assert.match(state.reason, /WRONGPASS|invalid password|NOAUTH/i);
    assert.ok(!state.reason.includes('wrong-one-xyz'));
    await connection.close();
    await commandOn(server, ['CONFIG', 'SET', 'requirepass', ''], 'right-one');
  });

  it('reports a Redis that refuses writes (out of memory, a read-only replica) as unavailable with the reason', async () => {
    const connection = new RedisConnection(settingsFor(server.url));
    await stateMatching(connection, (s) => s.up);
    await commandOn(server, ['CONFIG', 'SET', 'maxmemory', '1']);
    await assert.rejects(connection.run(SET, ['big'], ['x'.repeat(1000)]), /OOM/);
    await commandOn(server, ['CONFIG', 'SET', 'maxmemory', '0']);
    await commandOn(server, ['REPLICAOF', '127.0.0.1', '1']);
    await assert.rejects(connection.run(SET, ['k'], ['v']), /READONLY/);
    await commandOn(server, ['REPLICAOF', 'NO', 'ONE']);
    await connection.close();
  });
});

/** One command on a side connection, as an operator would type it in redis-cli. */
async function commandOn(server: RedisServer, args: string[], password?: string): Promise<void> {
  const url = password ? `redis://:${password}@127.0.0.1:${server.port}` : server.url;
  const connection = new RedisConnection(settingsFor(url));
  await stateMatching(connection, (s) => s.up);
  await connection.command((client) => client.sendCommand(args));
  await connection.close();
}
