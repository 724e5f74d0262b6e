import { isUtf8 } from 'node:buffer';

export type JsonParse = { ok: true; value: unknown } | { ok: false; detail: string };

// Keys that let a later deep merge in a user's function node reach Object.prototype.
const DANGEROUS = /"(__proto__|constructor|prototype)"\s*:/;

/** Deeper than any POS event needs, shallow enough that no recursive clone downstream can overflow. */
export const MAX_DEPTH = 32;

/** The deepest nesting of objects and arrays in JSON text, counted without parsing (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

/** Parses a UTF-8 JSON body; refuses invalid UTF-8, deep nesting and prototype-polluting keys, with a reason. */
export function parseJsonBody(body: Buffer): JsonParse {
  if (!isUtf8(body)) return { ok: false, detail: 'the body is not valid UTF-8' };
  const text = body.toString('utf8');
  if (nestingDepth(text) > MAX_DEPTH)
    return { ok: false, detail: `the body is nested deeper than ${MAX_DEPTH} levels` };
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
