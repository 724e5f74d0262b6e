import type { z } from 'zod';
import { knownEventData, otherEvent, type PosEvent, posEventSchema } from './schema';

export type Validation = { ok: true; event: PosEvent } | { ok: false; path: string; message: string };

/** `data.items[0].quantity`: the path a person reads, from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out || '(event)';
}

function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: '(event)', message: 'invalid event' };
  return { path: formatPath(issue.path), message: issue.message };
}

/**
 * Validates a parsed body as a canonical POS event. A body without `id` gets `fallbackId()` (a digest of the
 * raw bytes, computed only then), so that a POS that sends no id still gets duplicate suppression.
 */
export function validateEvent(input: unknown, fallbackId?: () => string): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, path: '(event)', message: 'expected a JSON object' };
  }
  let candidate = input as Record<string, unknown>;
  if (candidate.id === undefined && fallbackId !== undefined) candidate = { ...candidate, id: fallbackId() };
  const type = candidate.event;
  const schema = typeof type === 'string' && type in knownEventData ? posEventSchema : otherEvent;
  const result = schema.safeParse(candidate);
  return result.success ? { ok: true, event: result.data } : { ok: false, ...firstIssue(result.error) };
}
