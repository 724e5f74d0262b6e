// Rules as a user saves them in a flow (the `rules`, `mode` and `unmatched` properties of a pos-switch node),
// the operators they can use and the problems a rule can have. The editor mirrors these lists.

export const OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'contains',
  'startsWith',
  'matches',
  'oneOf',
  'exists',
  'missing',
  'isTrue',
  'isFalse',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Node-RED typed-input types a value can have (plus `list`, a comma-separated list, and `re`, a pattern). */
export type ValueType = 'num' | 'str' | 'bool' | 'list' | 're' | 'env' | 'flow' | 'global';

export interface OperatorInfo {
  /** How many values the operator takes: none (exists), one (is) or two (between). */
  readonly values: 0 | 1 | 2;
  /** The value types the editor offers, the first being the default. */
  readonly types: readonly ValueType[];
  /** Whether "ignore case" applies. */
  readonly textual: boolean;
}

const CONTEXT: readonly ValueType[] = ['env', 'flow', 'global'];

export const OPERATOR_INFO: Readonly<Record<Operator, OperatorInfo>> = {
  eq: { values: 1, types: ['str', 'num', 'bool', ...CONTEXT], textual: true },
  neq: { values: 1, types: ['str', 'num', 'bool', ...CONTEXT], textual: true },
  gt: { values: 1, types: ['num', ...CONTEXT], textual: false },
  gte: { values: 1, types: ['num', ...CONTEXT], textual: false },
  lt: { values: 1, types: ['num', ...CONTEXT], textual: false },
  lte: { values: 1, types: ['num', ...CONTEXT], textual: false },
  between: { values: 2, types: ['num', ...CONTEXT], textual: false },
  contains: { values: 1, types: ['str', ...CONTEXT], textual: true },
  startsWith: { values: 1, types: ['str', ...CONTEXT], textual: true },
  matches: { values: 1, types: ['re', 'str', ...CONTEXT], textual: true },
  oneOf: { values: 1, types: ['list', ...CONTEXT], textual: true },
  exists: { values: 0, types: [], textual: false },
  missing: { values: 0, types: [], textual: false },
  isTrue: { values: 0, types: [], textual: false },
  isFalse: { values: 0, types: [], textual: false },
};

export function isOperator(value: unknown): value is Operator {
  return typeof value === 'string' && Object.hasOwn(OPERATOR_INFO, value);
}

/** One condition: "<field> <op> <value> [and <value2>]". */
export interface ConditionDef {
  field: string;
  op: Operator;
  value?: string;
  valueType?: ValueType;
  /** The upper end for `between`. */
  value2?: string;
  value2Type?: ValueType;
  ignoreCase?: boolean;
}

/** A rule: all its conditions must hold. Each rule has its own output, in order. */
export interface RuleDef {
  name?: string;
  conditions: ConditionDef[];
}

export type Mode = 'first' | 'all';
export type Unmatched = 'otherwise' | 'drop';

export interface RuleSetDef {
  rules: RuleDef[];
  /** first: the first matching rule's output only (default); all: every matching rule's output. */
  mode?: Mode;
  /** otherwise: an extra last output for events no rule matched (default); drop: filter them out. */
  unmatched?: Unmatched;
}

/** Problems found when compiling (at deploy) or when a context value changes (at run time). */
export type ProblemCode =
  | 'rules-invalid'
  | 'no-conditions'
  | 'no-field'
  | 'bad-field'
  | 'bad-operator'
  | 'bad-value-type'
  | 'no-value'
  | 'not-a-number'
  | 'not-a-boolean'
  | 'bad-regex'
  | 'unsafe-regex'
  | 'unchecked-regex'
  | 'empty-list'
  | 'env-unset'
  | 'context-unset'
  | 'context-unusable';

export interface RuleProblem {
  code: ProblemCode;
  /** 0-based rule index (absent for problems with the whole rule list). */
  rule?: number;
  /** 0-based condition index within the rule. */
  condition?: number;
  /** 1 for the value, 2 for the second value of `between`. */
  value?: 1 | 2;
  /** What was wrong: the text that is not a number, the regular-expression error, the variable name. */
  detail?: string;
}
