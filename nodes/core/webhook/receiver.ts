// The whole `pos-in` decision for one delivery, free of Node-RED: admission (source, rate, content type),
// then signature, JSON, schema, replay window and duplicates. The adapter only moves bytes and messages.
import { createHash } from 'node:crypto';
import type { PosEvent } from '../events/schema';
import { validateEvent } from '../events/validate';
import type { Claim, DedupeStore } from '../store/dedupe-store';
import type { IpAllowlist } from './ip-allowlist';
import { checkEventObject, parseJsonBody } from './json-body';
import { type EnvelopeSettings, toCanonicalShape } from './provider-envelope';
import { checkReplayWindow } from './replay-window';
import {
  createVerifier,
  type Headers,
  header,
  type SignatureScheme,
  type Verifier,
} from './signature-schemes';
import type { SourceRateLimiter } from './source-rate-limiter';

export interface ReceiverConfig extends EnvelopeSettings {
  scheme: SignatureScheme;
  /** The current secret first, then a previous one still accepted during a rotation. */
  secrets: readonly string[];
  notificationUrl?: string;
  windowMs: number;
  allowlist?: IpAllowlist | undefined;
  rateLimiter?: SourceRateLimiter | undefined;
  dedupe: DedupeStore;
  now?: () => number;
}

/** Delivery facts that travel with each event as `msg.pos`. */
export interface DeliveryFacts {
  scheme: SignatureScheme;
  deliveryId: string;
  receivedAt: string;
  verified: boolean;
}

export interface Accepted {
  event: PosEvent;
  pos: DeliveryFacts;
  /** What duplicates are recognised by: a signed id, scoped by store (see dedupeKey). */
  dedupeKey: string;
}

/** One webhook request as read: lower-case headers, the raw body and the client's address. */
export interface Delivery {
  headers: Headers;
  body: Buffer;
  /** The client's address (the forwarded one where Node-RED trusts the proxy): the rate limit's key. */
  source?: string | undefined;
}

export type ErrorCode =
  | 'forbidden'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'request_timeout'
  | 'missing_signature'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'invalid_json'
  | 'invalid_event'
  | 'method_not_allowed'
  | 'unavailable';

export type Answer =
  | { status: 200; body: { ok: true; id: string; duplicate?: true }; accepted?: Accepted }
  | { status: number; body: { error: ErrorCode; detail: string }; headers?: Record<string, string> };

