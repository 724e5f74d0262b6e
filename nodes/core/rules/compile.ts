// Compiles a rule list once (at deploy) into plain functions: one predicate per condition, one per rule, and a
// router that returns the outputs a message goes to. Every problem a rule can have is found here, so a bad rule
// is reported at deploy and never on the first event. Values from flow or global context can change, so they
// sit in slots the node refreshes before each message; environment variables are read once, here.

import { compareDecimals, compareNumber } from './decimal';
import {
  type ConditionDef,
  isOperator,
  type Mode,
  OPERATOR_INFO,
  type Operator,
  type ProblemCode,
  type RuleProblem,
  type RuleSetDef,
  type Unmatched,
  type ValueType,
} from './definitions';
import {
  booleanOperand,
  contains,
  equals,
  exists,
  inList,
  listOperand,
  matches,
  numberOperand,
  type Operand,
  type OperandKind,
  type Prepared,
  prepareDynamic,
  regexOperand,
  startsWith,
  textOperand,
} from './operands';
import { compileGetter, type FieldGetter, parseField } from './path';
import { booleanOf, splitList } from './text';

export type Predicate = (msg: unknown) => boolean;

/** A value read from flow or global context before each message. */
export interface ContextRef {
  readonly scope: 'flow' | 'global';
  /** The key as the typed input saved it, store prefix included (`#:(file)::threshold`). */
  readonly key: string;
  readonly rule: number;
  readonly condition: number;
  readonly value: 1 | 2;
}

export interface RuleSet {
  readonly mode: Mode;
  readonly unmatched: Unmatched;
  /** Number of rules; rule i sends to output i. */
  readonly rules: number;
  /** Number of outputs: one per rule, plus "otherwise" last. */
  readonly outputs: number;
  /** The "otherwise" output, when there is one. */
  readonly otherwise: number | undefined;
  /** Context values to read before each message, in the order setContext expects them. */
  readonly contextRefs: readonly ContextRef[];
  /**
   * Gives context value `index` its current value. Returns a problem when the value cannot be used (the
   * condition is then false) and it was not already reported for the same value.
   */
  setContext(index: number, raw: unknown): RuleProblem | undefined;
  /** The outputs the message goes to, in order; empty when it is dropped. */
  route(msg: unknown): readonly number[];
}

export interface CompileOptions {
  /** Reads an environment variable (Node-RED's env, including flow and group env). */
  env?: (name: string) => unknown;
}

export type Compiled = { ok: true; ruleSet: RuleSet } | { ok: false; problems: RuleProblem[] };

interface OperandSource {
  operand: Operand | undefined;
}

const UNSEEN = Symbol('unseen');

class ContextSlot implements OperandSource {
  operand: Operand | undefined;
  private raw: unknown = UNSEEN;
  private reported = '';

  constructor(
    readonly ref: ContextRef,
    private readonly need: OperandKind,
    private readonly ignoreCase: boolean,
  ) {}

  set(raw: unknown): RuleProblem | undefined {
    // Primitive values are immutable, so an unchanged one needs no work; arrays are re-read every time because
    // a flow may change them in place.
    if (raw === this.raw && (typeof raw !== 'object' || raw === null)) return undefined;
    this.raw = raw;
    const prepared = prepareDynamic(raw, this.need, this.ignoreCase, `${this.ref.scope}.${this.ref.key}`);
    if (prepared.kind !== 'problem') {
      this.operand = prepared;
      this.reported = '';
      return undefined;
    }
    this.operand = undefined;
    const signature = `${prepared.code}:${prepared.detail ?? ''}`;
    if (signature === this.reported) return undefined;
    this.reported = signature;
    const { rule, condition, value } = this.ref;
    return { code: prepared.code, rule, condition, value, detail: prepared.detail };
  }
}

