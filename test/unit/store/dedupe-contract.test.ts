// One contract, every dedupe store: the local one (memory, and a journal file) and the Redis one, run against a
// real redis-server. The shared store adds what only it can promise: instances claiming the same ids at the
// same moment accept each exactly once, and what Redis acknowledged survives a restart of Redis.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisSettings, redisConfigFrom } from '../../../nodes/core/redis/config';
import {
  RedisConnection,
  type RedisState,
  RedisUnavailableError,
} from '../../../nodes/core/redis/connection';
import { type DedupeStore, LocalDedupeStore } from '../../../nodes/core/store/dedupe-store';
import { PROVISIONAL_MS, RedisDedupeStore } from '../../../nodes/core/store/redis-dedupe-store';
import { RedisServer } from '../../support/redis-server';

interface Maker {
  make(horizonMs: number): DedupeStore;
  /** A store that sees what `make`'s remembered (after a restart, or on another instance); none for memory. */
  again?(horizonMs: number): DedupeStore;
}

function dedupeContract(
  name: string,
  setUp: () => Promise<Maker>,
  tearDown: () => Promise<void>,
  persistent = true,
) {
  describe(`dedupe contract: ${name}`, () => {
    let maker: Maker;
    const open: DedupeStore[] = [];
    const make = (horizonMs: number, again = false) => {
      const store = again && maker.again ? maker.again(horizonMs) : maker.make(horizonMs);
      open.push(store);
      return store;
    };
    beforeEach(async () => {
      maker = await setUp();
    });
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
      await tearDown();
    });

    // horizons of minutes on a pretend clock: Redis also expires keys in real time, which a test must not race
    it('claims an id once within the horizon and again after it', async () => {
      const store = make(600_000);
      assert.deepEqual(await store.claimAll(['evt_1'], 0), [true]);
      assert.deepEqual(await store.claimAll(['evt_1'], 599_999), [false]);
      assert.deepEqual(await store.claimAll(['evt_1'], 600_000), [true]);
    });

    it('answers a batch in order, a repeat within the batch counting as a repeat', async () => {
      const store = make(60_000);
      assert.deepEqual(await store.claimAll(['a', 'b', 'a', 'c'], 1), [true, true, false, true]);
      assert.deepEqual(await store.claimAll(['c', 'd'], 2), [false, true]);
      assert.deepEqual(await store.claimAll([], 3), []);
    });

    it('keeps long and unusual ids apart, however they are stored', async () => {
      const store = make(60_000);
      const long = 'x'.repeat(5_000);
      const ids = [long, `${long}y`, '#digest-look-alike', '收到 1001', 'a"b\\c', '\u0000'];
      assert.deepEqual(
        await store.claimAll(ids, 1),
        ids.map(() => true),
      );
      assert.deepEqual(
        await store.claimAll(ids, 2),
        ids.map(() => false),
      );
    });

    if (!persistent) return;
    it('remembers across a restart (or another instance), and forgets what expired', async () => {
      const first = make(600_000);
      await first.claimAll(['a'], 0);
      await first.claimAll(['b'], 300_000);
      await first.close();
      const second = make(600_000, true);
      assert.deepEqual(await second.claimAll(['a', 'b'], 720_000), [true, false]);
    });
  });
}

dedupeContract(
  'local, in memory',
  async () => ({ make: (horizonMs) => new LocalDedupeStore({ horizonMs }) }),
  async () => {},
  false,
);

