// Generators of awkward events, rule sets and context values for the property tests (here and in the node test,
// which checks that the editor flags exactly the rules the runtime refuses).
import fc from 'fast-check';
import {
  type ConditionDef,
  OPERATOR_INFO,
  OPERATORS,
  type RuleSetDef,
  type ValueType,
} from '../../../nodes/core/rules/definitions';
import type { Context } from './reference';

const TEXTS = [
  'VIP',
  'vip',
  'ＶＩＰ',
  ' VIP ',
  'Gold',
  'gold',
  '門市',
  '门市',
  '倉庫',
  '奶茶',
  '港式奶茶(大)',
  'HK-MK-001',
  'hk-mk-001',
  'TW-001',
  'MILK-TEA-L',
  'TEA',
  '100',
  '100.00',
  '128.5',
  '128.50',
  '１２８．５',
  '0.3',
  '0.30000000000000004',
  '001234',
  '1234',
  'true',
  'TRUE',
  'false',
  '',
  ' ',
  'abc',
  'café',
  'cafe\u0301',
  '\uf900',
  '\u8c48',
  '1e3',
  '-0.5',
  '1,000',
  'VIP, Gold',
  '門市，倉庫',
  'kg',
  'pcs',
];
const NUMBERS = [
  0,
  -0,
  1,
  5,
  100,
  128.5,
  0.1 + 0.2,
  0.3,
  1234,
  99.99,
  100.00000000000001,
  1e21,
  -5,
  -0.5,
  1234567890123456,
];
const PATTERNS = ['^HK-', 'VIP$', '\\d+', '^\\p{Script=Han}+$', '[', '(', '^HK\\-', 'a|b', '.', '^$', '茶'];
const CONTEXT_KEYS = ['threshold', 'tier', 'stores', 'pattern'];
const ENV_KEYS = ['LIMIT', 'TIERS', 'UNSET'];
const FIELDS = [
  'event',
  'event type',
  'storeId',
  'data.total',
  'data.customer.tier',
  'data.sku',
  'data.quantity',
  'data.unit',
  'data.vehicleId',
  'data.tags',
  'data.flag',
  'msg.topic',
  'data.nothing',
  'data.items[0].sku',
];

const text = fc.oneof(
  fc.constantFrom(...TEXTS),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const number = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 2, arbitrary: fc.integer({ min: -200, max: 200 }) },
  { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -20000, max: 20000 }).map((cents) => cents / 100) },
);
const numericText = fc.oneof(
  number.map(String),
  fc.integer({ min: -20000, max: 20000 }).map((cents) => (cents / 100).toFixed(2)),
  fc.constantFrom('128.50', ' 42 ', '１２８．５', '1e3', '.5', '0x10', 'Infinity'),
);
const scalar = fc.oneof(
  text,
  number,
  numericText,
  fc.boolean(),
  fc.constantFrom(null, Number.NaN, Number.POSITIVE_INFINITY, 'true', 'false'),
);
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant({ nested: 1 }) },
);
const MISSING = Symbol('missing');
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(MISSING) });

export const event = fc
  .record({
    event: maybe(fc.oneof(fc.constantFrom('transaction.completed', 'inventory.changed'), text)),
    storeId: maybe(fieldValue),
    total: maybe(fieldValue),
    tier: maybe(fieldValue),
    sku: maybe(fieldValue),
    quantity: maybe(fieldValue),
    unit: maybe(fieldValue),
    vehicleId: maybe(fieldValue),
    tags: maybe(fieldValue),
    flag: maybe(fieldValue),
    nothing: maybe(fc.constant(null)),
    itemSku: maybe(fieldValue),
    topic: maybe(fieldValue),
  })
  .map((r) => {
    const put = (target: Record<string, unknown>, key: string, value: unknown) => {
      if (value !== MISSING) target[key] = value;
    };
    const data: Record<string, unknown> = {};
    for (const key of ['total', 'sku', 'quantity', 'unit', 'vehicleId', 'tags', 'flag', 'nothing'] as const)
      put(data, key, r[key]);
    if (r.tier !== MISSING) data.customer = { tier: r.tier };
    if (r.itemSku !== MISSING) data.items = [{ sku: r.itemSku }];
    const payload: Record<string, unknown> = { data };
    put(payload, 'event', r.event);
    put(payload, 'storeId', r.storeId);
    const msg: Record<string, unknown> = { payload };
    put(msg, 'topic', r.topic);
    return msg;
  });

/** A value and its type for an operator: mostly valid, sometimes not (those rule sets must fail to compile). */
function valueFor(op: (typeof OPERATORS)[number]): fc.Arbitrary<{ value: string; valueType: ValueType }> {
  const types = OPERATOR_INFO[op].types;
  if (types.length === 0) return fc.constant({ value: '', valueType: 'str' });
  return fc.constantFrom(...types).chain((valueType) => {
    let value: fc.Arbitrary<string>;
    switch (valueType) {
      case 'num':
        value = fc.oneof({ weight: 9, arbitrary: numericText }, { weight: 1, arbitrary: text });
        break;
      case 'bool':
        value = fc.constantFrom('true', 'false', 'TRUE', 'yes');
        break;
      case 're':
        value = fc.constantFrom(...PATTERNS);
        break;
      case 'list':
        value = fc
          .array(fc.oneof(text, numericText), { minLength: 1, maxLength: 4 })
          .map((items) => items.join(', '));
        break;
      case 'env':
        value = fc.constantFrom(...ENV_KEYS);
        break;
      case 'flow':
      case 'global':
        value = fc.constantFrom(...CONTEXT_KEYS);
        break;
      default:
        value = op === 'matches' ? fc.constantFrom(...PATTERNS) : text;
    }
    return value.map((v) => ({ value: v, valueType }));
  });
}

export const condition: fc.Arbitrary<ConditionDef> = fc
  .record({ field: fc.constantFrom(...FIELDS), op: fc.constantFrom(...OPERATORS), ignoreCase: fc.boolean() })
  .chain(({ field, op, ignoreCase }) =>
    fc.record({ one: valueFor(op), two: valueFor(op) }).map(({ one, two }) => {
      const c: ConditionDef = { field, op, ignoreCase };
      const arity = OPERATOR_INFO[op].values;
      if (arity >= 1) Object.assign(c, one);
      if (arity === 2) Object.assign(c, { value2: two.value, value2Type: two.valueType });
      return c;
    }),
  );

export const ruleSet: fc.Arbitrary<RuleSetDef> = fc.record({
  rules: fc.array(fc.record({ conditions: fc.array(condition, { minLength: 1, maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 5,
  }),
  mode: fc.constantFrom('first', 'all'),
  unmatched: fc.constantFrom('otherwise', 'drop'),
});

const contextValue = fc.oneof(
  scalar,
  fc.array(fc.oneof(text, number, fc.boolean()), { maxLength: 3 }),
  fc.constantFrom(undefined, { a: 1 }),
  fc.constantFrom(...PATTERNS),
);
export const context: fc.Arbitrary<Context> = fc.record({
  flow: fc.dictionary(fc.constantFrom(...CONTEXT_KEYS), contextValue),
  global: fc.dictionary(fc.constantFrom(...CONTEXT_KEYS), contextValue),
});
export const env = fc.dictionary(fc.constantFrom('LIMIT', 'TIERS'), fc.oneof(text, numericText));