const NEEDS: Readonly<Record<Operator, OperandKind | undefined>> = {
  eq: 'equality',
  neq: 'equality',
  gt: 'number',
  gte: 'number',
  lt: 'number',
  lte: 'number',
  between: 'number',
  contains: 'text',
  startsWith: 'text',
  matches: 'regex',
  oneOf: 'list',
  exists: undefined,
  missing: undefined,
  isTrue: undefined,
  isFalse: undefined,
};

class Compiler {
  readonly problems: RuleProblem[] = [];
  readonly slots: ContextSlot[] = [];

  constructor(private readonly options: CompileOptions) {}

  problem(code: ProblemCode, where: Omit<RuleProblem, 'code'>): void {
    this.problems.push({ code, ...where });
  }

  condition(def: unknown, rule: number, condition: number): Predicate | undefined {
    const where = { rule, condition };
    if (typeof def !== 'object' || def === null) {
      this.problem('no-field', where);
      return undefined;
    }
    const c = def as Partial<Record<keyof ConditionDef, unknown>>;
    let get: FieldGetter | undefined;
    if (typeof c.field !== 'string' || c.field.trim() === '') this.problem('no-field', where);
    else {
      const path = parseField(c.field);
      if (path) get = compileGetter(path);
      else this.problem('bad-field', { ...where, detail: c.field });
    }
    if (!isOperator(c.op)) {
      this.problem('bad-operator', { ...where, detail: String(c.op) });
      return undefined;
    }
    const op = c.op;
    const info = OPERATOR_INFO[op];
    const ignoreCase = info.textual && c.ignoreCase === true;
    const need = NEEDS[op];
    const sources: OperandSource[] = [];
    if (need) {
      for (let n = 1; n <= info.values; n++) {
        const index = n as 1 | 2;
        const value = index === 1 ? c.value : c.value2;
        const type = index === 1 ? c.valueType : c.value2Type;
        const source = this.operand(op, need, value, type, ignoreCase, { ...where, value: index });
        if (source) sources.push(source);
      }
      if (sources.length < info.values) return undefined;
    }
    if (!get) return undefined;
    return buildPredicate(op, get, sources, ignoreCase);
  }

  private operand(
    op: Operator,
    need: OperandKind,
    rawValue: unknown,
    rawType: unknown,
    ignoreCase: boolean,
    where: Omit<RuleProblem, 'code'> & { rule: number; condition: number; value: 1 | 2 },
  ): OperandSource | undefined {
    const allowed = OPERATOR_INFO[op].types;
    const type = (rawType === undefined || rawType === '' ? allowed[0] : rawType) as ValueType;
    if (!allowed.includes(type)) {
      this.problem('bad-value-type', { ...where, detail: String(rawType) });
      return undefined;
    }
    const value =
      typeof rawValue === 'number' ? String(rawValue) : typeof rawValue === 'string' ? rawValue : '';
    const trimmed = value.trim();
    if (trimmed === '') {
      this.problem('no-value', where);
      return undefined;
    }
    if (type === 'flow' || type === 'global') {
      const slot = new ContextSlot({ scope: type, key: trimmed, ...where }, need, ignoreCase);
      this.slots.push(slot);
      return slot;
    }
    let prepared: Prepared;
    if (type === 'env') {
      prepared = prepareDynamic(this.options.env?.(trimmed), need, ignoreCase, trimmed);
      if (prepared.kind === 'problem' && prepared.code === 'context-unset') {
        prepared = { kind: 'problem', code: 'env-unset', detail: trimmed };
      }
    } else if (need === 'number') prepared = numberOperand(trimmed);
    else if (need === 'regex') prepared = regexOperand(value, ignoreCase);
    else if (need === 'list') prepared = listOperand(splitList(value), ignoreCase);
    else if (type === 'num') prepared = numberOperand(trimmed);
    else if (type === 'bool') prepared = booleanOperand(trimmed);
    else prepared = textOperand(trimmed, ignoreCase);
    if (prepared.kind === 'problem') {
      this.problem(prepared.code, { ...where, detail: prepared.detail });
      return undefined;
    }
    return { operand: prepared };
  }
}

