import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs, { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import posIn = require('../../nodes/pos-in/pos-in');

import { Webhook as SvixWebhook } from 'svix';
import { hmacSha256 } from '../../nodes/core/webhook/hmac';
import { dedupeKey } from '../../nodes/core/webhook/receiver';
import {
  capturing,
  type FlowNode,
  helper,
  nextMessage,
  serveHttpNode,
  statusMatching,
} from '../support/node-red-helper';
import { genericSignature, postSigned, sampleOrder } from '../support/pos-events';
import { RedisServer } from '../support/redis-server';

const SECRET = 'test-secret-不要外洩';
const flow = (props: Record<string, unknown> = {}): FlowNode[] => [
  {
    id: 'in',
    type: 'pos-in',
    name: 'till',
    path: '/pos/events',
    scheme: 'generic',
    wires: [['out']],
    ...props,
  },
  { id: 'out', type: 'helper' },
];

describe('pos-in node', () => {
  let userDir: string;
  let server: Awaited<ReturnType<typeof serveHttpNode>> | undefined;
  const node = capturing(posIn);

  async function load(
    props: Record<string, unknown> = {},
    credentials: Record<string, string> = { secret: SECRET },
  ) {
    await helper.load(node.module, flow(props), { in: credentials });
    server ??= await serveHttpNode(node.red());
    return { input: helper.getNode('in'), output: helper.getNode('out'), url: `${server.url}/pos/events` };
  }

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'pos-in-test-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    await server?.close();
    server = undefined;
    rmSync(userDir, { recursive: true, force: true });
  });

  it('accepts a signed event, answers with its id, and sends it on with topic and delivery facts', async () => {
    const { output, url } = await load();
    const event = sampleOrder();
    const message = nextMessage(output);
    const answer = await postSigned(url, event, SECRET);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { ok: true, id: event.id });
    const msg = await message;
    assert.deepEqual(msg.payload, event);
    assert.equal(msg.topic, 'transaction.completed');
    const pos = msg.pos as Record<string, unknown>;
    assert.equal(pos.scheme, 'generic');
    assert.equal(pos.deliveryId, event.id);
    assert.equal(pos.verified, true);
    assert.ok(Date.parse(pos.receivedAt as string) > 0);
  });

  it('answers a repeat with duplicate: true and sends no second message', async () => {
    const { output, url } = await load();
    const event = sampleOrder();
    const messages: unknown[] = [];
    output.on('input', (msg: never) => messages.push(msg));
    assert.equal((await postSigned(url, event, SECRET)).status, 200);
    const repeat = await postSigned(url, event, SECRET);
    assert.deepEqual(repeat.body, { ok: true, id: event.id, duplicate: true });
    // a third, different event proves the pipeline kept flowing; only two messages in all
    const other = sampleOrder();
    const third = nextMessage(output);
    await postSigned(url, other, SECRET);
    assert.equal(((await third).payload as { id: string }).id, other.id);
    assert.equal(messages.length, 2);
  });

  it('answers a burst of concurrent deliveries and sends each event on once, repeats in the burst included', async () => {
    const { output, url } = await load();
    const events = Array.from({ length: 40 }, () => sampleOrder());
    const received: string[] = [];
    const msgids = new Set<string>();
    const allOut = new Promise<void>((resolve) =>
      output.on('input', (msg: { payload: { id: string }; _msgid: string }) => {
        received.push(msg.payload.id);
        msgids.add(msg._msgid);
        if (received.length === events.length) resolve();
      }),
    );
    const sent = [...events, events[3], events[17]] as Record<string, unknown>[];
    const answers = await Promise.all(sent.map((event) => postSigned(url, event, SECRET)));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      sent.map(() => 200),
    );
    assert.equal(answers.filter((answer) => answer.body.duplicate === true).length, 2);
    await allOut;
    assert.deepEqual(new Set(received), new Set(events.map((event) => event.id)));
    assert.equal(msgids.size, events.length, 'each message has its own _msgid');
    // one more event comes out right after the burst: nothing from the burst was sent twice
    const last = sampleOrder();
    const after = nextMessage(output);
    await postSigned(url, last, SECRET);
    assert.equal(((await after).payload as { id: string }).id, last.id);
    assert.equal(received.length, events.length + 1);
  });

  it('answers 503 to a delivery whose body completes after the node stopped, and records nothing', async () => {
    const { input, url } = await load();
    const event = sampleOrder();
    const body = JSON.stringify(event);
    const arrived = once(server?.server as Server, 'request');
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-webhook-signature': genericSignature(SECRET, body),
      },
    });
    const answered = once(req, 'response') as Promise<[IncomingMessage]>;
    req.write(body.slice(0, 10));
    await arrived;
    await (input as unknown as { close(removed: boolean): Promise<void> }).close(false); // as a redeploy does
    req.end(body.slice(10));
    const [res] = await answered;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    assert.equal(res.statusCode, 503);
    assert.match(JSON.parse(Buffer.concat(chunks).toString()).detail, /restarting/);
    // the POS retries against the node that replaces it: a new event, not a duplicate
    await helper.unload();
    await server?.close();
    server = undefined;
    const next = await load();
    const message = nextMessage(next.output);
    assert.deepEqual((await postSigned(next.url, event, SECRET)).body, { ok: true, id: event.id });
    assert.equal(((await message).payload as { id: string }).id, event.id);
  });

  it('remembers ids across a restart of Node-RED (same user directory)', async () => {
    const event = sampleOrder();
    let { url } = await load();
    assert.equal((await postSigned(url, event, SECRET)).status, 200);
    await helper.unload();
    await server?.close();
    server = undefined;
    ({ url } = await load());
    assert.deepEqual((await postSigned(url, event, SECRET)).body, {
      ok: true,
      id: event.id,
      duplicate: true,
    });
  });

  /** Where the node in `flow()` keeps its ids. */
  const journalFile = () => join(userDir, 'node-red-pos-dingtalk', 'pos-in-in', 'dedupe.jsonl');
  const logged = (text: string) =>
    helper.log().args.filter((args) => JSON.stringify(args).includes(text)).length;

  it('answers 503 with a red status and a log line when its id journal cannot be opened', async () => {
    mkdirSync(journalFile(), { recursive: true }); // a folder where the file should be: unreadable
    const { input, url } = await load();
    const shownRed = statusMatching(input, (status) => status.fill === 'red');
    for (let i = 0; i < 2; i++) {
      const answer = await postSigned(url, sampleOrder(), SECRET);
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error, 'unavailable');
    }
    assert.match((await shownRed).text ?? '', /pos-in\.status\.store-failed/);
    assert.equal(logged('pos-in.errors.state-unreadable'), 1, 'one log line, not one per delivery');
  });

  it('answers 503 with a red status while its id journal cannot be written, and recovers', async () => {
    const { input, url } = await load();
    const shownRed = statusMatching(input, (status) => status.fill === 'red');
    const writeSync = fs.writeSync;
    fs.writeSync = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const event = sampleOrder();
    try {
      assert.equal((await postSigned(url, event, SECRET)).status, 503);
      assert.equal((await postSigned(url, event, SECRET)).status, 503);
    } finally {
      fs.writeSync = writeSync;
    }
    assert.match((await shownRed).text ?? '', /pos-in\.status\.store-failed/);
    assert.equal(logged('pos-in.errors.internal'), 1, 'the same failure is logged once');
    const shownGreen = statusMatching(input, (status) => status.fill === 'green');
    assert.deepEqual((await postSigned(url, event, SECRET)).body, { ok: true, id: event.id });
    await shownGreen;
  });

  it('warns once about lines in its id journal that are not ids, and remembers the rest', async () => {
    const event = sampleOrder();
    mkdirSync(join(journalFile(), '..'), { recursive: true });
    const key = dedupeKey(String(event.storeId), String(event.id));
    writeFileSync(journalFile(), `null\n${JSON.stringify([key, Date.now() + 60_000])}\n42\n`);
    const { url } = await load();
    assert.deepEqual((await postSigned(url, event, SECRET)).body, {
      ok: true,
      id: event.id,
      duplicate: true,
    });
    assert.equal(logged('pos-in.errors.state-bad-lines'), 1);
    assert.equal(logged('pos-in.errors.state-unreadable'), 0);
  });

  it('accepts the previous secret during a rotation', async () => {
    const { url } = await load({}, { secret: 'new-secret', previousSecret: SECRET });
    assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 200);
    assert.equal((await postSigned(url, sampleOrder(), 'new-secret')).status, 200);
    assert.equal((await postSigned(url, sampleOrder(), 'someone-else')).status, 401);
  });

  it('answers every kind of bad request with JSON {error, detail} and the right status', async () => {
    const { input, url } = await load({ maxBodyKb: 1 });
    const rejectionShown = statusMatching(input, (status) => status.fill === 'yellow');
    const stale = sampleOrder({}, new Date(Date.now() - 6 * 60_000));
    const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      ['no signature', postSigned(url, sampleOrder(), SECRET, { signature: null }), 401, 'missing_signature'],
      ['wrong signature', postSigned(url, sampleOrder(), 'wrong'), 401, 'invalid_signature'],
      ['old timestamp', postSigned(url, stale, SECRET), 401, 'stale_timestamp'],
      ['bad JSON', postSigned(url, '{"id":', SECRET), 400, 'invalid_json'],
      ['bad event', postSigned(url, sampleOrder({ data: { orderId: '1' } }), SECRET), 400, 'invalid_event'],
      [
        'wrong content type',
        postSigned(url, sampleOrder(), SECRET, { headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      ],
      [
        'too large',
        postSigned(url, sampleOrder({ pad: 'x'.repeat(2000) }), SECRET),
        413,
        'payload_too_large',
      ],
    ];
    for (const [name, request, status, error] of cases) {
      const answer = await request;
      assert.equal(answer.status, status, name);
      assert.equal(answer.body.error, error, name);
      assert.equal(typeof answer.body.detail, 'string', name);
    }
    const invalid = await postSigned(url, sampleOrder({ data: { orderId: '1' } }), SECRET);
    assert.match(String(invalid.body.detail), /^data\.total: /);
    const get = await fetch(url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.deepEqual(Object.keys((await get.json()) as object), ['error', 'detail']);
    assert.match((await rejectionShown).text ?? '', /pos-in\.reason\./);
  });

  it('refuses sources outside the allowlist with 403', async () => {
    const { url } = await load({ allowlist: '10.0.0.0/8' });
    const answer = await postSigned(url, sampleOrder(), SECRET);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error, 'forbidden');
  });

  it('limits each source and says when to retry', async () => {
    const { url } = await load({ ratePerSecond: 1 });
    assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 200);
    const limited = await postSigned(url, sampleOrder(), SECRET);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '1');
  });

  it('keeps the POS within its own budget while an unauthenticated client floods the same address', async () => {
    const { url } = await load({ ratePerSecond: 1 });
    assert.equal((await postSigned(url, sampleOrder(), 'wrong-secret')).status, 401);
    assert.equal((await postSigned(url, sampleOrder(), 'wrong-secret')).status, 429);
    const answer = await postSigned(url, sampleOrder(), SECRET);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  describe('behind a proxy', () => {
    const from = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    afterEach(() => node.red().httpNode.set('trust proxy', false));

    it("limits each forwarded client on its own when Node-RED's trust proxy setting trusts the proxy", async () => {
      const { url } = await load({ ratePerSecond: 1 });
      node.red().httpNode.set('trust proxy', 'loopback');
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.1'))).status, 200);
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.2'))).status, 200);
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.1'))).status, 429);
    });

    it('checks the allowlist against the forwarded client when the proxy is trusted', async () => {
      const { url } = await load({ allowlist: '203.0.113.0/24' });
      node.red().httpNode.set('trust proxy', 'loopback');
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.1'))).status, 200);
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('198.51.100.1'))).status, 403);
    });

    it('ignores X-Forwarded-For when no proxy is trusted, so a client cannot buy itself fresh budgets', async () => {
      const { url } = await load({ ratePerSecond: 1 });
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.1'))).status, 200);
      assert.equal((await postSigned(url, sampleOrder(), SECRET, from('203.0.113.2'))).status, 429);
    });
  });

  it('serves the event contract as JSON Schema next to its webhook, and stops with the flow', async () => {
    const { url } = await load();
    const response = await fetch(`${url}/schema.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/schema\+json/);
    const schema = (await response.json()) as { $schema: string; oneOf: unknown[] };
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.oneOf.length, 5);
    await helper.unload();
    assert.equal((await fetch(`${url}/schema.json`)).status, 404);
  });

  it('removes its route when the flow stops', async () => {
    const { url } = await load();
    await helper.unload();
    const response = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 404);
  });

  it('answers 503 and shows a red status when no secret is set', async () => {
    const { input, url } = await load({}, {});
    const answer = await postSigned(url, sampleOrder(), SECRET);
    assert.equal(answer.status, 503);
    assert.equal(answer.body.error, 'unavailable');
    assert.ok(
      helper.log().args.some((args) => JSON.stringify(args).includes('pos-in.errors.missing-secret')),
    );
    const shown = (input as unknown as { status: { args: [{ fill?: string }][] } }).status.args;
    assert.ok(shown.some(([status]) => status.fill === 'red'));
  });

  it('refuses unsigned mode unless it is explicitly allowed', async () => {
    const { url } = await load({ scheme: 'none' }, {});
    assert.equal((await postSigned(url, sampleOrder(), '', { signature: null })).status, 503);
    await helper.unload();
    await server?.close();
    server = undefined;
    const allowed = await load({ scheme: 'none', allowUnsigned: true }, {});
    const message = nextMessage(allowed.output);
    assert.equal((await postSigned(allowed.url, sampleOrder(), '', { signature: null })).status, 200);
    assert.equal(((await message).pos as { verified: boolean }).verified, false);
  });

  it('reads the secret from an environment variable written as ${NAME}', async () => {
    process.env.POS_IN_TEST_SECRET = SECRET;
    try {
      const { url } = await load({}, { secret: '${POS_IN_TEST_SECRET}' });
      assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 200);
    } finally {
      delete process.env.POS_IN_TEST_SECRET;
    }
  });

  /** Whether the node logged the given message key and showed a red status. */
  function refusedAtDeploy(input: unknown, key: string): boolean {
    const logged = helper.log().args.some((args) => JSON.stringify(args).includes(key));
    const shown = (input as { status: { args: [{ fill?: string }][] } }).status.args;
    return logged && shown.some(([status]) => status.fill === 'red');
  }

  describe('Standard Webhooks', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    it('accepts a request signed by the svix library under the svix-* headers', async () => {
      const { output, url } = await load({ scheme: 'standard-webhooks' }, { secret });
      const text = JSON.stringify(sampleOrder());
      const now = new Date();
      const message = nextMessage(output);
      const answer = await postSigned(url, text, '', {
        signature: null,
        headers: {
          'svix-id': 'msg_svix_1',
          'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
          'svix-signature': new SvixWebhook(secret).sign('msg_svix_1', now, text),
        },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(((await message).pos as { deliveryId: string }).deliveryId, 'msg_svix_1');
    });

    for (const bad of ['whsec_', 'whsec_!!!!']) {
      it(`refuses the secret "${bad}" at deploy, and a request forged with the empty key gets no 200`, async () => {
        const { input, url } = await load({ scheme: 'standard-webhooks' }, { secret: bad });
        assert.ok(refusedAtDeploy(input, 'pos-in.errors.bad-secret'));
        const text = JSON.stringify(sampleOrder());
        const ts = String(Math.floor(Date.now() / 1000));
        const forged = hmacSha256(Buffer.alloc(0), `msg_f.${ts}.${text}`).toString('base64');
        const answer = await postSigned(url, text, '', {
          signature: null,
          headers: { 'webhook-id': 'msg_f', 'webhook-timestamp': ts, 'webhook-signature': `v1,${forged}` },
        });
        assert.equal(answer.status, 503);
      });
    }
  });

  describe('Shopify', () => {
    const shopify = { scheme: 'shopify', shopifyTopic: 'orders/create', shopifyShop: 'tea.myshopify.com' };

    it('needs the topic and the shop at deploy', async () => {
      const { input } = await load({ ...shopify, shopifyTopic: '' });
      assert.ok(refusedAtDeploy(input, 'pos-in.errors.missing-shopify-topic'));
      await helper.unload();
      await server?.close();
      server = undefined;
      const again = await load({ ...shopify, shopifyShop: ' ' });
      assert.ok(refusedAtDeploy(again.input, 'pos-in.errors.missing-shopify-shop'));
    });

    it('sends an order as the configured topic and shop, and a resent copy with a new id as a repeat', async () => {
      const { output, url } = await load(shopify);
      const text = `{"id":450789469,"updated_at":"${new Date().toISOString()}","total_price":"128.50"}`;
      const headers = (webhookId: string) => ({
        'x-shopify-hmac-sha256': hmacSha256(SECRET, text).toString('base64'),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': webhookId,
      });
      const message = nextMessage(output);
      const first = await postSigned(url, text, '', { signature: null, headers: headers('w1') });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const msg = await message;
      assert.equal(msg.topic, 'orders/create');
      assert.equal((msg.payload as { storeId: string }).storeId, 'tea.myshopify.com');
      const again = await postSigned(url, text, '', { signature: null, headers: headers('w2') });
      assert.equal(again.body.duplicate, true);
    });
  });

  it('refuses an escaped "__proto__" key over HTTP and on the input', async () => {
    const { input, url } = await load();
    const text = JSON.stringify(sampleOrder()).replace(
      '"data":{',
      '"data":{"\\u005f_proto__":{"isAdmin":true},',
    );
    const answer = await postSigned(url, text, SECRET);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_json');
    const error = new Promise<unknown[]>((resolve) =>
      input.on('call:error', (call: never) => resolve((call as { args: unknown[] }).args)),
    );
    input.receive({ payload: JSON.parse(text) });
    assert.match(String((await error)[0]), /pos-in\.errors\.invalid-event/);
  });

  describe('with ids shared through Redis (a real redis-server)', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await RedisServer.start();
    });
    after(() => redis.dispose());
    const loadShared = async (setting: unknown) => {
      helper.settings({ userDir, posDingtalkRedis: setting });
      return load();
    };

    it('says so in its status, and a repeat sent after a redeploy is still a repeat', async () => {
      const { input, url } = await loadShared({ url: redis.url, keyPrefix: 'node-test:' });
      const event = sampleOrder();
      const shown = statusMatching(input, (s) => String(s.text).includes('pos-in.status.redis'));
      assert.deepEqual((await postSigned(url, event, SECRET)).body, { ok: true, id: event.id });
      await shown;
      await helper.unload();
      await server?.close();
      server = undefined;
      const again = await loadShared({ url: redis.url, keyPrefix: 'node-test:' });
      assert.deepEqual((await postSigned(again.url, event, SECRET)).body, {
        ok: true,
        id: event.id,
        duplicate: true,
      });
      assert.equal(existsSync(journalFile()), false, 'no local id journal');
    });

    it('answers 503 with a red status while Redis is down, logs it, and accepts again once it is back', async () => {
      const { input, url } = await loadShared({ url: redis.url, keyPrefix: 'node-test:' });
      assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 200);
      const red = statusMatching(input, (s) => s.fill === 'red');
      await redis.stop();
      await red;
      const refused = await postSigned(url, sampleOrder(), SECRET);
      assert.equal(refused.status, 503);
      assert.equal(logged('pos-in.errors.redis-down'), 1);
      const green = statusMatching(input, (s) => s.fill === 'green');
      await redis.resume();
      await green;
      assert.equal(logged('pos-in.errors.store-recovered'), 1);
      assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 200);
    });

    it('refuses to start on a malformed setting, naming it, instead of falling back to local files', async () => {
      const { input, url } = await loadShared({ url: 'http://127.0.0.1:6379' });
      const shown = (input as unknown as { status: { args: [{ fill?: string }][] } }).status.args;
      assert.ok(shown.some(([status]) => status.fill === 'red'));
      assert.equal(logged('pos-in.errors.redis-setting'), 1);
      assert.equal((await postSigned(url, sampleOrder(), SECRET)).status, 503);
    });
  });

  describe('events on the input', () => {
    it('validates and sends on valid events, dropping repeats', async () => {
      const { input, output } = await load({ path: '' });
      const event = sampleOrder();
      const messages: Record<string, unknown>[] = [];
      output.on('input', (msg: never) => messages.push(msg));
      const first = nextMessage(output);
      input.receive({ payload: JSON.stringify(event) });
      assert.deepEqual((await first).payload, event);
      input.receive({ payload: event });
      const other = sampleOrder();
      const second = nextMessage(output);
      input.receive({ payload: other });
      assert.deepEqual((await second).payload, other);
      assert.equal(messages.length, 2);
      assert.equal(messages[0]?.topic, 'transaction.completed');
    });

    it('reports an invalid event as an error a Catch node receives', async () => {
      const { input } = await load({ path: '' });
      const error = new Promise<unknown[]>((resolve) =>
        input.on('call:error', (call: never) => resolve((call as { args: unknown[] }).args)),
      );
      input.receive({ payload: { event: 'transaction.completed', data: {} } });
      const [err, msg] = await error;
      assert.match(String(err), /pos-in\.errors\.invalid-event/);
      assert.ok(msg && typeof msg === 'object' && 'payload' in msg);
    });
  });

  it('signs exactly over the bytes received (whitespace matters)', async () => {
    const { url } = await load();
    const pretty = JSON.stringify(sampleOrder(), null, 2);
    const compact = JSON.stringify(JSON.parse(pretty));
    const answer = await postSigned(url, pretty, SECRET, { signature: genericSignature(SECRET, compact) });
    assert.equal(answer.status, 401);
  });
});
