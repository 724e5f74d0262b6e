import assert from 'node:assert/strict';
import { type ContextRef, compileRules, type RuleSet } from '../../../nodes/core/rules/compile';
import { ContextFeed } from '../../../nodes/core/rules/context-feed';
import type { RuleProblem } from '../../../nodes/core/rules/definitions';

function thresholdRules(): RuleSet {
  const compiled = compileRules({
    rules: [
      {
        conditions: [
          { field: 'data.total', op: 'gt', value: 'threshold', valueType: 'flow' },
          { field: 'storeId', op: 'oneOf', value: 'stores', valueType: 'global' },
        ],
      },
    ],
  });
  assert.ok(compiled.ok);
  return compiled.ruleSet;
}

const order = (id: number, total: number) => ({ id, payload: { storeId: 'HK-1', data: { total } } });

describe('ContextFeed', () => {
  it('delivers at once, in the same turn, when the store answers synchronously', () => {
    const rules = thresholdRules();
    const values: Record<string, unknown> = { threshold: 100, stores: ['HK-1'] };
    const routed: [number, readonly number[]][] = [];
    const feed = new ContextFeed<ReturnType<typeof order>>(
      rules,
      (ref, callback) => callback(values[ref.key]),
      () => assert.fail('no problem expected'),
      (msg) => routed.push([msg.id, rules.route(msg)]),
    );
    feed.push(order(1, 150));
    values.threshold = 200;
    feed.push(order(2, 150));
    assert.deepEqual(routed, [
      [1, [0]],
      [2, [1]],
    ]);
  });

  it('keeps message order while an asynchronous store answers out of order', async () => {
    const rules = thresholdRules();
    const pending: { ref: ContextRef; callback: (value: unknown) => void; value: unknown }[] = [];
    let threshold = 100;
    const routed: [number, readonly number[]][] = [];
    const feed = new ContextFeed<ReturnType<typeof order>>(
      rules,
      (ref, callback) =>
        pending.push({ ref, callback, value: ref.key === 'threshold' ? threshold : ['HK-1'] }),
      () => assert.fail('no problem expected'),
      (msg) => routed.push([msg.id, rules.route(msg)]),
    );
    feed.push(order(1, 150));
    threshold = 200; // the flow raises the threshold before message 2 is read
    feed.push(order(2, 150));
    feed.push(order(3, 250));
    assert.equal(routed.length, 0);
    assert.equal(pending.length, 2, 'only message 1 reads while it waits');
    // Answer in reverse order.
    for (const read of pending.splice(0).reverse()) read.callback(read.value);
    assert.deepEqual(routed, [[1, [0]]]);
    while (pending.length > 0) {
      const reads = pending.splice(0);
      await new Promise((resolve) => setImmediate(resolve));
      for (const read of reads) read.callback(read.value);
    }
    assert.deepEqual(routed, [
      [1, [0]],
      [2, [1]],
      [3, [0]],
    ]);
  });

  it('reports unusable values, treats a failed read as unset, and ignores a second callback', () => {
    const rules = thresholdRules();
    const problems: RuleProblem[] = [];
    const routed: (readonly number[])[] = [];
    const feed = new ContextFeed<ReturnType<typeof order>>(
      rules,
      (ref, callback) => {
        if (ref.key === 'stores') throw new Error('store offline');
        callback('lots');
        callback(1);
      },
      (problem) => problems.push(problem),
      (msg) => routed.push(rules.route(msg)),
    );
    feed.push(order(1, 150));
    feed.push(order(2, 150));
    assert.deepEqual(
      problems.map((p) => p.code),
      ['not-a-number', 'context-unset'],
    );
    assert.deepEqual(routed, [[1], [1]]);
  });

  it('passes items straight through when there is no context to read, and hands back waiting items', () => {
    const compiled = compileRules({ rules: [{ conditions: [{ field: 'storeId', op: 'exists' }] }] });
    assert.ok(compiled.ok);
    const delivered: number[] = [];
    const direct = new ContextFeed<number>(
      compiled.ruleSet,
      () => assert.fail('nothing to read'),
      () => undefined,
      (n) => delivered.push(n),
    );
    direct.push(1);
    assert.deepEqual(delivered, [1]);

    const stuck = new ContextFeed<number>(
      thresholdRules(),
      () => undefined,
      () => undefined,
      (n) => delivered.push(n),
    );
    stuck.push(2);
    stuck.push(3);
    stuck.push(4);
    assert.deepEqual(stuck.drain(), [3, 4]);
  });
});