/** Compiles the rules, or lists every problem they have. */
export function compileRules(def: RuleSetDef, options: CompileOptions = {}): Compiled {
  const compiler = new Compiler(options);
  const mode: Mode = def.mode === 'all' ? 'all' : 'first';
  const unmatched: Unmatched = def.unmatched === 'drop' ? 'drop' : 'otherwise';
  if (!Array.isArray(def.rules)) return { ok: false, problems: [{ code: 'rules-invalid' }] };
  const rules: Predicate[] = [];
  def.rules.forEach((rule: unknown, r) => {
    const conditions = (rule as { conditions?: unknown } | null)?.conditions;
    if (!Array.isArray(conditions) || conditions.length === 0) {
      compiler.problem('no-conditions', { rule: r });
      return;
    }
    const predicates = conditions.map((condition: unknown, c) => compiler.condition(condition, r, c));
    if (predicates.every((p): p is Predicate => p !== undefined)) rules.push(allOf(predicates));
  });
  if (compiler.problems.length > 0) return { ok: false, problems: compiler.problems };
  return { ok: true, ruleSet: buildRuleSet(rules, mode, unmatched, compiler.slots) };
}

function allOf(predicates: Predicate[]): Predicate {
  const [a, b, c] = predicates as [Predicate, Predicate, Predicate];
  switch (predicates.length) {
    case 1:
      return a;
    case 2:
      return (msg) => a(msg) && b(msg);
    case 3:
      return (msg) => a(msg) && b(msg) && c(msg);
    default:
      return (msg) => {
        for (const predicate of predicates) if (!predicate(msg)) return false;
        return true;
      };
  }
}

function buildRuleSet(rules: Predicate[], mode: Mode, unmatched: Unmatched, slots: ContextSlot[]): RuleSet {
  const count = rules.length;
  const otherwise = unmatched === 'otherwise' ? count : undefined;
  const outputs = count + (otherwise === undefined ? 0 : 1);
  const single: readonly (readonly number[])[] = Array.from({ length: outputs }, (_, i) =>
    Object.freeze([i]),
  );
  const none: readonly number[] = Object.freeze([]);
  const fallback = otherwise === undefined ? none : (single[otherwise] as readonly number[]);
  const route =
    mode === 'first'
      ? (msg: unknown): readonly number[] => {
          for (let i = 0; i < count; i++)
            if ((rules[i] as Predicate)(msg)) return single[i] as readonly number[];
          return fallback;
        }
      : (msg: unknown): readonly number[] => {
          let matched: number[] | undefined;
          for (let i = 0; i < count; i++) {
            if (!(rules[i] as Predicate)(msg)) continue;
            if (matched) matched.push(i);
            else matched = [i];
          }
          return matched ?? fallback;
        };
  return {
    mode,
    unmatched,
    rules: count,
    outputs,
    otherwise,
    contextRefs: slots.map((slot) => slot.ref),
    setContext: (index, raw) => slots[index]?.set(raw),
    route,
  };
}

// ---- Predicates ------------------------------------------------------------------------------------------

function buildPredicate(
  op: Operator,
  get: FieldGetter,
  sources: OperandSource[],
  ignoreCase: boolean,
): Predicate {
  const dynamic = sources.some((source) => source instanceof ContextSlot);
  if (!dynamic) {
    const operands = sources.map((source) => source.operand as Operand);
    const fixed = staticPredicate(op, get, operands, ignoreCase);
    if (fixed) return fixed;
  }
  const [first, second] = sources;
  return (msg) => {
    const a = first?.operand;
    const b = second?.operand;
    if ((first && !a) || (second && !b)) return false;
    return test(op, get(msg), a, b, ignoreCase);
  };
}

