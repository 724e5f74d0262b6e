// Square and Shopify post their own body shapes. When a body is not already a canonical POS event, these
// wrap it in the canonical envelope so every event leaves `pos-in` in one shape. Only signed bytes (the
// body) and the node's own settings decide the envelope: the providers' other headers are not signed.
import { type Headers, header, type SignatureScheme } from './signature-schemes';

type Json = Record<string, unknown>;

export interface EnvelopeSettings {
  /** The one Shopify topic this node is subscribed to (Shopify subscribes one topic per address). */
  shopifyTopic?: string | undefined;
  /** The shop whose app secret signs these deliveries. */
  shopifyShop?: string | undefined;
}

export interface Received {
  headers: Headers;
  /** A digest of the raw (signed) body, computed on demand. */
  digest: () => string;
  receivedAt: string;
}

export type Shaping = { ok: true; value: unknown } | { ok: false; detail: string };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Square: `{ merchant_id, type, event_id, created_at, data }`, all inside the signed body. */
function fromSquare(body: Json): Json {
  return {
    id: body.event_id,
    event: body.type,
    timestamp: body.created_at,
    storeId: body.merchant_id,
    data: body.data,
  };
}

/** An unsigned header may only agree with the setting: a disagreement is a misrouted or tampered delivery. */
function disagreement(received: Received, names: string[], label: string, expected: string) {
  const claimed = names.map((name) => header(received.headers, name)).find((v) => v && v !== expected);
  return claimed
    ? `the ${label} header says "${claimed}" but this node receives "${expected}" (one pos-in per topic and shop)`
    : undefined;
}

/** Shopify: the resource itself, signed; the topic and shop come from the settings, the time from the body. */
function fromShopify(body: Json, received: Received, settings: EnvelopeSettings): Shaping {
  const topic = settings.shopifyTopic ?? '';
  const shop = settings.shopifyShop ?? '';
  const problem =
    disagreement(received, ['x-shopify-topic', 'shopify-topic'], 'X-Shopify-Topic', topic) ??
    disagreement(received, ['x-shopify-shop-domain', 'shopify-shop-domain'], 'X-Shopify-Shop-Domain', shop);
  if (problem) return { ok: false, detail: problem };
  const signedTime = [body.updated_at, body.created_at].find((time) => typeof time === 'string');
  return {
    ok: true,
    value: {
      id: received.digest(),
      event: topic,
      timestamp: signedTime ?? received.receivedAt,
      storeId: shop,
      data: body,
    },
  };
}

export function toCanonicalShape(
  scheme: SignatureScheme,
  body: unknown,
  received: Received,
  settings: EnvelopeSettings,
): Shaping {
  if (!isObject(body) || 'event' in body) return { ok: true, value: body };
  if (scheme === 'square' && 'event_id' in body) return { ok: true, value: fromSquare(body) };
  if (scheme === 'shopify') return fromShopify(body, received, settings);
  return { ok: true, value: body };
}
