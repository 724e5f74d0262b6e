// Comparisons against a flow or global context value at exact equality: the bound itself decides gt from gte
// and lt from lte, as it does for a value typed into the rule.
import assert from 'node:assert/strict';
import { compileRules } from '../../../nodes/core/rules/compile';
import { ContextFeed } from '../../../nodes/core/rules/context-feed';

type Op = 'gt' | 'gte' | 'lt' | 'lte';

/** Routes one order whose total is `total` through a single rule `total <op> flow.threshold`. */
function routeAgainstContext(
  op: Op,
  total: unknown,
  threshold: unknown,
  valueType: 'flow' | 'global',
): boolean {
  const compiled = compileRules({
    rules: [{ conditions: [{ field: 'data.total', op, value: 'threshold', valueType }] }],
  });
  assert.ok(compiled.ok);
  const rules = compiled.ruleSet;
  let outputs: readonly number[] | undefined;
  const feed = new ContextFeed<{ payload: unknown }>(
    rules,
    (_ref, callback) => callback(threshold),
    (problem) => assert.fail(`no problem expected: ${JSON.stringify(problem)}`),
    (msg) => {
      outputs = rules.route(msg);
    },
  );
  feed.push({ payload: { data: { total } } });
  assert.ok(outputs, 'routed in the same turn');
  return outputs.includes(0);
}

describe('rules: context values at exact equality', () => {
  for (const valueType of ['flow', 'global'] as const) {
    for (const [total, threshold] of [
      [100, 100],
      ['100.00', 100],
      [128.5, '128.50'],
    ] as const) {
      it(`${valueType}: ${JSON.stringify(total)} against ${JSON.stringify(threshold)}`, () => {
        assert.equal(routeAgainstContext('gt', total, threshold, valueType), false, 'gt');
        assert.equal(routeAgainstContext('gte', total, threshold, valueType), true, 'gte');
        assert.equal(routeAgainstContext('lt', total, threshold, valueType), false, 'lt');
        assert.equal(routeAgainstContext('lte', total, threshold, valueType), true, 'lte');
      });
    }
  }
});
