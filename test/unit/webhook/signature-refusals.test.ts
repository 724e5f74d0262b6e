// A missing, empty or malformed signature is refused under every scheme, with one secret and during a
// rotation (two secrets): a second secret must never open a way in without a signature.
import assert from 'node:assert/strict';
import { LocalDedupeStore } from '../../../nodes/core/store/dedupe-store';
import { hmacSha256 } from '../../../nodes/core/webhook/hmac';
import { WebhookReceiver } from '../../../nodes/core/webhook/receiver';
import type { Headers, SignatureScheme } from '../../../nodes/core/webhook/signature-schemes';
import { eventExamples } from '../../support/event-examples';

const NOW = Date.parse('2026-11-20T08:31:00+08:00');
const body = JSON.stringify(eventExamples['transaction.completed']);
const url = 'https://shop.example.com/pos/square';
const swKey = (n: number) => `whsec_${Buffer.alloc(24, n).toString('base64')}`;
const ts = String(NOW / 1000);

interface Case {
  secrets: [string, string];
  /** A correct signature with the given secret, to show the request is refused only for its signature. */
  signed: (secret: string) => Headers;
  /** Each way of having no usable signature, and the error it gets. */
  broken: [string, Headers, 'missing_signature' | 'invalid_signature'][];
}

const swHeaders = (signature?: string): Headers => ({
  'webhook-id': 'msg_1',
  'webhook-timestamp': ts,
  ...(signature === undefined ? {} : { 'webhook-signature': signature }),
});

const cases: Record<Exclude<SignatureScheme, 'none'>, Case> = {
  generic: {
    secrets: ['current', 'previous'],
    signed: (secret) => ({ 'x-webhook-signature': `sha256=${hmacSha256(secret, body).toString('hex')}` }),
    broken: [
      ['no header', {}, 'missing_signature'],
      ['an empty header', { 'x-webhook-signature': '' }, 'missing_signature'],
      ['"sha256=" alone', { 'x-webhook-signature': 'sha256=' }, 'invalid_signature'],
      ['garbage', { 'x-webhook-signature': 'garbage' }, 'invalid_signature'],
      ['a zero signature', { 'x-webhook-signature': `sha256=${'0'.repeat(64)}` }, 'invalid_signature'],
    ],
  },
  'standard-webhooks': {
    secrets: [swKey(1), swKey(2)],
    signed: (secret) =>
      swHeaders(
        `v1,${hmacSha256(Buffer.from(secret.slice(6), 'base64'), `msg_1.${ts}.${body}`).toString('base64')}`,
      ),
    broken: [
      ['no signature header', swHeaders(), 'missing_signature'],
      ['no id', { 'webhook-timestamp': ts, 'webhook-signature': 'v1,AAAA' }, 'missing_signature'],
      ['no timestamp', { 'webhook-id': 'msg_1', 'webhook-signature': 'v1,AAAA' }, 'missing_signature'],
      ['an empty header', swHeaders(''), 'missing_signature'],
      ['"v1," alone', swHeaders('v1,'), 'invalid_signature'],
      ['only spaces and commas', swHeaders(' , ,'), 'invalid_signature'],
      ['garbage', swHeaders('garbage'), 'invalid_signature'],
      ['a zero signature', swHeaders(`v1,${Buffer.alloc(32).toString('base64')}`), 'invalid_signature'],
    ],
  },
  square: {
    secrets: ['sq-current', 'sq-previous'],
    signed: (secret) => ({
      'x-square-hmacsha256-signature': hmacSha256(secret, url, body).toString('base64'),
    }),
    broken: [
      ['no header', {}, 'missing_signature'],
      ['an empty header', { 'x-square-hmacsha256-signature': '' }, 'missing_signature'],
      ['garbage', { 'x-square-hmacsha256-signature': 'not base64!' }, 'invalid_signature'],
      [
        'a zero signature',
        { 'x-square-hmacsha256-signature': Buffer.alloc(32).toString('base64') },
        'invalid_signature',
      ],
    ],
  },
  shopify: {
    secrets: ['shp-current', 'shp-previous'],
    signed: (secret) => ({ 'x-shopify-hmac-sha256': hmacSha256(secret, body).toString('base64') }),
    broken: [
      ['no header', {}, 'missing_signature'],
      ['an empty header', { 'x-shopify-hmac-sha256': '' }, 'missing_signature'],
      ['an empty new-style header', { 'shopify-hmac-sha256': '' }, 'missing_signature'],
      ['garbage', { 'x-shopify-hmac-sha256': 'not base64!' }, 'invalid_signature'],
      [
        'a zero signature',
        { 'x-shopify-hmac-sha256': Buffer.alloc(32).toString('base64') },
        'invalid_signature',
      ],
    ],
  },
};

function receiver(scheme: SignatureScheme, secrets: readonly string[]) {
  return new WebhookReceiver({
    scheme,
    secrets,
    notificationUrl: url,
    shopifyTopic: 'transaction.completed',
    shopifyShop: 'HK-MK-001',
    windowMs: 5 * 60_000,
    dedupe: new LocalDedupeStore({ horizonMs: 3_600_000 }),
    now: () => NOW,
  });
}

describe('signature refusals under every scheme, with one secret and with two', () => {
  for (const [scheme, { secrets, signed, broken }] of Object.entries(cases) as [SignatureScheme, Case][]) {
    for (const keys of [[secrets[0]], secrets]) {
      const label = `${scheme}, ${keys.length === 1 ? 'one secret' : 'current and previous secret'}`;
      describe(label, () => {
        for (const [name, headers, error] of broken) {
          it(`refuses ${name} with 401 ${error}`, async () => {
            const answer = await receiver(scheme, keys).receive(headers, Buffer.from(body));
            assert.equal(answer.status, 401);
            assert.equal('error' in answer.body && answer.body.error, error);
          });
        }
        it('accepts the same body correctly signed with each configured secret', async () => {
          for (const key of keys) {
            const answer = await receiver(scheme, keys).receive(signed(key), Buffer.from(body));
            assert.equal(answer.status, 200, JSON.stringify(answer.body));
          }
        });
        it('refuses it signed with a secret that is not configured', async () => {
          const other = scheme === 'standard-webhooks' ? swKey(9) : 'not-configured';
          const answer = await receiver(scheme, keys).receive(signed(other), Buffer.from(body));
          assert.equal(answer.status, 401);
        });
      });
    }
  }
});
