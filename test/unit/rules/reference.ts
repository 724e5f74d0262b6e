// A plain reference evaluator for pos-switch rules, written from the documented semantics and sharing no code
// with the compiled rules: it interprets each condition afresh for every message and compares decimals as
// scaled BigInts. The property test checks that the compiled rules agree with it.
import type { ConditionDef, RuleSetDef } from '../../../nodes/core/rules/definitions';

type Dec = { units: bigint; scale: number }; // units × 10^-scale

/** "matches" is false for longer text (README, pos-switch). */
const MAX_MATCH_LENGTH = 1000;

function decimalFromText(text: string): Dec | undefined {
  let s = text.trim();
  if (/[^\p{ASCII}]/u.test(s)) s = s.normalize('NFKC').trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}` || '0';
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  let units = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

function decimalFromNumber(n: number): Dec | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Number.isSafeInteger(n)) return { units: BigInt(n), scale: 0 };
  return decimalFromText(n.toPrecision(15));
}

function asDecimal(value: unknown): Dec | undefined {
  if (typeof value === 'number') return decimalFromNumber(value);
  if (typeof value === 'string') return decimalFromText(value);
  return undefined;
}

function cmp(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * 10n ** BigInt(scale - a.scale);
  const y = b.units * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

function fold(text: string, ignoreCase: boolean): string {
  return ignoreCase ? text.normalize('NFKC').toLowerCase() : text.normalize('NFC');
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return `${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return undefined;
}

function asBoolean(value: unknown): boolean | undefined {
  if (value === true || value === false) return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase())) {
    return value.trim().toLowerCase() === 'true';
  }
  return undefined;
}

function read(msg: unknown, field: string): unknown {
  const f = field.trim().replace(/\[(\d+)\]/g, '.$1');
  const parts =
    f === 'event type'
      ? ['payload', 'event']
      : f.startsWith('msg.')
        ? f.slice(4).split('.')
        : ['payload', ...f.split('.')];
  let value: unknown = msg;
  for (const part of parts) {
    if (typeof value === 'string' && part === 'length') value = value.length;
    else if (typeof value === 'object' && value !== null && Object.hasOwn(value, part)) {
      value = (value as Record<string, unknown>)[part];
    } else return undefined;
  }
  return value;
}

type Item = { kind: 'num'; dec: Dec } | { kind: 'text'; text: string } | { kind: 'bool'; value: boolean };

/** Whether `value` equals one item, by the item's type. */
function equalsItem(value: unknown, item: Item, ignoreCase: boolean): boolean {
  if (item.kind === 'num') {
    const d = asDecimal(value);
    return d !== undefined && cmp(d, item.dec) === 0;
  }
  if (item.kind === 'bool') return asBoolean(value) === item.value;
  if (typeof value === 'number') {
    const d = decimalFromNumber(value);
    const t = decimalFromText(item.text);
    return d !== undefined && t !== undefined && cmp(d, t) === 0;
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return fold(String(value), ignoreCase) === fold(item.text, ignoreCase);
  }
  return false;
}

export type Context = { flow?: Record<string, unknown>; global?: Record<string, unknown> };

/** The value of a condition's value slot, or 'bad' when it is unusable (the condition is then false). */
function slotValue(
  cond: ConditionDef,
  which: 1 | 2,
  context: Context,
  env: Record<string, string>,
): { type: string; raw: unknown } | 'bad' {
  const type = (which === 1 ? cond.valueType : cond.value2Type) ?? defaultType(cond.op);
  const text = String((which === 1 ? cond.value : cond.value2) ?? '');
  if (type === 'flow' || type === 'global') {
    const raw = context[type]?.[text.trim()];
    return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')
      ? 'bad'
      : { type: 'dynamic', raw };
  }
  if (type === 'env') {
    const raw = env[text.trim()];
    return raw === undefined || raw.trim() === '' ? 'bad' : { type: 'dynamic', raw };
  }
  return { type, raw: text };
}

function defaultType(op: string): string {
  if (['gt', 'gte', 'lt', 'lte', 'between'].includes(op)) return 'num';
  if (op === 'oneOf') return 'list';
  if (op === 'matches') return 're';
  return 'str';
}

function numberOf(v: { type: string; raw: unknown }): Dec | undefined {
  return asDecimal(v.raw);
}

