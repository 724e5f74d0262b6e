// Fields: where a condition reads its value. "data.total" means msg.payload.data.total (fields are relative to
// the canonical event), "event type" (or "event") means msg.payload.event, and a field written as "msg.x.y"
// means that message path. Segments are dotted names, [0] indexes and ["quoted.names"]. A path is compiled once
// into a getter that reads own properties only (so "data.constructor" is missing, not a function).

export type PathSegment = string | number;

export interface FieldPath {
  /** Where the path starts: the event in msg.payload, or the message itself. */
  readonly root: 'payload' | 'msg';
  readonly segments: readonly PathSegment[];
}

export type FieldGetter = (msg: unknown) => unknown;

/** The words for the event type, accepted as a field beside "event". */
export const EVENT_TYPE_ALIAS = 'event type';

const BARE = /^[^.[\]"'\s][^.[\]"']*/;

/** Parses a field as written in a rule; undefined when it is malformed ("", "data..total", "items[x"). */
export function parseField(field: string): FieldPath | undefined {
  const text = field.trim();
  if (text === '') return undefined;
  if (text === EVENT_TYPE_ALIAS) return { root: 'payload', segments: ['event'] };
  const segments = parseSegments(text);
  if (!segments || segments.length === 0) return undefined;
  if (segments[0] === 'msg' && text.startsWith('msg')) {
    return segments.length > 1 ? { root: 'msg', segments: segments.slice(1) } : undefined;
  }
  return { root: 'payload', segments };
}

function parseSegments(text: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < text.length) {
    const char = text[i];
    if (char === '[') {
      const close = readBracket(text, i);
      if (!close) return undefined;
      segments.push(close.segment);
      i = close.end;
      expectName = false;
    } else if (char === '.') {
      if (expectName) return undefined;
      i++;
      expectName = true;
      if (i >= text.length) return undefined;
    } else {
      if (!expectName) return undefined;
      const name = BARE.exec(text.slice(i));
      if (!name) return undefined;
      const trimmed = name[0].trimEnd();
      segments.push(trimmed);
      i += name[0].length;
      expectName = false;
    }
  }
  return segments;
}

function readBracket(text: string, open: number): { segment: PathSegment; end: number } | undefined {
  const quote = text[open + 1];
  if (quote === '"' || quote === "'") {
    const closeQuote = text.indexOf(quote, open + 2);
    if (closeQuote < 0 || text[closeQuote + 1] !== ']') return undefined;
    return { segment: text.slice(open + 2, closeQuote), end: closeQuote + 2 };
  }
  const close = text.indexOf(']', open);
  if (close < 0) return undefined;
  const inner = text.slice(open + 1, close).trim();
  if (!/^\d{1,9}$/.test(inner)) return undefined;
  return { segment: Number(inner), end: close + 1 };
}

/** One step down: own properties of objects and arrays, and the length of a string. */
export function step(value: unknown, key: PathSegment): unknown {
  if (typeof value === 'object' && value !== null) {
    return Object.hasOwn(value, key) ? (value as Record<PathSegment, unknown>)[key] : undefined;
  }
  if (typeof value === 'string' && key === 'length') return value.length;
  return undefined;
}

/**
 * The same step for a key that no plain object or array inherits ("data", "total", 0): a plain property read,
 * which is what makes reading a field cheap. Keys such as "constructor" or "toString" take `step`.
 */
function plainStep(value: unknown, key: PathSegment): unknown {
  if (typeof value === 'object' && value !== null) return (value as Record<PathSegment, unknown>)[key];
  if (typeof value === 'string' && key === 'length') return value.length;
  return undefined;
}

function isInheritable(key: PathSegment): boolean {
  return (
    typeof key === 'string' && (key in Object.prototype || key in Array.prototype || key === '__proto__')
  );
}

type Step = (value: unknown, key: PathSegment) => unknown;

/** Compiles a path into a getter, unrolled for the usual depths. */
export function compileGetter(path: FieldPath): FieldGetter {
  const keys = path.root === 'payload' ? ['payload', ...path.segments] : [...path.segments];
  if (keys.some(isInheritable)) return stepping(keys, step);
  const [a, b, c, d] = keys as [PathSegment, PathSegment, PathSegment, PathSegment];
  switch (keys.length) {
    case 1:
      return (msg) => plainStep(msg, a);
    case 2:
      return (msg) => plainStep(plainStep(msg, a), b);
    case 3:
      return (msg) => plainStep(plainStep(plainStep(msg, a), b), c);
    case 4:
      return (msg) => plainStep(plainStep(plainStep(plainStep(msg, a), b), c), d);
    default:
      return stepping(keys, plainStep);
  }
}

function stepping(keys: PathSegment[], next: Step): FieldGetter {
  return (msg) => {
    let value = msg;
    for (const key of keys) {
      value = next(value, key);
      if (value === undefined) return undefined;
    }
    return value;
  };
}

/** The path written back canonically ("data.items[0].sku", "msg.topic"), for labels and messages. */
export function formatField(path: FieldPath): string {
  let out = path.root === 'msg' ? 'msg' : '';
  for (const segment of path.segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[^.[\]"'\s]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
