import { isUtf8 } from 'node:buffer';

export type JsonParse = { ok: true; value: unknown } | { ok: false; detail: string };

// Keys that let a later deep merge in a user's function node reach Object.prototype.
const DANGEROUS = /"(__proto__|constructor|prototype)"\s*:/;

/** Parses a UTF-8 JSON body; refuses invalid UTF-8 and prototype-polluting keys with a reason. */
export function parseJsonBody(body: Buffer): JsonParse {
  if (!isUtf8(body)) return { ok: false, detail: 'the body is not valid UTF-8' };
  const text = body.toString('utf8');
  let forbidden: string | undefined;
  try {
    const value = DANGEROUS.test(text)
      ? JSON.parse(text, (key, v) => {
          if (
            key === '__proto__' ||
            ((key === 'constructor' || key === 'prototype') && typeof v === 'object')
          ) {
            forbidden ??= key;
          }
          return v;
        })
      : JSON.parse(text);
    if (forbidden) return { ok: false, detail: `the key "${forbidden}" is not allowed in an event` };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, detail: `the body is not valid JSON: ${(err as Error).message}` };
  }
}
