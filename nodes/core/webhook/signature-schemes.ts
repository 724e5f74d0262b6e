// Inbound webhook signature schemes (DESIGN.md, facts/webhooks.md). Every check runs over the raw bytes
// received and compares decoded bytes in constant time. Each scheme accepts any of several secrets, so a
// previous secret keeps working during a rotation.
import { createPublicKey, type KeyObject, verify as verifyEd25519 } from 'node:crypto';
import { bytesEqual, decodeBase64, decodeHex, hmacSha256 } from './hmac';

export const signatureSchemes = ['generic', 'standard-webhooks', 'square', 'shopify', 'none'] as const;
export type SignatureScheme = (typeof signatureSchemes)[number];

export type Headers = Record<string, string | string[] | undefined>;

export interface SignedRequest {
  /** Header names in lower case, as Node's HTTP server gives them. */
  headers: Headers;
  body: Buffer;
}

/** `deliveryId` and `signedAtMs` are reported only when the signature covers them. */
export type Verification =
  | { ok: true; deliveryId?: string; signedAtMs?: number }
  | { ok: false; error: 'missing_signature' | 'invalid_signature'; detail: string };

export type Verifier = (req: SignedRequest) => Verification;

export interface SchemeOptions {
  /** Square signs the notification URL configured in Square, byte for byte, before the body. */
  notificationUrl?: string;
}

/**
 * The first of several names that is present and not empty (providers renamed some headers; both sets are in
 * use). Repeats are joined with ", ", as Node joins repeated headers it does not know.
 */
export function header(headers: Headers, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (text) return text;
  }
  return undefined;
}

const missing = (name: string): Verification => ({
  ok: false,
  error: 'missing_signature',
  detail: `the ${name} header is missing`,
});
const mismatch = (detail: string): Verification => ({ ok: false, error: 'invalid_signature', detail });

function genericVerifier(secrets: readonly string[]): Verifier {
  return (req) => {
    const value = header(req.headers, 'x-webhook-signature');
    if (!value) return missing('X-Webhook-Signature');
    const hex = value.startsWith('sha256=') ? decodeHex(value.slice(7)) : undefined;
    if (!hex) return mismatch('X-Webhook-Signature must be "sha256=" followed by a hex HMAC-SHA256');
    const match = secrets.some((secret) => bytesEqual(hmacSha256(secret, req.body), hex));
    return match ? { ok: true } : mismatch('the signature does not match the body');
  };
}

function base64BodyVerifier(secrets: readonly string[], headerNames: string[], prefix: string): Verifier {
  const shown = headerNames[0] as string;
  return (req) => {
    const value = header(req.headers, ...headerNames.map((name) => name.toLowerCase()));
    if (!value) return missing(shown);
    const given = decodeBase64(value.trim());
    if (!given) return mismatch(`${shown} must be a base64 HMAC-SHA256`);
    const match = secrets.some((secret) => bytesEqual(hmacSha256(secret, prefix, req.body), given));
    return match ? { ok: true } : mismatch('the signature does not match the body');
  };
}

// Standard Webhooks: `whsec_` + base64 of a symmetric key (v1, HMAC-SHA256), or `whpk_` + base64 of an
// Ed25519 public key (v1a). The spec's keys are 24 to 64 bytes; fewer is refused at deploy, never used.
const MIN_HMAC_KEY_BYTES = 24;
const ED25519_KEY_BYTES = 32;

type StandardWebhooksKey = { version: 'v1'; key: Buffer } | { version: 'v1a'; key: KeyObject };

/** Why a secret cannot be used with this scheme (never quoting it), or undefined when it can. */
export function secretProblem(scheme: SignatureScheme, secret: string): string | undefined {
  if (scheme !== 'standard-webhooks') return undefined;
  if (secret.startsWith('whsk_'))
    return 'whsk_ is the sender’s private key: paste the whpk_ public key (or the whsec_ secret) instead';
  if (secret.startsWith('whpk_')) {
    const key = decodeBase64(secret.slice(5));
    return key?.length === ED25519_KEY_BYTES
      ? undefined
      : `a whpk_ key must be the base64 of ${ED25519_KEY_BYTES} bytes (an Ed25519 public key)`;
  }
  const key = decodeBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
  return key && key.length >= MIN_HMAC_KEY_BYTES
    ? undefined
    : `a Standard Webhooks secret must be whsec_ followed by the base64 of at least ${MIN_HMAC_KEY_BYTES} bytes`;
}

