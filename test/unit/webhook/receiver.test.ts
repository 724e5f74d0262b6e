import assert from 'node:assert/strict';
import { type DedupeStore, LocalDedupeStore } from '../../../nodes/core/store/dedupe-store';
import { hmacSha256 } from '../../../nodes/core/webhook/hmac';
import {
  type Answer,
  digestId,
  type ReceiverConfig,
  WebhookReceiver,
} from '../../../nodes/core/webhook/receiver';
import { SourceRateLimiter } from '../../../nodes/core/webhook/source-rate-limiter';
import { eventExamples } from '../../support/event-examples';
import { genericSignature } from '../../support/pos-events';

/** Whether an answer reports a repeat (undefined for a new event or a refusal). */
const duplicate = (answer: Answer) => ('duplicate' in answer.body ? answer.body.duplicate : undefined);
const NOW = Date.parse('2026-11-20T08:31:00+08:00');
const order = JSON.stringify(eventExamples['transaction.completed']);

function receiver(config: Partial<ReceiverConfig> = {}) {
  return new WebhookReceiver({
    scheme: 'generic',
    secrets: ['s3cret'],
    windowMs: 5 * 60_000,
    dedupe: new LocalDedupeStore({ horizonMs: 72 * 3_600_000 }),
    now: () => NOW,
    ...config,
  });
}

