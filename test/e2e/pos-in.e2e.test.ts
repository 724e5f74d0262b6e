import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { type Collector, posInToCollector, startCollector } from '../support/collector';
import { genericSignature, postSigned, sampleOrder } from '../support/pos-events';

const SECRET = 'e2e-secret-門市';

const flow = (collectorUrl: string) => posInToCollector(collectorUrl, SECRET, ['topic', 'payload', 'pos']);

function signedRequest(event: Record<string, unknown>): RequestInit {
  const body = JSON.stringify(event);
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-signature': genericSignature(SECRET, body) },
    body,
  };
}

describe('pos-in in a real Node-RED runtime (end to end)', function () {
  this.timeout(60_000);
  let nodeRed: NodeRed;
  let collector: Collector;
  let endpoint: string;

  before(async () => {
    collector = await startCollector();
    nodeRed = await launchNodeRed();
    await nodeRed.deploy(flow(collector.url));
    endpoint = `${nodeRed.url}/pos/events`;
  });

  after(async () => {
    await nodeRed?.stop();
    await collector?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  it('accepts signed events over loopback and emits each exactly once', async () => {
    const events = Array.from({ length: 20 }, () => sampleOrder());
    const answers = await Promise.all(events.map((event) => postSigned(endpoint, event, SECRET)));
    assert.deepEqual(
      answers.map((a) => a.status),
      events.map(() => 200),
    );
    const repeats = await Promise.all(events.slice(0, 5).map((event) => postSigned(endpoint, event, SECRET)));
    assert.ok(repeats.every((a) => a.status === 200 && a.body.duplicate === true));
    const received = await collector.waitFor(20);
    assert.deepEqual(
      new Set(received.map((m) => (m.payload as { id: string }).id)),
      new Set(events.map((e) => e.id)),
    );
    const first = received[0] as { topic: string; pos: Record<string, unknown> };
    assert.equal(first.topic, 'transaction.completed');
    assert.equal(first.pos.verified, true);
    // one more event after the repeats: if a repeat had leaked, it would arrive before this one
    const last = sampleOrder();
    await postSigned(endpoint, last, SECRET);
    const all = await collector.waitFor(21);
    assert.equal((all[20]?.payload as { id: string } | undefined)?.id, last.id);
    assert.equal(all.length, 21);
  });

  it('answers every rejection with its status and a JSON {error, detail}', async () => {
    const cases: [
      string,
      () => Promise<{ status: number; body: Record<string, unknown> }>,
      number,
      string,
    ][] = [
      [
        'unsigned',
        () => postSigned(endpoint, sampleOrder(), SECRET, { signature: null }),
        401,
        'missing_signature',
      ],
      ['forged', () => postSigned(endpoint, sampleOrder(), 'guess'), 401, 'invalid_signature'],
      [
        'replayed after the window',
        () => postSigned(endpoint, sampleOrder({}, new Date(Date.now() - 10 * 60_000)), SECRET),
        401,
        'stale_timestamp',
      ],
      ['broken JSON', () => postSigned(endpoint, '{"id": "x",', SECRET), 400, 'invalid_json'],
      ['schema', () => postSigned(endpoint, sampleOrder({ storeId: 42 }), SECRET), 400, 'invalid_event'],
      [
        'form post',
        () =>
          postSigned(endpoint, 'a=1', SECRET, {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        415,
        'unsupported_media_type',
      ],
      [
        'too large',
        () => postSigned(endpoint, sampleOrder({ note: 'x'.repeat(70_000) }), SECRET),
        413,
        'payload_too_large',
      ],
    ];
    for (const [name, send, status, error] of cases) {
      const answer = await send();
      assert.equal(answer.status, status, name);
      assert.deepEqual(Object.keys(answer.body), ['error', 'detail'], name);
      assert.equal(answer.body.error, error, name);
    }
    const get = await fetch(endpoint);
    assert.equal(get.status, 405);
    assert.match(get.headers.get('content-type') ?? '', /application\/json/);
  });

  it('loses and repeats nothing when pos-in is redeployed while the POS is sending', async () => {
    const before = collector.received.length;
    const sent: string[] = [];
    let sending = true;
    let refusals = 0;
    // A POS: each event is sent until it is answered 200 (503 while the node restarts, or 404 between the
    // old route and the new), as Square, Shopify and Standard Webhooks senders do.
    const till = async () => {
      while (sending) {
        const event = sampleOrder();
        sent.push(event.id as string);
        for (;;) {
          const response = await fetch(endpoint, signedRequest(event));
          await response.arrayBuffer();
          if (response.status === 200) break;
          refusals++;
        }
      }
    };
    const tills = Array.from({ length: 16 }, till);
    // "Modified nodes" deploys that change pos-in only: the old node stops and a new one starts on the same
    // path, while the rest of the flow keeps running (a full deploy also drops what is on its way through
    // the downstream nodes: Node-RED's model, whatever the first node does).
    for (const name of ['till 2', 'till 3', 'till 4']) {
      await collector.waitFor(collector.received.length + 200);
      await nodeRed.deploy(
        flow(collector.url).map((node) => (node.id === 'in' ? { ...node, name } : node)),
        'nodes',
      );
    }
    await collector.waitFor(collector.received.length + 200);
    sending = false;
    await Promise.all(tills);
    const received = await collector.waitUntil((bodies) => bodies.length - before >= sent.length);
    const ids = received.slice(before).map((m) => (m.payload as { id: string }).id);
    assert.equal(ids.length, sent.length, 'one message per event sent');
    assert.deepEqual(new Set(ids), new Set(sent));
    assert.ok(
      sent.length > 800,
      `${sent.length} events sent across 3 redeploys (${refusals} refusals retried)`,
    );
  });

  it('keeps the secret out of the exported flows', async () => {
    const flows = JSON.stringify(await nodeRed.getFlows());
    assert.ok(!flows.includes(SECRET));
  });

  it('still knows an event after Node-RED restarts, and forgets the route when the node is removed', async () => {
    const event = sampleOrder();
    assert.equal((await postSigned(endpoint, event, SECRET)).status, 200);
    await nodeRed.stop();
    nodeRed = await launchNodeRed({ userDir: nodeRed.userDir });
    endpoint = `${nodeRed.url}/pos/events`;
    assert.deepEqual((await postSigned(endpoint, event, SECRET)).body, {
      ok: true,
      id: event.id,
      duplicate: true,
    });
    await nodeRed.deploy([{ id: 'tab', type: 'tab', label: 'POS' }]);
    const gone = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(gone.status, 404);
  });
});

describe('pos-in behind Node-RED httpNodeAuth (end to end)', function () {
  this.timeout(60_000);
  let nodeRed: NodeRed;
  let collector: Collector;

  before(async () => {
    collector = await startCollector();
    // user "pos", password "password" (bcrypt, as settings.js wants it)
    const httpNodeAuth = {
      user: 'pos',
      pass: '$2b$08$MSLTzZKqDr1hFpARFKl5WO4y/GovDzS8E6p3v1PcXLRM1MK21XqVK',
    };
    nodeRed = await launchNodeRed({ settings: { httpNodeAuth } });
    await nodeRed.deploy(flow(collector.url));
  });

  after(async () => {
    await nodeRed?.stop();
    await collector?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  it('lets Node-RED check its credentials first, then verifies the signature', async () => {
    const endpoint = `${nodeRed.url}/pos/events`;
    const withoutLogin = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sampleOrder()),
    });
    assert.equal(withoutLogin.status, 401);
    const login = { authorization: `Basic ${Buffer.from('pos:password').toString('base64')}` };
    const event = sampleOrder();
    const answer = await postSigned(endpoint, event, SECRET, { headers: login });
    assert.deepEqual(answer.body, { ok: true, id: event.id });
    const [received] = await collector.waitFor(1);
    assert.equal((received?.payload as { id: string } | undefined)?.id, event.id);
  });

  it('reads nothing of the body before Node-RED has let the request through', async () => {
    // Headers announcing a body that is never sent: an answer can only come without reading it.
    const { hostname, port } = new URL(nodeRed.url);
    const req = request({
      host: hostname,
      port,
      path: '/pos/events',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000' },
    });
    req.flushHeaders();
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    req.destroy();
    assert.equal(response.statusCode, 401);
  });
});
