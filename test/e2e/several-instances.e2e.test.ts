// Three real Node-RED processes deployed with the same flow, sharing one real Redis, with POS traffic spread
// over them as a load balancer would: every event delivered to two instances leaves exactly once, also while
// Redis is stopped and started again (pos-in answers 503 meanwhile, and the POS retries).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { type Collector, posInToCollector, startCollector } from '../support/collector';
import { genericSignature, sampleOrder } from '../support/pos-events';
import { RedisServer } from '../support/redis-server';

const SECRET = 'e2e-shared-secret-分店';

const flow = (collectorUrl: string) => posInToCollector(collectorUrl, SECRET);

/** Deliveries answered 503 (or not at all) so far, counted as they happen. */
const tally = { refused: 0 };

/** Posts until answered 200, as a POS retries; every refusal is counted in `tally`. */
async function deliver(endpoint: string, event: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(event);
  const headers = {
    'content-type': 'application/json',
    'x-webhook-signature': genericSignature(SECRET, body),
  };
  for (;;) {
    const response = await fetch(endpoint, { method: 'POST', headers, body }).catch(() => undefined);
    const status = response?.status;
    await response?.arrayBuffer();
    if (status === 200) return;
    assert.ok(status === undefined || status === 503, `unexpected answer ${status}`);
    tally.refused++;
  }
}

/** Runs `work` over `items` with at most `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

describe('several Node-RED instances sharing one Redis (end to end)', function () {
  this.timeout(240_000);
  let redis: RedisServer;
  let collector: Collector;
  const instances: NodeRed[] = [];
  let endpoints: string[] = [];

  before(async () => {
    redis = await RedisServer.start();
    collector = await startCollector();
    for (let i = 0; i < 3; i++) {
      const nodeRed = await launchNodeRed({ settings: { posDingtalkRedis: { url: redis.url } } });
      instances.push(nodeRed);
      await nodeRed.deploy(flow(collector.url));
    }
    endpoints = instances.map((nodeRed) => `${nodeRed.url}/pos/events`);
  });

  after(async () => {
    for (const nodeRed of instances) {
      await nodeRed.stop();
      rmSync(nodeRed.userDir, { recursive: true, force: true });
    }
    await collector?.close();
    await redis?.dispose();
  });

  /** Ids that left the instances since `from`, with how often each left. */
  const leftSince = (from: number) => {
    const counts = new Map<string, number>();
    for (const body of collector.received.slice(from)) {
      const id = (body.payload as { id: string }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };

  /** Waits until one more event through each instance has left: everything answered before it has too. */
  const drain = async () => {
    const markers = instances.map(() => sampleOrder());
    await Promise.all(markers.map((event, i) => deliver(endpoints[i] as string, event)));
    const ids = new Set(markers.map((event) => event.id));
    await collector.waitUntil(
      (bodies) => bodies.filter((b) => ids.has((b.payload as { id: string }).id)).length === 3,
    );
  };

  it('lets each of 10,000 events, each delivered to two different instances, leave exactly once', async () => {
    const from = collector.received.length;
    const events = Array.from({ length: 10_000 }, () => sampleOrder());
    const deliveries = events.flatMap((event, i) => [
      { event, endpoint: endpoints[i % 3] as string },
      { event, endpoint: endpoints[(i + 1) % 3] as string },
    ]);
    await inParallel(deliveries, 48, async ({ event, endpoint }) => {
      await deliver(endpoint, event);
    });
    await drain();
    const counts = leftSince(from);
    for (const event of events) assert.equal(counts.get(event.id as string), 1, `event ${event.id}`);
  });

  it('answers 503 while Redis is stopped, and after it is back every retried event leaves exactly once', async () => {
    const from = collector.received.length;
    const events = Array.from({ length: 600 }, () => sampleOrder());
    const refusedBefore = tally.refused;
    const refused = () => tally.refused - refusedBefore;
    const sending = inParallel(events, 16, async (event, i) => {
      await deliver(endpoints[i % 3] as string, event);
      await deliver(endpoints[(i + 1) % 3] as string, event);
    });
    await collector.waitUntil((bodies) => bodies.length - from >= 100);
    await redis.stop();
    // the tills keep retrying against 503s; bring Redis back once each instance has refused some
    await waitFor(() => refused() >= 30);
    await redis.resume();
    await sending;
    await drain();
    const counts = leftSince(from);
    for (const event of events) assert.equal(counts.get(event.id as string), 1, `event ${event.id}`);
    assert.ok(refused() >= 30, `${refused()} deliveries answered 503 while Redis was stopped`);
  });
});

/** Resolves once `done` holds, checked as the tills' answers arrive (each check waits for I/O, never a timer). */
async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await new Promise(setImmediate);
}