describe('webhook receiver', () => {
  it('admits JSON content types only', () => {
    const r = receiver();
    assert.equal(r.admit({ 'content-type': 'application/json; charset=utf-8' }, '127.0.0.1'), undefined);
    assert.equal(r.admit({ 'content-type': 'application/cloudevents+json' }, '127.0.0.1'), undefined);
    assert.equal(r.admit({ 'content-type': 'text/json' }, '127.0.0.1')?.status, 415);
    assert.equal(r.admit({}, '127.0.0.1')?.status, 415);
  });

  describe('per-source rate limit', () => {
    const signed = (body = order) => ({ 'x-webhook-signature': genericSignature('s3cret', body) });
    const forged = { 'x-webhook-signature': 'sha256=00' };
    const json = { 'content-type': 'application/json' };

    it('lets an unauthenticated flood from the POS address spend only the budget of failed requests', async () => {
      const r = receiver({ rateLimiter: new SourceRateLimiter(1, 2) });
      for (let i = 0; i < 2; i++)
        assert.equal((await r.receive(forged, Buffer.from(order), '10.0.0.9')).status, 401);
      const limited = await r.receive(forged, Buffer.from(order), '10.0.0.9');
      assert.equal(limited.status, 429);
      assert.equal('headers' in limited && limited.headers?.['Retry-After'], '1');
      assert.equal(r.admit(json, '10.0.0.9'), undefined, 'the POS behind the same address is still admitted');
      assert.equal((await r.receive(signed(), Buffer.from(order), '10.0.0.9')).status, 200);
    });

    it('answers 429 to a signed delivery over its budget and records nothing, so the retry is accepted', async () => {
      let now = NOW;
      const r = receiver({ rateLimiter: new SourceRateLimiter(1, 1), now: () => now });
      const other = JSON.stringify({ ...eventExamples['transaction.completed'], id: 'evt_other' });
      assert.equal((await r.receive(signed(other), Buffer.from(other), '10.0.0.9')).status, 200);
      assert.equal((await r.receive(signed(), Buffer.from(order), '10.0.0.9')).status, 429);
      now += 1000;
      const retry = await r.receive(signed(), Buffer.from(order), '10.0.0.9');
      assert.deepEqual(retry.body, { ok: true, id: 'evt_01J9Z6Q0R3' });
    });

    it('refuses before the body only a source whose budgets are both spent', async () => {
      const r = receiver({ rateLimiter: new SourceRateLimiter(1, 1) });
      await r.receive(signed(), Buffer.from(order), '2001:db8::1');
      assert.equal(r.admit(json, '2001:db8::1'), undefined);
      await r.receive(forged, Buffer.from(order), '2001:db8::2');
      const refused = r.admit(json, '2001:db8::3');
      assert.equal(refused?.status, 429, 'the same /64');
      assert.equal(refused && 'headers' in refused && refused.headers?.['Retry-After'], '1');
      assert.equal(r.admit(json, '2001:db8:0:1::1'), undefined, 'another /64');
    });
  });

  it('accepts a generic delivery and then reports it as a duplicate', async () => {
    const r = receiver();
    const headers = { 'x-webhook-signature': genericSignature('s3cret', order) };
    const first = await r.receive(headers, Buffer.from(order));
    assert.equal(first.status, 200);
    assert.ok('accepted' in first && first.accepted);
    assert.deepEqual(first.accepted.pos, {
      scheme: 'generic',
      deliveryId: 'evt_01J9Z6Q0R3',
      receivedAt: new Date(NOW).toISOString(),
      verified: true,
    });
    const again = await r.receive(headers, Buffer.from(order));
    assert.deepEqual(again, { status: 200, body: { ok: true, id: 'evt_01J9Z6Q0R3', duplicate: true } });
  });

  it('checks the signature before reading the JSON (no parsing of unauthenticated input)', async () => {
    const answer = await receiver().receive({ 'x-webhook-signature': 'sha256=00' }, Buffer.from('{"broken'));
    assert.equal(answer.status, 401);
  });

  it('uses the webhook-timestamp header as the window for Standard Webhooks', async () => {
    const keyBytes = Buffer.alloc(24, 'key-bytes');
    const secret = `whsec_${keyBytes.toString('base64')}`;
    const sign = (timestamp: number) => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${hmacSha256(keyBytes, `msg_1.${timestamp}.${order}`).toString('base64')}`,
    });
    const r = receiver({ scheme: 'standard-webhooks', secrets: [secret] });
    const fresh = await r.receive(sign(NOW / 1000), Buffer.from(order));
    assert.equal(fresh.status, 200);
    assert.equal('accepted' in fresh && fresh.accepted?.pos.deliveryId, 'msg_1');
    const stale = await r.receive(sign(NOW / 1000 - 301), Buffer.from(order));
    assert.equal(stale.status, 401);
  });

  it('wraps a Square notification in the canonical envelope', async () => {
    const body = JSON.stringify({
      merchant_id: 'ML8Q',
      type: 'payment.updated',
      event_id: 'a2d6e6b4',
      created_at: '2026-11-20T00:31:00Z',
      data: { type: 'payment', id: 'pay_1', object: { payment: { amount_money: { amount: 12850 } } } },
    });
    const url = 'https://shop.example.com/pos/square';
    const headers = { 'x-square-hmacsha256-signature': hmacSha256('sq-key', url, body).toString('base64') };
    const answer = await receiver({ scheme: 'square', secrets: ['sq-key'], notificationUrl: url }).receive(
      headers,
      Buffer.from(body),
    );
    assert.ok('accepted' in answer && answer.accepted);
    assert.equal(answer.accepted.event.event, 'payment.updated');
    assert.equal(answer.accepted.event.id, 'a2d6e6b4');
    assert.equal(answer.accepted.event.storeId, 'ML8Q');
    // data is Square's own data field, as the README says, not Square's whole body
    assert.deepEqual(answer.accepted.event.data, JSON.parse(body).data);
  });

  describe("Shopify: identity, topic, shop and time only from signed bytes or the node's settings", () => {
    const body = '{"id":271878346596884015,"total_price":"128.50","updated_at":"2026-11-20T08:30:40+08:00"}';
    const shopify = () =>
      receiver({
        scheme: 'shopify',
        secrets: ['shp'],
        shopifyTopic: 'orders/create',
        shopifyShop: 'tea.myshopify.com',
      });
    const headers = (extra: Record<string, string> = {}) => ({
      'x-shopify-hmac-sha256': hmacSha256('shp', body).toString('base64'),
      'x-shopify-topic': 'orders/create',
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      'x-shopify-shop-domain': 'tea.myshopify.com',
      ...extra,
    });

    it('wraps the order: topic and shop from the settings, time from the body, id a digest of the body', async () => {
      const answer = await shopify().receive(
        headers({ 'x-shopify-triggered-at': '2020-01-01T00:00:00Z' }),
        Buffer.from(body),
      );
      assert.ok('accepted' in answer && answer.accepted, JSON.stringify(answer));
      const { event, pos } = answer.accepted;
      assert.equal(event.event, 'orders/create');
      assert.equal(event.storeId, 'tea.myshopify.com');
      assert.equal(event.timestamp, '2026-11-20T08:30:40+08:00');
      assert.equal(event.id, digestId(body));
      assert.equal(pos.deliveryId, digestId(body));
      assert.match(JSON.stringify(event.data), /"id":271878346596884000/); // the parsed number; the raw body keeps it
    });

    it('takes a captured body resent with a new webhook id as a duplicate', async () => {
      const r = shopify();
      assert.equal((await r.receive(headers(), Buffer.from(body))).status, 200);
      const again = await r.receive(
        headers({ 'x-shopify-webhook-id': 'fresh-id', 'x-shopify-event-id': 'e2' }),
        Buffer.from(body),
      );
      assert.deepEqual(again.body, { ok: true, id: digestId(body), duplicate: true });
    });

    for (const [name, extra] of [
      ['another topic', { 'x-shopify-topic': 'orders/cancelled' }],
      ['another shop', { 'x-shopify-shop-domain': 'rival.myshopify.com' }],
      ['another topic (new header names)', { 'shopify-topic': 'refunds/create', 'x-shopify-topic': '' }],
    ] as [string, Record<string, string>][]) {
      it(`refuses the body resent under ${name}, saying what this node receives`, async () => {
        const answer = await shopify().receive(headers(extra), Buffer.from(body));
        assert.equal(answer.status, 400);
        assert.equal('error' in answer.body && answer.body.error, 'invalid_event');
        assert.match('detail' in answer.body ? answer.body.detail : '', /this node receives/);
      });
    }

    it('stamps a topic without a time field with the time it arrived', async () => {
      const plain = '{"id":1}';
      const answer = await shopify().receive(
        { 'x-shopify-hmac-sha256': hmacSha256('shp', plain).toString('base64') },
        Buffer.from(plain),
      );
      assert.ok('accepted' in answer && answer.accepted, JSON.stringify(answer));
      assert.equal(answer.accepted.event.timestamp, new Date(NOW).toISOString());
    });
  });

  it("applies the replay window to Square's signed created_at", async () => {
    const url = 'https://shop.example.com/pos/square';
    const square = (createdAt: string) => {
      const body = JSON.stringify({
        merchant_id: 'ML8Q',
        type: 'payment.updated',
        event_id: `e-${createdAt}`,
        created_at: createdAt,
        data: {},
      });
      const headers = { 'x-square-hmacsha256-signature': hmacSha256('sq-key', url, body).toString('base64') };
      return receiver({ scheme: 'square', secrets: ['sq-key'], notificationUrl: url }).receive(
        headers,
        Buffer.from(body),
      );
    };
    const old = await square('2020-01-01T00:00:00Z');
    assert.equal(old.status, 401);
    assert.equal('error' in old.body && old.body.error, 'stale_timestamp');
    assert.equal((await square('2026-11-20T00:27:00Z')).status, 200);
  });

  it('dedupes Standard Webhooks on the signed webhook-id, not on the body', async () => {
    const key = Buffer.alloc(24, 7);
    const r = receiver({ scheme: 'standard-webhooks', secrets: [`whsec_${key.toString('base64')}`] });
    const send = (id: string, timestamp: number) =>
      r.receive(
        {
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,${hmacSha256(key, `${id}.${timestamp}.${order}`).toString('base64')}`,
        },
        Buffer.from(order),
      );
    assert.equal(duplicate(await send('msg_a', NOW / 1000)), undefined);
    assert.equal(duplicate(await send('msg_a', NOW / 1000 + 30)), true, 'a retry of msg_a');
    assert.equal(duplicate(await send('msg_b', NOW / 1000)), undefined, 'another message');
  });

  it('scopes ids by store: the same id from two stores is two events, on the input too', async () => {
    const r = receiver();
    const inStore = (storeId: string) => JSON.stringify({ ...JSON.parse(order), storeId });
    const post = (text: string) =>
      r.receive({ 'x-webhook-signature': genericSignature('s3cret', text) }, Buffer.from(text));
    assert.equal(duplicate(await post(inStore('HK-MK-001'))), undefined);
    assert.equal(duplicate(await post(inStore('HK-CWB-002'))), undefined);
    assert.equal(duplicate(await post(inStore('HK-CWB-002'))), true);
    const input = receiver();
    assert.ok((await input.accept(inStore('TW-TPE-1'))).ok);
    const other = await input.accept(inStore('TW-TPE-2'));
    assert.ok(other.ok && other.accepted);
  });

  it('validates events from the input and dedupes them, without a signature', async () => {
    const r = receiver();
    const first = await r.accept(order);
    assert.ok(first.ok && first.accepted);
    assert.equal(first.accepted.pos.verified, false);
    const again = await r.accept(JSON.parse(order));
    assert.deepEqual(again, { ok: true });
    assert.deepEqual(await r.accept({ event: 'x' }), {
      ok: false,
      detail: 'timestamp: Invalid input: expected string, received undefined',
    });
  });

  it('refuses an input event carrying an own "__proto__" deep inside, as it does over HTTP', async () => {
    const polluted = JSON.parse(order);
    polluted.data.items[0] = JSON.parse(
      '{"sku":"A","name":"a","quantity":1,"unitPrice":1,"__proto__":{"x":1}}',
    );
    assert.deepEqual(await receiver().accept(polluted), {
      ok: false,
      detail: 'the key "__proto__" is not allowed in an event',
    });
  });

  it('decides a batch in order: each delivery on its own, a repeat inside the batch as a duplicate', async () => {
    const r = receiver();
    const delivery = (body: string, signature = genericSignature('s3cret', body)) => ({
      headers: { 'x-webhook-signature': signature },
      body: Buffer.from(body),
    });
    const other = JSON.stringify({ ...JSON.parse(order), id: 'evt_other' });
    const answers = await r.receiveAll([
      delivery(order),
      delivery(other, 'sha256=00'),
      delivery('{"broken'),
      delivery(order),
      delivery(other),
    ]);
    assert.deepEqual(
      answers.map((answer) => [answer.status, 'error' in answer.body ? answer.body.error : answer.body]),
      [
        [200, { ok: true, id: 'evt_01J9Z6Q0R3' }],
        [401, 'invalid_signature'],
        [400, 'invalid_json'],
        [200, { ok: true, id: 'evt_01J9Z6Q0R3', duplicate: true }],
        [200, { ok: true, id: 'evt_other' }],
      ],
    );
  });

  it('fails the whole batch when the ids cannot be recorded, so that every sender retries', async () => {
    const failing: DedupeStore = {
      claimAll: () => Promise.reject(new Error('ENOSPC')),
      close: () => Promise.resolve(),
    };
    const body = Buffer.from(order);
    const headers = { 'x-webhook-signature': genericSignature('s3cret', order) };
    await assert.rejects(receiver({ dedupe: failing }).receiveAll([{ headers, body }]), /ENOSPC/);
  });
});
