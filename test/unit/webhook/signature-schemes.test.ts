import assert from 'node:assert/strict';
import { hmacSha256 } from '../../../nodes/core/webhook/hmac';
import { type Headers, verifySignature } from '../../../nodes/core/webhook/signature-schemes';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('signature schemes (shared vectors, facts/webhooks.md)', () => {
  describe('generic', () => {
    const secret = "It's a Secret to Everybody";
    const signed = {
      'x-webhook-signature': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };

    it('accepts the published vector', () => {
      assert.deepEqual(
        verifySignature('generic', { headers: signed, body: body('Hello, World!') }, [secret]),
        {
          ok: true,
        },
      );
    });
    it('accepts upper-case hex', () => {
      const headers = {
        'x-webhook-signature': signed['x-webhook-signature'].toUpperCase().replace('SHA256', 'sha256'),
      };
      assert.equal(verifySignature('generic', { headers, body: body('Hello, World!') }, [secret]).ok, true);
    });
    it('accepts the previous secret during a rotation', () => {
      const result = verifySignature('generic', { headers: signed, body: body('Hello, World!') }, [
        'new',
        secret,
      ]);
      assert.equal(result.ok, true);
    });
    for (const [name, headers, text] of [
      ['another body', signed, 'Hello, World?'],
      [
        'no prefix',
        { 'x-webhook-signature': '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
        'Hello, World!',
      ],
      ['truncated hex', { 'x-webhook-signature': 'sha256=757107ea' }, 'Hello, World!'],
      ['odd-length hex', { 'x-webhook-signature': 'sha256=757' }, 'Hello, World!'],
      ['not hex', { 'x-webhook-signature': 'sha256=zz' }, 'Hello, World!'],
    ] as [string, Headers, string][]) {
      it(`refuses ${name}`, () => {
        const result = verifySignature('generic', { headers, body: body(text) }, [secret]);
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.error, 'invalid_signature');
      });
    }
    it('says which header is missing', () => {
      const result = verifySignature('generic', { headers: {}, body: body('x') }, [secret]);
      assert.deepEqual(result, {
        ok: false,
        error: 'missing_signature',
        detail: 'the X-Webhook-Signature header is missing',
      });
    });
  });

  describe('standard-webhooks', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const payload = body('{"test": 2432232314}');
    const good = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    const headers = (signature: string, timestamp = '1614265330'): Headers => ({
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    });

    it('accepts the published vector and reports the id and signed time', () => {
      assert.deepEqual(
        verifySignature('standard-webhooks', { headers: headers(good), body: payload }, [secret]),
        {
          ok: true,
          deliveryId: id,
          signedAtMs: 1614265330000,
        },
      );
    });
    it('accepts the vector among decoys', () => {
      const list = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${good}`;
      assert.equal(
        verifySignature('standard-webhooks', { headers: headers(list), body: payload }, [secret]).ok,
        true,
      );
    });
    for (const [name, h] of [
      ['a one-bit change', headers('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=')],
      ['an empty v1', headers('v1,')],
      ['only v2', headers('v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')],
      ['a timestamp of "hello"', headers(good, 'hello')],
      ['another timestamp', headers(good, '1614265331')],
    ] as [string, Headers][]) {
      it(`refuses ${name}`, () => {
        assert.equal(verifySignature('standard-webhooks', { headers: h, body: payload }, [secret]).ok, false);
      });
    }
    it('refuses a pretty-printed body', () => {
      const result = verifySignature(
        'standard-webhooks',
        { headers: headers(good), body: body('{"test":2432232314}') },
        [secret],
      );
      assert.equal(result.ok, false);
    });
  });

  describe('square', () => {
    const key = 'signature-key';
    const notificationUrl = 'https://webhook.site/webhooks';
    const vectors: [string, string][] = [
      ['{"data":{"type":"webhooks","id":"fake_id"}}', 'W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA='],
      ['{"data":{"type":"webhooks","id":">id<"}}', 'Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U='],
    ];
    for (const [text, signature] of vectors) {
      const headers = { 'x-square-hmacsha256-signature': signature };
      it(`accepts ${text}`, () => {
        assert.equal(
          verifySignature('square', { headers, body: body(text) }, [key], { notificationUrl }).ok,
          true,
        );
      });
      it('refuses it pretty-printed, at another URL, or with another key', () => {
        const pretty = body(JSON.stringify(JSON.parse(text), null, 2));
        assert.equal(
          verifySignature('square', { headers, body: pretty }, [key], { notificationUrl }).ok,
          false,
        );
        const elsewhere = { notificationUrl: 'https://webhook.site/other' };
        assert.equal(verifySignature('square', { headers, body: body(text) }, [key], elsewhere).ok, false);
        assert.equal(
          verifySignature('square', { headers, body: body(text) }, ['other'], { notificationUrl }).ok,
          false,
        );
      });
    }
  });

  describe('shopify', () => {
    const secret = 'shpss_test';
    const text = '{"id":271878346596884015,"total_price":"128.50"}';
    const signature = hmacSha256(secret, text).toString('base64');

    it('accepts the body signed with the app secret, taking no id from the unsigned headers', () => {
      const headers = { 'x-shopify-hmac-sha256': signature, 'x-shopify-webhook-id': 'b54557e4' };
      assert.deepEqual(verifySignature('shopify', { headers, body: body(text) }, [secret]), { ok: true });
    });
    it('refuses another secret and a malformed header', () => {
      const headers = { 'x-shopify-hmac-sha256': signature };
      assert.equal(verifySignature('shopify', { headers, body: body(text) }, ['other']).ok, false);
      const bad = { 'x-shopify-hmac-sha256': 'not base64!' };
      assert.equal(verifySignature('shopify', { headers: bad, body: body(text) }, [secret]).ok, false);
    });
  });
});
