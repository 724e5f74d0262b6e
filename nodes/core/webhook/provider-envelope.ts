// Square and Shopify post their own body shapes. When a body is not already a canonical POS event, these
// wrap it in the canonical envelope so every event leaves `pos-in` in one shape.
import { type Headers, header, type SignatureScheme } from './signature-schemes';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Square: `{ merchant_id, type, event_id, created_at, data }`. */
function fromSquare(body: Json): Json {
  return {
    id: body.event_id,
    event: body.type,
    timestamp: body.created_at,
    storeId: body.merchant_id,
    data: body.data,
  };
}

/** Shopify: the resource itself; the topic, shop and delivery id are headers. */
function fromShopify(body: Json, headers: Headers): Json {
  return {
    id: header(headers, 'x-shopify-event-id') ?? header(headers, 'x-shopify-webhook-id'),
    event: header(headers, 'x-shopify-topic'),
    timestamp: header(headers, 'x-shopify-triggered-at') ?? body.updated_at ?? body.created_at,
    storeId: header(headers, 'x-shopify-shop-domain'),
    data: body,
  };
}

export function toCanonicalShape(scheme: SignatureScheme, body: unknown, headers: Headers): unknown {
  if (!isObject(body) || 'event' in body) return body;
  if (scheme === 'square' && 'event_id' in body) return fromSquare(body);
  if (scheme === 'shopify' && header(headers, 'x-shopify-topic')) return fromShopify(body, headers);
  return body;
}
