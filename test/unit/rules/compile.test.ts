import assert from 'node:assert/strict';
import { compileRules, type RuleSet } from '../../../nodes/core/rules/compile';
import type { ConditionDef, RuleProblem, RuleSetDef } from '../../../nodes/core/rules/definitions';
import { MAX_MATCH_LENGTH } from '../../../nodes/core/rules/regex-safety';

function ok(def: RuleSetDef, env: Record<string, string> = {}): RuleSet {
  const compiled = compileRules(def, { env: (name) => env[name] });
  assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.problems));
  return compiled.ruleSet;
}

function problems(def: unknown, env: Record<string, string> = {}): RuleProblem[] {
  const compiled = compileRules(def as RuleSetDef, { env: (name) => env[name] });
  assert.equal(compiled.ok, false, 'should not compile');
  return compiled.ok ? [] : compiled.problems;
}

function one(condition: Partial<ConditionDef>): RuleSetDef {
  return { rules: [{ conditions: [{ field: 'data.total', op: 'gt', ...condition } as ConditionDef] }] };
}

const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  payload: { event: 'transaction.completed', storeId: 'HK-MK-001', data },
  ...extra,
});

describe('compileRules', () => {
  describe('reports every bad rule at deploy', () => {
    const cases: [string, unknown, Partial<RuleProblem>[]][] = [
      ['rules that are not a list', { rules: 'x' }, [{ code: 'rules-invalid' }]],
      [
        'a rule without conditions',
        { rules: [{ name: 'empty', conditions: [] }] },
        [{ code: 'no-conditions', rule: 0 }],
      ],
      ['a rule that is not an object', { rules: [null] }, [{ code: 'no-conditions', rule: 0 }]],
      [
        'a condition without a field',
        one({ field: ' ', value: '1' }),
        [{ code: 'no-field', rule: 0, condition: 0 }],
      ],
      [
        'a malformed field',
        one({ field: 'data..total', value: '1' }),
        [{ code: 'bad-field', detail: 'data..total' }],
      ],
      [
        'an unknown operator',
        one({ op: 'approx' as never, value: '1' }),
        [{ code: 'bad-operator', detail: 'approx' }],
      ],
      ['a missing value', one({ value: '' }), [{ code: 'no-value', value: 1 }]],
      [
        'a value that is only spaces',
        one({ op: 'eq', value: '  ', valueType: 'str' }),
        [{ code: 'no-value' }],
      ],
      ['text where a number is needed', one({ value: 'abc' }), [{ code: 'not-a-number', detail: 'abc' }]],
      ['a number typed with a thousands separator', one({ value: '1,000' }), [{ code: 'not-a-number' }]],
      [
        'a text value type for a number operator',
        one({ value: '1', valueType: 'str' }),
        [{ code: 'bad-value-type', detail: 'str' }],
      ],
      [
        'an invalid regular expression',
        one({ op: 'matches', value: '^(HK', valueType: 're' }),
        [{ code: 'bad-regex' }],
      ],
      [
        'a boolean that is not true or false',
        one({ op: 'eq', value: 'yes', valueType: 'bool' }),
        [{ code: 'not-a-boolean', detail: 'yes' }],
      ],
      ['an empty list', one({ op: 'oneOf', value: ' , ，', valueType: 'list' }), [{ code: 'empty-list' }]],
      [
        'a missing second value for between',
        one({ op: 'between', value: '1' }),
        [{ code: 'no-value', value: 2 }],
      ],
      [
        'an unset environment variable',
        one({ value: 'NOPE', valueType: 'env' }),
        [{ code: 'env-unset', detail: 'NOPE' }],
      ],
      ['an empty context key', one({ value: '', valueType: 'flow' }), [{ code: 'no-value' }]],
    ];
    for (const [title, def, expected] of cases) {
      it(title, () => {
        const found = problems(def);
        assert.equal(found.length, expected.length, JSON.stringify(found));
        expected.forEach((e, i) => {
          for (const [key, value] of Object.entries(e)) {
            assert.equal(
              (found[i] as unknown as Record<string, unknown>)[key],
              value,
              `${key} in ${JSON.stringify(found[i])}`,
            );
          }
        });
      });
    }

    it('an environment variable that does not hold a number', () => {
      assert.deepEqual(problems(one({ value: 'LIMIT', valueType: 'env' }), { LIMIT: 'lots' }), [
        { code: 'not-a-number', rule: 0, condition: 0, value: 1, detail: 'lots' },
      ]);
    });

    it('lists all problems of all rules, with their places', () => {
      const found = problems({
        rules: [
          { conditions: [{ field: 'data.total', op: 'gt', value: '100' }] },
          {
            conditions: [
              { field: 'data.total', op: 'gt', value: 'x' },
              { field: 'storeId', op: 'matches', value: '[' },
            ],
          },
        ],
      });
      assert.deepEqual(
        found.map((p) => [p.code, p.rule, p.condition]),
        [
          ['not-a-number', 1, 0],
          ['bad-regex', 1, 1],
        ],
      );
    });
  });

  describe('"matches" cannot stall Node-RED', () => {
    const matching = (pattern: string, valueType = 're') =>
      one({ field: 'data.note', op: 'matches', value: pattern, valueType } as Partial<ConditionDef>);

    it('refuses a pattern with exponential backtracking at deploy, saying why', () => {
      const [problem] = problems(matching('^(a+)+$'));
      assert.equal(problem?.code, 'unsafe-regex');
      assert.equal(problem?.rule, 0);
      assert.equal(problem?.condition, 0);
      assert.match(problem?.detail ?? '', /^O\(2\^n\), e\.g\. /);
    });

    it('refuses one whose time grows with the cube of the length, too', () => {
      assert.equal(problems(matching('a.*b.*c'))[0]?.code, 'unsafe-regex');
    });

    it('accepts ordinary patterns, quadratic ones included (the text is bounded)', () => {
      for (const pattern of [
        '^HK-',
        '^(HK|TW)-\\w+-\\d{3}$',
        '\\p{Script=Han}',
        '.*tea.*',
        'VIP$',
        '(?=.*VIP)',
      ])
        ok(matching(pattern));
    });

    it('refuses an unsafe pattern from an environment variable at deploy', () => {
      assert.equal(problems(matching('PATTERN', 'env'), { PATTERN: '(x+x+)+y' })[0]?.code, 'unsafe-regex');
    });

    it('refuses an unsafe pattern from context until it is replaced by a safe one', () => {
      const set = ok({
        rules: [{ conditions: [{ field: 'data.note', op: 'matches', value: 'pattern', valueType: 'flow' }] }],
        unmatched: 'drop',
      });
      assert.equal(set.setContext(0, '^(a|a)*$')?.code, 'unsafe-regex');
      assert.deepEqual(set.route(event({ note: 'aaaa' })), []);
      assert.equal(set.setContext(0, '^a+$'), undefined);
      assert.deepEqual(set.route(event({ note: 'aaaa' })), [0]);
    });

    it(`does not match text longer than ${MAX_MATCH_LENGTH} characters`, () => {
      const set = ok({ ...matching('tea'), unmatched: 'drop' });
      assert.deepEqual(set.route(event({ note: `${'x'.repeat(MAX_MATCH_LENGTH - 3)}tea` })), [0]);
      assert.deepEqual(set.route(event({ note: `${'x'.repeat(MAX_MATCH_LENGTH)}tea` })), []);
    });
  });

  describe('routes', () => {
    const rules: RuleSetDef['rules'] = [
      { name: 'big', conditions: [{ field: 'data.total', op: 'gt', value: '100', valueType: 'num' }] },
      {
        name: 'vip',
        conditions: [{ field: 'data.customer.tier', op: 'eq', value: 'VIP', valueType: 'str' }],
      },
    ];
    const big = event({ total: 128.5 });
    const vip = event({ total: 50, customer: { tier: 'VIP' } });
    const bigVip = event({ total: '128.50', customer: { tier: 'VIP' } });
    const small = event({ total: 5 });

    it('first matching rule by default, "otherwise" last', () => {
      const set = ok({ rules });
      assert.equal(set.outputs, 3);
      assert.equal(set.otherwise, 2);
      assert.deepEqual(set.route(big), [0]);
      assert.deepEqual(set.route(vip), [1]);
      assert.deepEqual(set.route(bigVip), [0]);
      assert.deepEqual(set.route(small), [2]);
    });

    it('every matching rule', () => {
      const set = ok({ rules, mode: 'all' });
      assert.deepEqual(set.route(bigVip), [0, 1]);
      assert.deepEqual(set.route(vip), [1]);
      assert.deepEqual(set.route(small), [2]);
    });

    it('drops what matches nothing when filtering', () => {
      const set = ok({ rules, unmatched: 'drop' });
      assert.equal(set.outputs, 2);
      assert.equal(set.otherwise, undefined);
      assert.deepEqual(set.route(small), []);
      assert.deepEqual(set.route(big), [0]);
    });

    it('needs every condition of a rule', () => {
      const set = ok({
        rules: [
          {
            conditions: [
              { field: 'event type', op: 'eq', value: 'transaction.completed' },
              { field: 'data.total', op: 'gte', value: '100' },
              { field: 'storeId', op: 'startsWith', value: 'HK-' },
            ],
          },
        ],
        unmatched: 'drop',
      });
      assert.deepEqual(set.route(big), [0]);
      assert.deepEqual(set.route(small), []);
      assert.deepEqual(set.route({ payload: { ...big.payload, storeId: 'TW-001' } }), []);
    });

    it('routes with no rules at all to "otherwise"', () => {
      const set = ok({ rules: [] });
      assert.deepEqual(set.route(big), [0]);
      assert.deepEqual(ok({ rules: [], unmatched: 'drop' }).route(big), []);
    });

    it('survives any message shape', () => {
      const set = ok({ rules, mode: 'all' });
      for (const msg of [
        undefined,
        null,
        0,
        'x',
        [],
        {},
        { payload: null },
        { payload: [1] },
        { payload: { data: 7 } },
      ]) {
        assert.deepEqual(set.route(msg), [2]);
      }
    });

    it('reads msg paths and the event type', () => {
      const set = ok({
        rules: [
          { conditions: [{ field: 'msg.topic', op: 'eq', value: 'inventory.changed' }] },
          {
            conditions: [
              { field: 'event', op: 'oneOf', value: 'transaction.completed, transaction.refunded' },
            ],
          },
        ],
      });
      assert.deepEqual(set.route(event({}, { topic: 'inventory.changed' })), [0]);
      assert.deepEqual(set.route(event({})), [1]);
    });
  });

  describe('values from the environment', () => {
    it('are read once, at deploy', () => {
      const env: Record<string, string> = { VIP_TOTAL: '100', VIP_STORES: 'HK-MK-001,HK-TST-002' };
      const set = ok(
        {
          rules: [
            {
              conditions: [
                { field: 'data.total', op: 'gt', value: 'VIP_TOTAL', valueType: 'env' },
                { field: 'storeId', op: 'oneOf', value: 'VIP_STORES', valueType: 'env' },
              ],
            },
          ],
          unmatched: 'drop',
        },
        env,
      );
      env.VIP_TOTAL = '1000';
      assert.deepEqual(set.route(event({ total: 128.5 })), [0]);
      assert.deepEqual(set.route(event({ total: 99 })), []);
    });
  });

  describe('values from flow and global context', () => {
    const def: RuleSetDef = {
      rules: [
        { conditions: [{ field: 'data.total', op: 'gt', value: 'threshold', valueType: 'flow' }] },
        { conditions: [{ field: 'storeId', op: 'oneOf', value: '#:(file)::stores', valueType: 'global' }] },
        { conditions: [{ field: 'data.customer.tier', op: 'eq', value: 'tier', valueType: 'flow' }] },
      ],
      unmatched: 'drop',
      mode: 'all',
    };

    it('lists the values to read, with their places', () => {
      const set = ok(def);
      assert.deepEqual(set.contextRefs, [
        { scope: 'flow', key: 'threshold', rule: 0, condition: 0, value: 1 },
        { scope: 'global', key: '#:(file)::stores', rule: 1, condition: 0, value: 1 },
        { scope: 'flow', key: 'tier', rule: 2, condition: 0, value: 1 },
      ]);
    });

    it('are false until set, then follow every change', () => {
      const set = ok(def);
      const msg = event({ total: 150, customer: { tier: 'VIP' } });
      assert.deepEqual(set.route(msg), []);
      assert.equal(set.setContext(0, 100), undefined);
      assert.equal(set.setContext(1, ['HK-MK-001']), undefined);
      assert.equal(set.setContext(2, 'VIP'), undefined);
      assert.deepEqual(set.route(msg), [0, 1, 2]);
      set.setContext(0, '200.00');
      set.setContext(1, 'TW-001, HK-MK-001');
      set.setContext(2, 'Gold');
      assert.deepEqual(set.route(msg), [1]);
    });

    it('take their comparison from the value type: a number compares as a number', () => {
      const set = ok(def);
      set.setContext(2, 128.5);
      assert.deepEqual(set.route(event({ customer: { tier: '128.50' } })), [2]);
      set.setContext(2, true);
      assert.deepEqual(set.route(event({ customer: { tier: 'true' } })), [2]);
    });

    it('re-read a list changed in place', () => {
      const set = ok(def);
      const stores = ['TW-001'];
      set.setContext(1, stores);
      assert.deepEqual(set.route(event({})), []);
      stores.push('HK-MK-001');
      set.setContext(1, stores);
      assert.deepEqual(set.route(event({})), [1]);
    });

    it('report an unusable value once, then again only when it changes', () => {
      const set = ok(def);
      assert.deepEqual(set.setContext(0, 'lots'), {
        code: 'not-a-number',
        rule: 0,
        condition: 0,
        value: 1,
        detail: 'lots',
      });
      assert.equal(set.setContext(0, 'lots'), undefined);
      assert.deepEqual(set.route(event({ total: 150 })), []);
      assert.equal(set.setContext(0, undefined)?.code, 'context-unset');
      assert.equal(set.setContext(0, undefined), undefined);
      assert.equal(set.setContext(0, 10), undefined);
      assert.deepEqual(set.route(event({ total: 150 })), [0]);
      assert.equal(set.setContext(0, 'lots')?.code, 'not-a-number');
      assert.equal(set.setContext(1, { a: 1 })?.code, 'context-unusable');
      assert.equal(set.setContext(2, '  ')?.code, 'context-unset');
    });

    it('make "is not" false, not true, while unusable', () => {
      const set = ok({
        rules: [{ conditions: [{ field: 'storeId', op: 'neq', value: 'store', valueType: 'flow' }] }],
        unmatched: 'drop',
      });
      assert.deepEqual(set.route(event({})), []);
      set.setContext(0, 'TW-001');
      assert.deepEqual(set.route(event({})), [0]);
    });

    it('compile a regular expression from context, reporting a bad one', () => {
      const set = ok({
        rules: [{ conditions: [{ field: 'storeId', op: 'matches', value: 'pattern', valueType: 'global' }] }],
        unmatched: 'drop',
      });
      assert.equal(set.setContext(0, '^HK-'), undefined);
      assert.deepEqual(set.route(event({})), [0]);
      assert.equal(set.setContext(0, '^(HK')?.code, 'bad-regex');
      assert.deepEqual(set.route(event({})), []);
      assert.equal(set.setContext(0, /^hk-/i), undefined);
      assert.deepEqual(set.route(event({})), [0]);
    });

    it('mix with fixed values in "between"', () => {
      const set = ok({
        rules: [
          {
            conditions: [
              {
                field: 'data.total',
                op: 'between',
                value: 'low',
                valueType: 'flow',
                value2: '200',
                value2Type: 'num',
              },
            ],
          },
        ],
        unmatched: 'drop',
      });
      set.setContext(0, 100);
      assert.deepEqual(set.route(event({ total: '150' })), [0]);
      set.setContext(0, 300);
      assert.deepEqual(set.route(event({ total: '250' })), [0]);
      assert.deepEqual(set.route(event({ total: '150' })), []);
    });
  });
});
