// Inbound webhook signature schemes (DESIGN.md, facts/webhooks.md). Every check runs over the raw bytes
// received and compares decoded bytes in constant time. Each scheme accepts any of several secrets, so a
// previous secret keeps working during a rotation.
import { bytesEqual, decodeBase64, decodeHex, hmacSha256 } from './hmac';

export const signatureSchemes = ['generic', 'standard-webhooks', 'square', 'shopify', 'none'] as const;
export type SignatureScheme = (typeof signatureSchemes)[number];

export type Headers = Record<string, string | string[] | undefined>;

export interface SignedRequest {
  /** Header names in lower case, as Node's HTTP server gives them. */
  headers: Headers;
  body: Buffer;
}

export type Verification =
  | { ok: true; deliveryId?: string; signedAtMs?: number }
  | { ok: false; error: 'missing_signature' | 'invalid_signature'; detail: string };

export interface SchemeOptions {
  /** Square signs the notification URL configured in Square, byte for byte, before the body. */
  notificationUrl?: string;
}

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const missing = (name: string): Verification => ({
  ok: false,
  error: 'missing_signature',
  detail: `the ${name} header is missing`,
});
const mismatch = (detail: string): Verification => ({ ok: false, error: 'invalid_signature', detail });

function verifyGeneric(req: SignedRequest, secrets: readonly string[]): Verification {
  const value = header(req.headers, 'x-webhook-signature');
  if (!value) return missing('X-Webhook-Signature');
  const hex = value.startsWith('sha256=') ? decodeHex(value.slice(7)) : undefined;
  if (!hex) return mismatch('X-Webhook-Signature must be "sha256=" followed by a hex HMAC-SHA256');
  const match = secrets.some((secret) => bytesEqual(hmacSha256(secret, req.body), hex));
  return match ? { ok: true } : mismatch('the signature does not match the body');
}

/** The Standard Webhooks key is the base64 after the `whsec_` prefix. */
function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

function verifyStandardWebhooks(req: SignedRequest, secrets: readonly string[]): Verification {
  const id = header(req.headers, 'webhook-id');
  const timestamp = header(req.headers, 'webhook-timestamp');
  const signatures = header(req.headers, 'webhook-signature');
  if (!id) return missing('webhook-id');
  if (!timestamp) return missing('webhook-timestamp');
  if (!signatures) return missing('webhook-signature');
  if (!/^\d{1,15}$/.test(timestamp)) return mismatch('webhook-timestamp must be Unix seconds');
  const candidates = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => decodeBase64(entry.slice(3)))
    .filter((bytes): bytes is Buffer => bytes !== undefined && bytes.length > 0);
  if (candidates.length === 0) return mismatch('webhook-signature holds no v1 signature');
  const match = secrets.some((secret) => {
    const expected = hmacSha256(standardWebhooksKey(secret), id, '.', timestamp, '.', req.body);
    return candidates.some((candidate) => bytesEqual(expected, candidate));
  });
  if (!match) return mismatch('no v1 signature matches the body');
  return { ok: true, deliveryId: id, signedAtMs: Number(timestamp) * 1000 };
}

function verifyBase64Body(
  req: SignedRequest,
  secrets: readonly string[],
  headerName: string,
  prefix: string,
): Verification {
  const value = header(req.headers, headerName.toLowerCase());
  if (!value) return missing(headerName);
  const given = decodeBase64(value.trim());
  if (!given) return mismatch(`${headerName} must be a base64 HMAC-SHA256`);
  const match = secrets.some((secret) => bytesEqual(hmacSha256(secret, prefix, req.body), given));
  return match ? { ok: true } : mismatch('the signature does not match the body');
}

export function verifySignature(
  scheme: SignatureScheme,
  req: SignedRequest,
  secrets: readonly string[],
  options: SchemeOptions = {},
): Verification {
  switch (scheme) {
    case 'generic':
      return verifyGeneric(req, secrets);
    case 'standard-webhooks':
      return verifyStandardWebhooks(req, secrets);
    case 'square':
      return verifyBase64Body(req, secrets, 'x-square-hmacsha256-signature', options.notificationUrl ?? '');
    case 'shopify': {
      const verified = verifyBase64Body(req, secrets, 'X-Shopify-Hmac-Sha256', '');
      const deliveryId = header(req.headers, 'x-shopify-webhook-id');
      return verified.ok && deliveryId ? { ok: true, deliveryId } : verified;
    }
    case 'none':
      return { ok: true };
  }
}
