// Every operator, table-driven, over the awkward values a real feed brings: missing fields, null, NaN, numbers
// held in text, text against numbers, CJK text, and money at the threshold. Each row is also checked against the
// reference evaluator, so the tables pin down the semantics both implementations follow.
import assert from 'node:assert/strict';
import { compileRules } from '../../../nodes/core/rules/compile';
import type { ConditionDef, RuleSetDef } from '../../../nodes/core/rules/definitions';
import { referenceRoute } from './reference';

const MISSING = Symbol('missing');
type Field = unknown;
type Condition = Omit<ConditionDef, 'field'>;
type Row = [Field, boolean];

function ruleSetOf(condition: Condition): RuleSetDef {
  return { rules: [{ conditions: [{ field: 'data.x', ...condition }] }], unmatched: 'drop' };
}

function messageWith(value: Field) {
  return { payload: { event: 'test', data: value === MISSING ? {} : { x: value } } };
}

function show(value: Field): string {
  if (value === MISSING) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return Array.isArray(value) || (typeof value === 'object' && value !== null)
    ? JSON.stringify(value)
    : String(value);
}

function table(title: string, condition: Condition, rows: Row[]): void {
  describe(title, () => {
    const def = ruleSetOf(condition);
    const compiled = compileRules(def);
    for (const [value, expected] of rows) {
      it(`${show(value)} → ${expected}`, () => {
        assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.problems));
        const msg = messageWith(value);
        assert.equal(compiled.ruleSet.route(msg).length === 1, expected, 'compiled rule');
        assert.equal(referenceRoute(msg, def).length === 1, expected, 'reference evaluator');
      });
    }
  });
}

const UNUSUAL: Row[] = [
  [MISSING, false],
  [null, false],
  [Number.NaN, false],
  [{}, false],
];

