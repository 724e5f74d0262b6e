// Requests signed by the providers' own libraries (and by Node's crypto where no library signs), so that
// pos-in accepts what real senders send, under the header names they use.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { hmacSha256 } from '../../../nodes/core/webhook/hmac';
import { secretProblem, verifySignature } from '../../../nodes/core/webhook/signature-schemes';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const payload = '{"id":"evt_1","event":"inventory.changed"}';
const sentAt = new Date('2026-11-20T00:31:00Z');

describe('signature schemes: real senders', () => {
  describe('Standard Webhooks', () => {
    it('accepts a request signed by the standardwebhooks library', () => {
      const signature = new StandardWebhook(secret).sign('msg_1', sentAt, payload);
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(sentAt.getTime() / 1000),
        'webhook-signature': signature,
      };
      const result = verifySignature('standard-webhooks', { headers, body: Buffer.from(payload) }, [secret]);
      assert.deepEqual(result, { ok: true, deliveryId: 'msg_1', signedAtMs: sentAt.getTime() });
    });

    it('accepts a request signed by the svix library, under the svix-* header names', () => {
      const signature = new SvixWebhook(secret).sign('msg_2', sentAt, payload);
      const headers = {
        'svix-id': 'msg_2',
        'svix-timestamp': String(sentAt.getTime() / 1000),
        'svix-signature': signature,
      };
      const result = verifySignature('standard-webhooks', { headers, body: Buffer.from(payload) }, [secret]);
      assert.deepEqual(result, { ok: true, deliveryId: 'msg_2', signedAtMs: sentAt.getTime() });
    });

    it('verifies when the signature header came twice (Node joins repeats with ", ")', () => {
      const good = new StandardWebhook(secret).sign('msg_3', sentAt, payload);
      const decoy = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
      for (const joined of [`${decoy}, ${good}`, `${good}, ${decoy}`]) {
        const headers = {
          'webhook-id': 'msg_3',
          'webhook-timestamp': String(sentAt.getTime() / 1000),
          'webhook-signature': joined,
        };
        assert.equal(
          verifySignature('standard-webhooks', { headers, body: Buffer.from(payload) }, [secret]).ok,
          true,
          joined,
        );
      }
    });

    describe('v1a (Ed25519)', () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
      const publicSecret = `whpk_${raw.toString('base64')}`;
      const timestamp = String(sentAt.getTime() / 1000);
      const signed = (id: string, body: string) =>
        `v1a,${signBytes(null, Buffer.from(`${id}.${timestamp}.${body}`), privateKey).toString('base64')}`;
      const request = (signature: string, body = payload) => ({
        headers: { 'webhook-id': 'msg_4', 'webhook-timestamp': timestamp, 'webhook-signature': signature },
        body: Buffer.from(body),
      });

      it('accepts a v1a signature with the whpk_ public key', () => {
        const result = verifySignature('standard-webhooks', request(signed('msg_4', payload)), [
          publicSecret,
        ]);
        assert.deepEqual(result, { ok: true, deliveryId: 'msg_4', signedAtMs: sentAt.getTime() });
      });
      it('accepts v1a among v1 decoys, and refuses another body or another id', () => {
        const list = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${signed('msg_4', payload)}`;
        assert.equal(verifySignature('standard-webhooks', request(list), [publicSecret]).ok, true);
        const other = request(signed('msg_4', payload), '{"id":"evt_2"}');
        assert.equal(verifySignature('standard-webhooks', other, [publicSecret]).ok, false);
        assert.equal(
          verifySignature('standard-webhooks', request(signed('msg_5', payload)), [publicSecret]).ok,
          false,
        );
      });
      it('never checks a v1a signature against an HMAC secret, nor a v1 signature against a public key', () => {
        const v1 = new StandardWebhook(secret).sign('msg_4', sentAt, payload);
        assert.equal(verifySignature('standard-webhooks', request(v1), [publicSecret]).ok, false);
        assert.equal(
          verifySignature('standard-webhooks', request(signed('msg_4', payload)), [secret]).ok,
          false,
        );
      });
    });

    describe('secrets checked at deploy', () => {
      for (const bad of [
        'whsec_',
        'whsec_!!!!',
        'whsec_AAAA',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La',
        'plain words',
      ]) {
        it(`refuses "${bad}"`, () => {
          const problem = secretProblem('standard-webhooks', bad);
          assert.match(problem ?? '', /base64/);
          if (bad.length > 6) assert.ok(!problem?.includes(bad), 'the secret is not echoed');
        });
      }
      it("refuses a whpk_ key that is not 32 bytes, and the sender's private whsk_ key", () => {
        assert.match(secretProblem('standard-webhooks', 'whpk_AAAA') ?? '', /32 bytes/);
        assert.match(secretProblem('standard-webhooks', `whsk_${'A'.repeat(88)}`) ?? '', /whpk_/);
      });
      it('accepts a whsec_ secret of 24 bytes or more, with or without the prefix', () => {
        assert.equal(secretProblem('standard-webhooks', secret), undefined);
        assert.equal(secretProblem('standard-webhooks', secret.slice(6)), undefined);
      });
      it('never verifies with a key that decodes to nothing', () => {
        const forged = `v1,${hmacSha256(Buffer.alloc(0), `msg_6.${sentAt.getTime() / 1000}.${payload}`).toString('base64')}`;
        const headers = {
          'webhook-id': 'msg_6',
          'webhook-timestamp': String(sentAt.getTime() / 1000),
          'webhook-signature': forged,
        };
        for (const key of ['whsec_', 'whsec_!!!!']) {
          assert.equal(
            verifySignature('standard-webhooks', { headers, body: Buffer.from(payload) }, [key]).ok,
            false,
          );
        }
      });
    });
  });

  describe('Shopify', () => {
    // Shopify's documented construction (base64 HMAC-SHA256 of the raw body with the app's client secret);
    // @shopify/shopify-api needs a whole app configuration to sign, so the test signs as it does.
    const appSecret = 'shpss_test';
    const body = '{"id":271878346596884015,"total_price":"128.50"}';
    const signature = hmacSha256(appSecret, body).toString('base64');

    it('accepts the newer un-prefixed header set (shopify-hmac-sha256)', () => {
      const headers = { 'shopify-hmac-sha256': signature, 'shopify-topic': 'orders/create' };
      assert.deepEqual(verifySignature('shopify', { headers, body: Buffer.from(body) }, [appSecret]), {
        ok: true,
      });
    });
    it('still refuses another secret under the new header name', () => {
      const headers = { 'shopify-hmac-sha256': signature };
      assert.equal(verifySignature('shopify', { headers, body: Buffer.from(body) }, ['other']).ok, false);
    });
  });
});
