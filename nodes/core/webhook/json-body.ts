import { isUtf8 } from 'node:buffer';
import secureJson from 'secure-json-parse';

export type JsonParse = { ok: true; value: unknown } | { ok: false; detail: string };
export type ObjectCheck = { ok: true } | { ok: false; detail: string };

/** Deeper than any POS event needs, shallow enough that no recursive clone downstream can overflow. */
export const MAX_DEPTH = 32;

/** More objects than a body within the size cap holds; bounds the walk over shared sub-objects. */
const MAX_OBJECTS = 1_000_000;

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

const own = (value: object, key: string) => Object.hasOwn(value, key);

/**
 * The key that would let a clone or deep merge downstream reach a prototype: an own `__proto__` (which a
 * clone by assignment turns into the copy's prototype), or a `constructor` object with a `prototype`.
 * The same rule as secure-json-parse applies to text, for objects that arrive already parsed.
 */
function forbiddenKey(value: object): string | undefined {
  if (own(value, '__proto__')) return '__proto__';
  const ctor = (value as { constructor?: unknown }).constructor;
  if (own(value, 'constructor') && typeof ctor === 'object' && ctor !== null && own(ctor, 'prototype'))
    return 'constructor.prototype';
  return undefined;
}

/** Checks an event that arrived as an object, at every depth, without recursing; cycles count as too deep. */
export function checkEventObject(root: unknown): ObjectCheck {
  const stack: [unknown, number][] = [[root, 1]];
  let visited = 0;
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH)
      return { ok: false, detail: `the event is nested deeper than ${MAX_DEPTH} levels` };
    if (++visited > MAX_OBJECTS) return { ok: false, detail: 'the event holds too many objects' };
    const key = forbiddenKey(value);
    if (key) return { ok: false, detail: `the key "${key}" is not allowed in an event` };
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return { ok: true };
}

/** Parses a UTF-8 JSON body; refuses invalid UTF-8, deep nesting and prototype-polluting keys, with a reason. */
export function parseJsonBody(body: Buffer): JsonParse {
  if (!isUtf8(body)) return { ok: false, detail: 'the body is not valid UTF-8' };
  const text = body.toString('utf8');
  if (nestingDepth(text) > MAX_DEPTH)
    return { ok: false, detail: `the body is nested deeper than ${MAX_DEPTH} levels` };
  try {
    // secure-json-parse spots every spelling of the keys, escapes such as "\u005f_proto__" included
    return { ok: true, value: secureJson.parse(text, null, FORBID) };
  } catch {
    return explainRefusal(text);
  }
}

const FORBID = { protoAction: 'error', constructorAction: 'error' } as const;

/** Only for a refused body: malformed JSON, or which forbidden key it holds. */
function explainRefusal(text: string): JsonParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, detail: `the body is not valid JSON: ${(err as Error).message}` };
  }
  const check = checkEventObject(value);
  return {
    ok: false,
    detail: check.ok ? 'the body holds a key that is not allowed in an event' : check.detail,
  };
}
