// Property: for random rule sets and random events (with missing fields, nulls, NaN, numbers held in text,
// CJK text, float noise at thresholds) and random context values, the compiled rules route exactly as the plain
// reference evaluator does. One compiled rule set sees a sequence of events with changing context, so cached
// context values are exercised too.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRules } from '../../../nodes/core/rules/compile';
import { OPERATORS, type RuleSetDef } from '../../../nodes/core/rules/definitions';
import { condition, context, env, event, ruleSet } from './arbitraries';
import { referenceRoute } from './reference';

/** A copy of the message with the field set (for the fields the generator uses). */
function withField(
  msg: Record<string, unknown> | undefined,
  field: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(msg ?? {});
  const path =
    field === 'event type'
      ? ['payload', 'event']
      : field.startsWith('msg.')
        ? field.slice(4).split('.')
        : ['payload', ...field.replace(/\[(\d+)\]/g, '.$1').split('.')];
  let target: Record<string, unknown> = copy;
  path.slice(0, -1).forEach((key, i) => {
    const next = target[key];
    if (typeof next !== 'object' || next === null) target[key] = /^\d+$/.test(path[i + 1] ?? '') ? [] : {};
    target = target[key] as Record<string, unknown>;
  });
  target[path[path.length - 1] as string] = value;
  return copy;
}

describe('compiled rules agree with the reference evaluator (property)', () => {
  it('on random rule sets, events and context values', () => {
    let compiledSets = 0;
    let routed = 0;
    fc.assert(
      fc.property(
        ruleSet,
        env,
        fc.array(fc.tuple(event, context), { minLength: 1, maxLength: 6 }),
        (def, vars, runs) => {
          const compiled = compileRules(def, { env: (name) => vars[name] });
          if (!compiled.ok) return; // bad rules are covered by compile.test.ts
          compiledSets++;
          const set = compiled.ruleSet;
          for (const [msg, ctx] of runs) {
            set.contextRefs.forEach((ref, i) => {
              set.setContext(i, ctx[ref.scope]?.[ref.key]);
            });
            const expected = referenceRoute(msg, def, ctx, vars);
            assert.deepEqual(set.route(msg), expected, JSON.stringify({ def, msg, ctx, vars }));
            routed++;
          }
        },
      ),
      { numRuns: 4000 },
    );
    // Guard against a generator that only produces rules that fail to compile.
    assert.ok(compiledSets > 1000, `only ${compiledSets} rule sets compiled`);
    assert.ok(routed > 3000);
  });

  it('single conditions over many events, so every operator meets every awkward value', () => {
    const seen = new Map<string, [number, number]>(); // op → [true, false] outcomes
    fc.assert(
      fc.property(
        condition,
        context,
        env,
        fc.array(event, { minLength: 1, maxLength: 10 }),
        (c, ctx, vars, msgs) => {
          const def: RuleSetDef = { rules: [{ conditions: [c] }], unmatched: 'drop' };
          const compiled = compileRules(def, { env: (name) => vars[name] });
          if (!compiled.ok) return;
          const set = compiled.ruleSet;
          set.contextRefs.forEach((ref, i) => {
            set.setContext(i, ctx[ref.scope]?.[ref.key]);
          });
          // Echo the rule's own values into the field, so that equality and range edges are hit often.
          const echoes = [c.value, c.value2]
            .filter((v): v is string => typeof v === 'string')
            .flatMap((v) => [v, Number(v), ` ${v.toUpperCase()}`]);
          const all = [...msgs, ...echoes.map((v) => withField(msgs[0], c.field, v))];
          for (const msg of all) {
            const route = set.route(msg);
            assert.deepEqual(
              route,
              referenceRoute(msg, def, ctx, vars),
              JSON.stringify({ c, msg, ctx, vars }),
            );
            const counts = seen.get(c.op) ?? [0, 0];
            counts[route.length === 1 ? 0 : 1]++;
            seen.set(c.op, counts);
          }
        },
      ),
      { numRuns: 6000 },
    );
    // Every operator was seen both holding and not holding, so the agreement is not trivially "always false".
    for (const op of OPERATORS) {
      const [held, failed] = seen.get(op) ?? [0, 0];
      assert.ok(held >= 20 && failed >= 20, `${op}: held ${held}, failed ${failed}`);
    }
  });
});
