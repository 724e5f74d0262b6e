// Sample POS events and signed requests, as a POS would send them.
import { createHmac, randomUUID } from 'node:crypto';
import { eventExamples } from './event-examples';

/** The README's order example with a fresh id and the current time: a new, valid event each call. */
export function sampleOrder(
  overrides: Record<string, unknown> = {},
  now = new Date(),
): Record<string, unknown> {
  return {
    ...structuredClone(eventExamples['transaction.completed']),
    id: `evt_${randomUUID()}`,
    timestamp: now.toISOString(),
    ...overrides,
  };
}

export function genericSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface PostResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs a body signed with the generic scheme (unless `signature` overrides it) and reads the JSON answer. */
export async function postSigned(
  url: string,
  body: string | Buffer | Record<string, unknown>,
  secret: string,
  options: { headers?: Record<string, string>; signature?: string | null } = {},
): Promise<PostResult> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const signature = options.signature === undefined ? genericSignature(secret, text) : options.signature;
  if (signature !== null) headers['x-webhook-signature'] = signature;
  const response = await fetch(url, { method: 'POST', headers, body: text });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}