let dir = '';
dedupeContract(
  'local, journal file',
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'dedupe-contract-'));
    const file = join(dir, 'ids.jsonl');
    return {
      make: (horizonMs) => new LocalDedupeStore({ horizonMs, file }, 0),
      again: (horizonMs) => new LocalDedupeStore({ horizonMs, file }, 720_000),
    };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('Redis (a real redis-server)', function () {
  this.timeout(60_000);
  let server: RedisServer;
  let settings: RedisSettings;
  const connections: RedisConnection[] = [];
  let scope = 0;

  const connect = async () => {
    const connection = new RedisConnection(settings);
    connections.push(connection);
    await new Promise<void>((resolve) => connection.watch((state) => state.up && resolve()));
    return connection;
  };

  before(async () => {
    server = await RedisServer.start();
    const config = redisConfigFrom({ POS_DINGTALK_REDIS_URL: server.url }, undefined);
    assert.equal(config.kind, 'redis');
    settings = (config as { settings: RedisSettings }).settings;
  });
  after(async () => {
    for (const connection of connections.splice(0)) await connection.close();
    await server.dispose();
  });

  dedupeContract(
    'redis',
    async () => {
      const node = `pos-in-${++scope}`;
      const [one, two] = [await connect(), await connect()];
      return {
        make: (horizonMs) =>
          new RedisDedupeStore({ connection: one, keyPrefix: 'test:', scope: node, horizonMs }),
        again: (horizonMs) =>
          new RedisDedupeStore({ connection: two, keyPrefix: 'test:', scope: node, horizonMs }),
      };
    },
    async () => {},
  );

  it('accepts each of the same ids claimed by three instances at the same moment exactly once', async () => {
    const instances = await Promise.all([connect(), connect(), connect()]);
    const stores = instances.map(
      (connection) =>
        new RedisDedupeStore({ connection, keyPrefix: 'test:', scope: 'race', horizonMs: 60_000 }),
    );
    const ids = Array.from({ length: 2_000 }, (_, i) => `evt_${i}`);
    const batches = stores.map((store, n) =>
      // each instance gets every id, in batches of its own size, in its own order
      (async () => {
        const order = n === 1 ? [...ids].reverse() : ids;
        const size = [1, 7, 64][n] as number;
        const won: string[] = [];
        for (let i = 0; i < order.length; i += size) {
          let batch = order.slice(i, i + size);
          // 'pending': another instance claimed it a moment ago and has not settled it yet; retry, as a POS would
          while (batch.length > 0) {
            const claims = await store.claimAll(batch, 1);
            won.push(...batch.filter((_, k) => claims[k] === true));
            batch = batch.filter((_, k) => claims[k] === 'pending');
          }
        }
        return won;
      })(),
    );
    const won = (await Promise.all(batches)).flat();
    assert.equal(won.length, ids.length);
    assert.equal(new Set(won).size, ids.length);
  });

  it('withdraws a claim whose answer was lost once Redis answers again, so the retry elsewhere is accepted', async () => {
    const real = await connect();
    let loseNext = true;
    // a connection that loses the answer of the first claim after Redis has carried it out
    const lossy = {
      watch: (listener: (state: RedisState) => void) => real.watch(listener),
      async run(...args: Parameters<RedisConnection['run']>) {
        const answer = await real.run(...args);
        if (!loseNext) return answer;
        loseNext = false;
        throw new RedisUnavailableError('the connection dropped before the answer arrived');
      },
    } as unknown as RedisConnection;
    const options = { keyPrefix: 'test:', scope: 'lost', horizonMs: 600_000 };
    const a = new RedisDedupeStore({ ...options, connection: lossy });
    const b = new RedisDedupeStore({ ...options, connection: await connect() });
    await assert.rejects(a.claimAll(['evt_lost', 'evt_kept'], 1), /unavailable/);
    assert.deepEqual(
      await b.claimAll(['evt_lost'], 2),
      ['pending'],
      'recorded, but not yet known to be lost',
    );
    assert.deepEqual(await a.claimAll(['evt_other'], 3), [true]); // withdraws its lost claims first
    assert.deepEqual(await b.claimAll(['evt_lost', 'evt_kept'], 4), [true, true]);
    await a.close();
    await b.close();
  });

  it("holds another instance's unsettled claim as pending, and takes it over once that instance is gone", async () => {
    const real = await connect();
    const other = await connect();
    let alive = true;
    // the instance dies right after its claim: nothing more of it reaches Redis (no settle, no withdraw)
    const dying = {
      watch: (listener: (state: RedisState) => void) => real.watch(listener),
      async run(...args: Parameters<RedisConnection['run']>) {
        if (!alive) throw new RedisUnavailableError('the instance is gone');
        alive = false;
        return real.run(...args);
      },
    } as unknown as RedisConnection;
    const claimer = new RedisDedupeStore({
      connection: dying,
      keyPrefix: 'test:',
      scope: 'takeover',
      horizonMs: 600_000,
    });
    assert.deepEqual(await claimer.claimAll(['evt_1'], 0), [true]);
    const retry = new RedisDedupeStore({
      connection: other,
      keyPrefix: 'test:',
      scope: 'takeover',
      horizonMs: 600_000,
    });
    assert.deepEqual(await retry.claimAll(['evt_1'], PROVISIONAL_MS - 1), ['pending']);
    assert.deepEqual(await retry.claimAll(['evt_1'], PROVISIONAL_MS), [true]);
    assert.deepEqual(await retry.claimAll(['evt_1'], PROVISIONAL_MS + 1), [false]);
  });

  it('keeps what it acknowledged through a restart of Redis (append-only file)', async () => {
    const connection = await connect();
    const store = new RedisDedupeStore({
      connection,
      keyPrefix: 'test:',
      scope: 'restart',
      horizonMs: 600_000,
    });
    assert.deepEqual(await store.claimAll(['kept'], Date.now()), [true]);
    await server.stop();
    await assert.rejects(store.claimAll(['while-down'], Date.now()), /Redis is unavailable/);
    await server.resume();
    await new Promise<void>((resolve) => connection.watch((state) => state.up && resolve()));
    assert.deepEqual(await store.claimAll(['kept', 'while-down'], Date.now()), [false, true]);
  });
});