/** Specialised closures for fixed values: no operand dispatch on the hot path. */
function staticPredicate(
  op: Operator,
  get: FieldGetter,
  operands: Operand[],
  ignoreCase: boolean,
): Predicate | undefined {
  const [a, b] = operands;
  if (op === 'exists') return (msg) => exists(get(msg));
  if (op === 'missing') return (msg) => !exists(get(msg));
  if (op === 'isTrue') return (msg) => booleanOf(get(msg)) === true;
  if (op === 'isFalse') return (msg) => booleanOf(get(msg)) === false;
  if (!a) return undefined;
  if (a.kind === 'number') {
    const t = a.threshold;
    switch (op) {
      case 'eq':
        return (msg) => compareNumber(get(msg), t) === 0;
      case 'neq':
        return (msg) => compareNumber(get(msg), t) !== 0;
      case 'gt':
        return (msg) => compareNumber(get(msg), t) > 0;
      case 'gte':
        return (msg) => compareNumber(get(msg), t) >= 0;
      case 'lt':
        return (msg) => compareNumber(get(msg), t) < 0;
      case 'lte':
        return (msg) => compareNumber(get(msg), t) <= 0;
      case 'between': {
        if (b?.kind !== 'number') return undefined;
        const [low, high] =
          compareDecimals(t.exact, b.threshold.exact) <= 0 ? [t, b.threshold] : [b.threshold, t];
        return (msg) => {
          const value = get(msg);
          return compareNumber(value, low) >= 0 && compareNumber(value, high) <= 0;
        };
      }
      default:
        return undefined;
    }
  }
  if (a.kind === 'text' || a.kind === 'list') {
    const { list } = a;
    if (op === 'eq' || op === 'oneOf') return (msg) => inList(get(msg), list);
    if (op === 'neq') return (msg) => !inList(get(msg), list);
    if (a.kind === 'text') {
      const { text } = a;
      if (op === 'contains') return (msg) => contains(get(msg), text, list);
      if (op === 'startsWith') return (msg) => startsWith(get(msg), text, ignoreCase);
    }
    return undefined;
  }
  if (a.kind === 'regex') {
    const { regex } = a;
    return op === 'matches' ? (msg) => matches(get(msg), regex) : undefined;
  }
  const expected = a.value;
  if (op === 'eq') return (msg) => booleanOf(get(msg)) === expected;
  if (op === 'neq') return (msg) => booleanOf(get(msg)) !== expected;
  return undefined;
}

/** The general test, for conditions whose values come from context. */
function test(
  op: Operator,
  value: unknown,
  a: Operand | undefined,
  b: Operand | undefined,
  ignoreCase: boolean,
) {
  switch (op) {
    case 'exists':
      return exists(value);
    case 'missing':
      return !exists(value);
    case 'isTrue':
      return booleanOf(value) === true;
    case 'isFalse':
      return booleanOf(value) === false;
    default:
      break;
  }
  if (!a) return false;
  switch (op) {
    case 'eq':
      return equals(value, a);
    case 'neq':
      return !equals(value, a);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (a.kind !== 'number') return false;
      const order = compareNumber(value, a.threshold);
      if (op === 'gt') return order > 0;
      if (op === 'gte') return order >= 0;
      if (op === 'lt') return order < 0;
      return order <= 0;
    }
    case 'between': {
      if (a.kind !== 'number' || b?.kind !== 'number') return false;
      const [low, high] =
        compareDecimals(a.threshold.exact, b.threshold.exact) <= 0
          ? [a.threshold, b.threshold]
          : [b.threshold, a.threshold];
      return compareNumber(value, low) >= 0 && compareNumber(value, high) <= 0;
    }
    case 'contains':
      return a.kind === 'text' && contains(value, a.text, a.list);
    case 'startsWith':
      return a.kind === 'text' && startsWith(value, a.text, ignoreCase);
    case 'matches':
      return a.kind === 'regex' && matches(value, a.regex);
    case 'oneOf':
      return a.kind === 'list' && inList(value, a.list);
    default:
      return false;
  }
}