export const reject = (
  status: number,
  error: ErrorCode,
  detail: string,
  headers?: Record<string, string>,
): Answer => (headers ? { status, body: { error, detail }, headers } : { status, body: { error, detail } });

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function digestId(body: Buffer | string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * Ids are unique per store at most (a POS may number events per store), so the store is part of the key. The
 * store's length in front keeps the two parts apart whatever characters they hold, and a usual key
 * ("9:HK-MK-001:evt_01J9Z6Q0R3") stays short and plain enough for the journal to keep it as it is.
 */
export function dedupeKey(storeId: string, id: string): string {
  return `${storeId.length}:${storeId}:${id}`;
}

export class WebhookReceiver {
  private readonly now: () => number;
  private readonly verify: Verifier;

  constructor(private readonly config: ReceiverConfig) {
    this.now = config.now ?? Date.now;
    this.verify = createVerifier(config.scheme, config.secrets, { notificationUrl: config.notificationUrl });
  }

  /**
   * Checks that need no body: answered before a byte of it is read. `source` is the client's address. The rate
   * limit refuses here only a source with no room left for a verified nor a failed request; the request is
   * charged once its signature is known (see `limit`).
   */
  admit(headers: Headers, source: string | undefined): Answer | undefined {
    const { allowlist, rateLimiter } = this.config;
    if (allowlist && !allowlist.allows(source)) {
      return reject(403, 'forbidden', `the source address ${source ?? '(unknown)'} is not allowed`);
    }
    const wait = rateLimiter?.admits(source, this.now()) ?? 0;
    if (wait > 0) return rateLimited(wait);
    const type = header(headers, 'content-type');
    if (!type || !JSON_TYPE.test(type)) {
      return reject(
        415,
        'unsupported_media_type',
        `expected Content-Type application/json, got ${type ?? 'none'}`,
      );
    }
    return undefined;
  }

  /** One delivery; see receiveAll. */
  async receive(headers: Headers, body: Buffer, source?: string): Promise<Answer> {
    const [answer] = await this.receiveAll([{ headers, body, source }]);
    return answer as Answer;
  }

  /**
   * Deliveries read in the same turn of the event loop, decided together: each is checked on its own, then
   * the ids of those that pass are claimed in one batch. Answers come back in the order of `deliveries`.
   */
  async receiveAll(deliveries: readonly Delivery[]): Promise<Answer[]> {
    const receivedAtMs = this.now();
    const checked = deliveries.map(({ headers, body, source }) =>
      this.limit(source, this.checkSafely(headers, body, receivedAtMs), receivedAtMs),
    );
    const candidates = checked.filter((item): item is Accepted => 'event' in item);
    const firsts = await this.config.dedupe.claimAll(
      candidates.map((item) => item.dedupeKey),
      receivedAtMs,
    );
    if (firsts.length !== candidates.length)
      throw new Error('the id store answered for the wrong number of ids');
    let next = 0;
    return checked.map((item) => ('event' in item ? answerFor(item, firsts[next++]) : item));
  }

  /**
   * Charges a checked delivery to its source's budget: refused for its signature or time, to the budget of
   * failed requests; otherwise to that of verified ones. Over budget, it is answered 429 and not claimed.
   */
  private limit(source: string | undefined, checked: Answer | Accepted, nowMs: number): Answer | Accepted {
    const { rateLimiter } = this.config;
    if (!rateLimiter) return checked;
    const failed = 'status' in checked && checked.status === 401;
    const wait = rateLimiter.take(source, failed ? 'failed' : 'verified', nowMs);
    return wait > 0 ? rateLimited(wait) : checked;
  }

  /** A delivery that trips over a fault of ours is refused on its own (to be retried), not with its batch. */
  private checkSafely(headers: Headers, body: Buffer, receivedAtMs: number): Answer | Accepted {
    try {
      return this.check(headers, body, receivedAtMs);
    } catch (err) {
      return reject(503, 'unavailable', `the event could not be checked; retry (${(err as Error).message})`);
    }
  }

  /** Signature, replay window, JSON and schema: a rejection, or the event to claim. */
  private check(headers: Headers, body: Buffer, receivedAtMs: number): Answer | Accepted {
    const { scheme, windowMs } = this.config;
    const verification = this.verify({ headers, body });
    if (!verification.ok) return reject(401, verification.error, verification.detail);
    if (verification.signedAtMs !== undefined) {
      const window = checkReplayWindow(verification.signedAtMs, receivedAtMs, windowMs);
      if (!window.ok) return reject(401, window.error, window.detail);
    }

    const parsed = parseJsonBody(body);
    if (!parsed.ok) return reject(400, 'invalid_json', parsed.detail);
    const receivedAt = new Date(receivedAtMs).toISOString();
    const digest = () => digestId(body); // only when the event has no signed id of its own
    const shaped = toCanonicalShape(scheme, parsed.value, { headers, digest, receivedAt }, this.config);
    if (!shaped.ok) return reject(400, 'invalid_event', shaped.detail);
    const validation = validateEvent(shaped.value, digest);
    if (!validation.ok) return reject(400, 'invalid_event', `${validation.path}: ${validation.message}`);
    const event = validation.event;

    if (verification.signedAtMs === undefined && scheme !== 'shopify') {
      // generic, Square and none: the body's own (signed) time carries the replay window. Shopify signs no
      // time of delivery (its retries repeat the body for hours): only the dedupe memory stops a replay.
      const window = checkReplayWindow(Date.parse(event.timestamp), receivedAtMs, windowMs);
      if (!window.ok) return reject(401, window.error, window.detail);
    }

    // Standard Webhooks signs webhook-id, the same across retries; the other schemes sign only the body
    const signedId = verification.deliveryId ?? event.id;
    const pos: DeliveryFacts = { scheme, deliveryId: signedId, receivedAt, verified: scheme !== 'none' };
    return { event, pos, dedupeKey: dedupeKey(event.storeId, signedId) };
  }

  /** The same validation and dedupe for events that arrive on the node's input rather than over HTTP. */
  async accept(payload: unknown): Promise<{ ok: true; accepted?: Accepted } | { ok: false; detail: string }> {
    let value = payload;
    let raw: Buffer | string | undefined;
    if (Buffer.isBuffer(payload) || typeof payload === 'string') {
      raw = payload;
      const parsed = parseJsonBody(Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
      if (!parsed.ok) return { ok: false, detail: parsed.detail };
      value = parsed.value;
    } else {
      const check = checkEventObject(payload);
      if (!check.ok) return { ok: false, detail: check.detail };
    }
    const validation = validateEvent(value, () => digestId(raw ?? JSON.stringify(value) ?? ''));
    if (!validation.ok) return { ok: false, detail: `${validation.path}: ${validation.message}` };
    const receivedAtMs = this.now();
    const pos: DeliveryFacts = {
      scheme: this.config.scheme,
      deliveryId: validation.event.id,
      receivedAt: new Date(receivedAtMs).toISOString(),
      verified: false,
    };
    const key = dedupeKey(validation.event.storeId, validation.event.id);
    const [first] = await this.config.dedupe.claimAll([key], receivedAtMs);
    if (first === 'pending') return { ok: false, detail: PENDING_DETAIL };
    return first ? { ok: true, accepted: { event: validation.event, pos, dedupeKey: key } } : { ok: true };
  }
}

function rateLimited(waitSeconds: number): Answer {
  return reject(429, 'rate_limited', `too many requests; retry in ${waitSeconds} s`, {
    'Retry-After': String(waitSeconds),
  });
}

const PENDING_DETAIL = 'another instance is accepting this event right now; retry';

function answerFor(accepted: Accepted, claim: Claim | undefined): Answer {
  const id = accepted.event.id;
  if (claim === 'pending') return reject(503, 'unavailable', PENDING_DETAIL);
  return claim === true
    ? { status: 200, body: { ok: true, id }, accepted }
    : { status: 200, body: { ok: true, id, duplicate: true } };
}