describe('operators', () => {
  table('is "VIP" (text)', { op: 'eq', value: 'VIP', valueType: 'str' }, [
    ['VIP', true],
    ['vip', false],
    [' VIP', false],
    ['VIP2', false],
    [0, false],
    [true, false],
    [['VIP'], false],
    ...UNUSUAL,
  ]);
  table('is "VIP " (typed with a stray space)', { op: 'eq', value: 'VIP ', valueType: 'str' }, [
    ['VIP', true],
  ]);
  table('is "vip" ignoring case and width', { op: 'eq', value: 'vip', valueType: 'str', ignoreCase: true }, [
    ['VIP', true],
    ['ＶＩＰ', true],
    ['Vip', true],
    ['VIPS', false],
  ]);
  table('is "門市" (CJK)', { op: 'eq', value: '門市', valueType: 'str' }, [
    ['門市', true],
    ['门市', false],
    ['門', false],
  ]);
  table('is "豈" (a compatibility ideograph equals its unified form)', { op: 'eq', value: '\u8c48' }, [
    ['\uf900', true],
    ['\u8c48', true],
  ]);
  table('is "café" (composed and decomposed accents are equal)', { op: 'eq', value: 'caf\u00e9' }, [
    ['cafe\u0301', true],
    ['cafe', false],
  ]);
  table('is "100" (text) against numbers', { op: 'eq', value: '100', valueType: 'str' }, [
    [100, true],
    [100.0, true],
    ['100', true],
    ['100.0', false],
    [100.5, false],
  ]);
  table('is "001234" (a code: text must match exactly)', { op: 'eq', value: '001234', valueType: 'str' }, [
    ['001234', true],
    ['1234', false],
    [1234, true],
  ]);
  table('is 128.5 (number)', { op: 'eq', value: '128.5', valueType: 'num' }, [
    [128.5, true],
    ['128.50', true],
    [' 128.5 ', true],
    ['１２８．５０', true],
    ['+128.5', true],
    ['1.285e2', true],
    [Number('128.50000000000001'), true],
    ['128.500000000000000000001', false],
    [128.51, false],
    ['abc', false],
    ['', false],
    [' ', false],
    [Number.POSITIVE_INFINITY, false],
    [true, false],
    [[128.5], false],
    ...UNUSUAL,
  ]);
  table('is 0.3 (float noise from 0.1 + 0.2 does not count)', { op: 'eq', value: '0.3', valueType: 'num' }, [
    [0.1 + 0.2, true],
    [0.3, true],
    ['0.30000000000000004', false],
  ]);
  table(
    'is 1234567890123456 (16-digit whole numbers compare exactly)',
    { op: 'eq', value: '1234567890123456', valueType: 'num' },
    [
      [1234567890123456, true],
      [1234567890123457, false],
      ['1234567890123456', true],
    ],
  );
  table('is 0', { op: 'eq', value: '0', valueType: 'num' }, [
    [0, true],
    [-0, true],
    ['0.00', true],
    ['-0', true],
    ['', false],
    [false, false],
    [null, false],
  ]);
  table('is true (boolean)', { op: 'eq', value: 'true', valueType: 'bool' }, [
    [true, true],
    ['true', true],
    ['TRUE', true],
    [false, false],
    [1, false],
    ['yes', false],
    ...UNUSUAL,
  ]);

  table('is not "VIP"', { op: 'neq', value: 'VIP', valueType: 'str' }, [
    ['Gold', true],
    ['VIP', false],
    [MISSING, true],
    [null, true],
  ]);
  table('is not 100 (number)', { op: 'neq', value: '100', valueType: 'num' }, [
    ['100.00', false],
    [100, false],
    [99, true],
    ['abc', true],
    [MISSING, true],
    [Number.NaN, true],
  ]);
  table('is not false (boolean)', { op: 'neq', value: 'false', valueType: 'bool' }, [
    [true, true],
    [false, false],
    ['false', false],
    [MISSING, true],
  ]);

  table('greater than 100', { op: 'gt', value: '100', valueType: 'num' }, [
    [101, true],
    [100, false],
    ['100.01', true],
    ['100.00', false],
    [100.00000000000001, false],
    [1e21, true],
    ['1e3', true],
    [-5, false],
    ['abc', false],
    ['', false],
    [' ', false],
    ['0x65', false],
    ['1,000', false],
    ['Infinity', false],
    [Number.POSITIVE_INFINITY, false],
    [Number.NEGATIVE_INFINITY, false],
    [true, false],
    [[101], false],
    ['１０１', true],
    ...UNUSUAL,
  ]);
  table('greater than -0.5', { op: 'gt', value: '-0.5', valueType: 'num' }, [
    [0, true],
    [-0.5, false],
    ['-0.49', true],
    [-0.51, false],
  ]);
  table('at least 100', { op: 'gte', value: '100', valueType: 'num' }, [
    [100, true],
    ['100.0', true],
    [99.99, false],
    [Number('99.999999999999999'), true],
    ['99.999999999999999', false],
    ...UNUSUAL,
  ]);
  table('less than 5', { op: 'lt', value: '5', valueType: 'num' }, [
    [-1, true],
    ['-1', true],
    [5, false],
    ['4.9999', true],
    [null, false],
    ['', false],
    [false, false],
    ...UNUSUAL,
  ]);
  table('less than 0.3', { op: 'lt', value: '0.3', valueType: 'num' }, [
    [0.1 + 0.2, false],
    [0.29, true],
  ]);
  table('at most 0.3 (money exactly at the threshold)', { op: 'lte', value: '0.3', valueType: 'num' }, [
    [0.1 + 0.2, true],
    ['0.30', true],
    ['0.3000000000000000001', false],
    [0.31, false],
    ...UNUSUAL,
  ]);
  table('at most 128.50', { op: 'lte', value: '128.50', valueType: 'num' }, [
    ['128.5', true],
    [128.51, false],
    [32.1 * 4, true],
  ]);
  table(
    'between 100 and 200',
    { op: 'between', value: '100', valueType: 'num', value2: '200', value2Type: 'num' },
    [
      [100, true],
      [200, true],
      [150, true],
      ['150', true],
      [99.99, false],
      ['200.01', false],
      ['abc', false],
      ...UNUSUAL,
    ],
  );
  table('between 200 and 100 (either order)', { op: 'between', value: '200', value2: '100' }, [
    [150, true],
    [250, false],
  ]);
  table('between 0.3 and 0.5', { op: 'between', value: '0.3', value2: '0.5' }, [
    [0.1 + 0.2, true],
    [0.5, true],
    [0.2, false],
  ]);

  table('contains "TEA"', { op: 'contains', value: 'TEA', valueType: 'str' }, [
    ['MILK-TEA-L', true],
    ['milk-tea', false],
    [['TEA', 'COFFEE'], true],
    [['MILK-TEA'], false],
    [[], false],
    [12345, false],
    ...UNUSUAL,
  ]);
  table('contains "tea" ignoring case', { op: 'contains', value: 'tea', ignoreCase: true }, [
    ['MILK-TEA-L', true],
    ['ＭＩＬＫ ＴＥＡ', true],
  ]);
  table('contains "234" (numbers as text)', { op: 'contains', value: '234' }, [
    [12345, true],
    ['12345', true],
    [1.5, false],
  ]);
  table('contains "奶茶"', { op: 'contains', value: '奶茶' }, [
    ['港式奶茶(大)', true],
    ['港式咖啡', false],
  ]);
  table('starts with "HK-"', { op: 'startsWith', value: 'HK-', valueType: 'str' }, [
    ['HK-MK-001', true],
    ['hk-mk-001', false],
    ['TW-HK-001', false],
    [['HK-MK-001'], false],
    ...UNUSUAL,
  ]);
  table('starts with "hk-" ignoring case', { op: 'startsWith', value: 'hk-', ignoreCase: true }, [
    ['HK-MK-001', true],
  ]);
  table('starts with "12"', { op: 'startsWith', value: '12' }, [
    [123, true],
    ['123', true],
    [-12, false],
  ]);
  table('starts with "台北"', { op: 'startsWith', value: '台北' }, [
    ['台北信義店', true],
    ['新台北', false],
  ]);
  table('matches ^HK-\\w+-\\d{3}$', { op: 'matches', value: '^HK-\\w+-\\d{3}$', valueType: 're' }, [
    ['HK-MK-001', true],
    ['HK-MK-01', false],
    ['hk-mk-001', false],
    ...UNUSUAL,
  ]);
  table('matches ^vip$ ignoring case', { op: 'matches', value: '^vip$', valueType: 're', ignoreCase: true }, [
    ['VIP', true],
    ['VIP+', false],
  ]);
  table(
    'matches \\p{Script=Han} (Unicode property escapes work)',
    { op: 'matches', value: '^\\p{Script=Han}+$' },
    [
      ['奶茶', true],
      ['tea', false],
    ],
  );
  table('matches ^HK\\- (an escape only non-Unicode patterns allow)', { op: 'matches', value: '^HK\\-' }, [
    ['HK-1', true],
  ]);
  table('matches ^128\\.5$ (numbers as text)', { op: 'matches', value: '^128\\.5$' }, [
    [128.5, true],
    [128.25, false],
    [true, false],
  ]);
  table(
    'is one of "VIP, Gold，Silver、Bronze"',
    { op: 'oneOf', value: 'VIP, Gold，Silver、Bronze', valueType: 'list' },
    [
      ['VIP', true],
      ['Gold', true],
      ['Silver', true],
      ['Bronze', true],
      ['vip', false],
      ['Platinum', false],
      ['VIP, Gold', false],
      ...UNUSUAL,
    ],
  );
  table('is one of "vip, gold" ignoring case', { op: 'oneOf', value: 'vip, gold', ignoreCase: true }, [
    ['VIP', true],
    ['ＧＯＬＤ', true],
  ]);
  table('is one of "100, 200"', { op: 'oneOf', value: '100, 200' }, [
    [100, true],
    [200.0, true],
    ['100', true],
    ['100.00', false],
    [150, false],
  ]);
  table('is one of "門市, 倉庫"', { op: 'oneOf', value: '門市, 倉庫' }, [
    ['倉庫', true],
    ['仓库', false],
  ]);
  table('is one of "true"', { op: 'oneOf', value: 'true' }, [
    [true, true],
    ['true', true],
    [false, false],
  ]);
  table('exists', { op: 'exists' }, [
    ['x', true],
    [0, true],
    ['', true],
    [false, true],
    [Number.NaN, true],
    [{}, true],
    [MISSING, false],
    [null, false],
  ]);
  table('is missing', { op: 'missing' }, [
    [MISSING, true],
    [null, true],
    ['', false],
    [0, false],
  ]);
  table('is true', { op: 'isTrue' }, [
    [true, true],
    ['true', true],
    [' TRUE ', true],
    [1, false],
    ['yes', false],
    [false, false],
    ...UNUSUAL,
  ]);
  table('is false', { op: 'isFalse' }, [
    [false, true],
    ['false', true],
    [0, false],
    ['', false],
    [true, false],
    ...UNUSUAL,
  ]);
});