function itemsOf(v: { type: string; raw: unknown }, op: string): Item[] | undefined {
  const { type, raw } = v;
  if (type === 'num') {
    const d = decimalFromText(String(raw));
    return d ? [{ kind: 'num', dec: d }] : undefined;
  }
  if (type === 'bool') {
    const b = asBoolean(raw);
    return b === undefined ? undefined : [{ kind: 'bool', value: b }];
  }
  const fromOne = (x: unknown): Item | undefined => {
    if (typeof x === 'number') {
      const d = decimalFromNumber(x);
      return d ? { kind: 'num', dec: d } : undefined;
    }
    if (typeof x === 'boolean')
      return type === 'dynamic' && op !== 'oneOf'
        ? { kind: 'bool', value: x }
        : { kind: 'text', text: String(x) };
    if (typeof x === 'string') return { kind: 'text', text: x.trim() };
    return undefined;
  };
  if (op === 'oneOf') {
    const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,，、\n]/) : [raw];
    const items = list
      .map(fromOne)
      .filter((i): i is Item => i !== undefined && !(i.kind === 'text' && i.text === ''));
    return items.length ? items : undefined;
  }
  const one = fromOne(raw);
  return one ? [one] : undefined;
}

function regexOf(source: string, ignoreCase: boolean): RegExp | undefined {
  for (const flags of [ignoreCase ? 'iu' : 'u', ignoreCase ? 'i' : '']) {
    try {
      return new RegExp(source, flags);
    } catch {}
  }
  return undefined;
}

export function referenceCondition(
  msg: unknown,
  cond: ConditionDef,
  context: Context,
  env: Record<string, string>,
): boolean {
  const value = read(msg, cond.field);
  const ignoreCase =
    cond.ignoreCase === true && ['eq', 'neq', 'contains', 'startsWith', 'matches', 'oneOf'].includes(cond.op);
  switch (cond.op) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'missing':
      return value === undefined || value === null;
    case 'isTrue':
      return asBoolean(value) === true;
    case 'isFalse':
      return asBoolean(value) === false;
  }
  const v1 = slotValue(cond, 1, context, env);
  if (v1 === 'bad') return false;
  switch (cond.op) {
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const t = numberOf(v1);
      const d = asDecimal(value);
      if (!t) return false;
      if (!d) return false;
      const c = cmp(d, t);
      return cond.op === 'gt' ? c > 0 : cond.op === 'gte' ? c >= 0 : cond.op === 'lt' ? c < 0 : c <= 0;
    }
    case 'between': {
      const v2 = slotValue(cond, 2, context, env);
      if (v2 === 'bad') return false;
      const a = numberOf(v1);
      const b = numberOf(v2);
      const d = asDecimal(value);
      if (!a || !b || !d) return false;
      const [lo, hi] = cmp(a, b) <= 0 ? [a, b] : [b, a];
      return cmp(d, lo) >= 0 && cmp(d, hi) <= 0;
    }
    case 'eq':
    case 'neq':
    case 'oneOf': {
      const items = itemsOf(v1, cond.op);
      if (!items) return false;
      const hit = items.some((item) => equalsItem(value, item, ignoreCase));
      return cond.op === 'neq' ? !hit : hit;
    }
    case 'contains':
    case 'startsWith': {
      const needle = asText(v1.raw);
      if (needle === undefined) return false;
      const folded = fold(needle.trim(), ignoreCase);
      if (cond.op === 'contains' && Array.isArray(value)) {
        return value.some((e) => equalsItem(e, { kind: 'text', text: needle.trim() }, ignoreCase));
      }
      const text = asText(value);
      if (text === undefined) return false;
      return cond.op === 'contains'
        ? fold(text, ignoreCase).includes(folded)
        : fold(text, ignoreCase).startsWith(folded);
    }
    case 'matches': {
      const raw = v1.raw;
      if (typeof raw !== 'string') return false;
      const regex = regexOf(raw, ignoreCase);
      const text = asText(value);
      return (
        regex !== undefined &&
        text !== undefined &&
        text.length <= MAX_MATCH_LENGTH &&
        regex.test(text.normalize('NFC'))
      );
    }
  }
  return false;
}

/** The outputs a message goes to under the reference semantics. */
export function referenceRoute(
  msg: unknown,
  def: RuleSetDef,
  context: Context = {},
  env: Record<string, string> = {},
): number[] {
  const matched: number[] = [];
  for (let i = 0; i < def.rules.length; i++) {
    const rule = def.rules[i];
    if (rule?.conditions.every((c) => referenceCondition(msg, c, context, env))) {
      matched.push(i);
      if (def.mode !== 'all') break;
    }
  }
  if (matched.length === 0 && def.unmatched !== 'drop') matched.push(def.rules.length);
  return matched;
}