function standardWebhooksKey(secret: string): StandardWebhooksKey | undefined {
  if (secretProblem('standard-webhooks', secret)) return undefined;
  if (secret.startsWith('whpk_')) {
    const x = Buffer.from(secret.slice(5), 'base64').toString('base64url');
    return {
      version: 'v1a',
      key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
    };
  }
  return {
    version: 'v1',
    key: Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'),
  };
}

/**
 * `v1,<base64> v1a,<base64> …`, space-separated; a header sent twice arrives joined with ", ", so a trailing
 * comma is not part of the entry. Entries of other versions, and malformed ones, are skipped.
 */
function signatureEntries(list: string): { version: string; bytes: Buffer }[] {
  const entries: { version: string; bytes: Buffer }[] = [];
  for (const token of list.split(/\s+/)) {
    const [version, value] = token.replace(/,+$/, '').split(',', 2);
    const bytes = value ? decodeBase64(value) : undefined;
    if (version && bytes && bytes.length > 0) entries.push({ version, bytes });
  }
  return entries;
}

function standardWebhooksVerifier(secrets: readonly string[]): Verifier {
  const keys = secrets.map(standardWebhooksKey).filter((key) => key !== undefined);
  return (req) => {
    // svix-* are the same headers under Svix's older names, as the official libraries accept them
    const id = header(req.headers, 'webhook-id', 'svix-id');
    const timestamp = header(req.headers, 'webhook-timestamp', 'svix-timestamp');
    const signatures = header(req.headers, 'webhook-signature', 'svix-signature');
    if (!id) return missing('webhook-id');
    if (!timestamp) return missing('webhook-timestamp');
    if (!signatures) return missing('webhook-signature');
    if (!/^\d{1,15}$/.test(timestamp)) return mismatch('webhook-timestamp must be Unix seconds');
    const entries = signatureEntries(signatures).filter((e) => e.version === 'v1' || e.version === 'v1a');
    if (entries.length === 0) return mismatch('webhook-signature holds no v1 or v1a signature');
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), req.body]);
    const match = keys.some((key) =>
      key.version === 'v1'
        ? entries.some((e) => e.version === 'v1' && bytesEqual(hmacSha256(key.key, content), e.bytes))
        : entries.some((e) => e.version === 'v1a' && verifyEd25519(null, content, key.key, e.bytes)),
    );
    if (!match) return mismatch('no signature in webhook-signature matches the body');
    return { ok: true, deliveryId: id, signedAtMs: Number(timestamp) * 1000 };
  };
}

/** Prepares the keys once (per deployed node), then verifies each request. */
export function createVerifier(
  scheme: SignatureScheme,
  secrets: readonly string[],
  options: SchemeOptions = {},
): Verifier {
  switch (scheme) {
    case 'generic':
      return genericVerifier(secrets);
    case 'standard-webhooks':
      return standardWebhooksVerifier(secrets);
    case 'square':
      return base64BodyVerifier(secrets, ['x-square-hmacsha256-signature'], options.notificationUrl ?? '');
    case 'shopify':
      // Shopify's newer un-prefixed header carries the same signature
      return base64BodyVerifier(secrets, ['X-Shopify-Hmac-Sha256', 'shopify-hmac-sha256'], '');
    case 'none':
      return () => ({ ok: true });
  }
}

export function verifySignature(
  scheme: SignatureScheme,
  req: SignedRequest,
  secrets: readonly string[],
  options: SchemeOptions = {},
): Verification {
  return createVerifier(scheme, secrets, options)(req);
}
