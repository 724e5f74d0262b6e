// pos-switch: routes POS events by rules that read like sentences. The rules are compiled once at deploy by the
// core (nodes/core/rules); this adapter reads flow/global context values before each message, sends the message
// to the outputs the rules chose, counts them for the status and reports problems in the user's language.

import type { CallbackContext } from '../core/kernel/context';
import { compileRules, type RuleSet } from '../core/rules/compile';
import { ContextFeed } from '../core/rules/context-feed';
import type { Mode, RuleProblem, RuleSetDef, Unmatched } from '../core/rules/definitions';
import { lifecycle } from '../shared/lifecycle';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus, SendFunction } from '../shared/node-red';
import { serveRulesCheck } from './rules-check';

export interface PosSwitchDef extends NodeDef {
  rules?: unknown;
  mode?: Mode;
  unmatched?: Unmatched;
}

/** With more rules than this, the status lists only the outputs that have sent something. */
const STATUS_ALL_OUTPUTS_UP_TO = 6;

/** A message waiting for its context values; `settle` finishes it (with the error it failed with). */
type Pending = { msg: NodeMessage; send: SendFunction; settle: (err?: unknown) => void };

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, unknown>) =>
    RED._(`pos-switch.${key}`, substitutions);

  /** "Rule 2 (Big VIP), condition 1: “abc” is not a number" */
  function describeProblem(problem: RuleProblem, def: RuleSetDef): string {
    const what = t(`errors.${problem.code}`, { detail: problem.detail ?? '' });
    if (problem.rule === undefined) return what;
    const name = (Array.isArray(def.rules) ? (def.rules[problem.rule] as { name?: unknown } | null) : null)
      ?.name;
    const rule =
      typeof name === 'string' && name.trim() !== ''
        ? t('errors.ruleNamed', { n: problem.rule + 1, name: name.trim() })
        : t('errors.rule', { n: problem.rule + 1 });
    const condition =
      problem.condition === undefined ? '' : t('errors.condition', { n: problem.condition + 1 });
    const value = problem.value === 2 ? t('errors.secondValue') : '';
    return `${[rule, condition, value].filter(Boolean).join(', ')}: ${what}`;
  }

  function PosSwitchNode(this: Node, def: PosSwitchDef) {
    RED.nodes.createNode(this, def);
    const life = lifecycle(RED, this);
    const ruleDef: RuleSetDef = {
      rules: (def.rules ?? []) as RuleSetDef['rules'],
      mode: def.mode,
      unmatched: def.unmatched,
    };
    const compiled = compileRules(ruleDef, {
      env: (name) => RED.util.evaluateNodeProperty(name, 'env', this),
    });

    if (!compiled.ok) {
      const problems = compiled.problems.map((problem) => describeProblem(problem, ruleDef));
      const summary =
        problems.length > 1
          ? `${problems[0]} ${t('errors.more', { count: problems.length - 1 })}`
          : problems[0];
      life.configError(new Error(t('errors.bad-rules', { problems: problems.join('; ') })), {
        statusText: summary ?? '',
      });
      return;
    }

    const rules: RuleSet = compiled.ruleSet;
    const refs = rules.contextRefs;
    const counts: number[] = new Array(rules.outputs).fill(0);
    let dropped = 0;
    life.status.show({ fill: 'grey', shape: 'ring', text: t('status.ready', { count: rules.rules }) });

    // Counting is cheap; writing the status is not (translation, string building): rendered only when shown.
    const renderCounts = (): NodeStatus => {
      const parts: string[] = [];
      const showAll = rules.rules <= STATUS_ALL_OUTPUTS_UP_TO;
      for (let i = 0; i < rules.rules; i++) {
        const count = counts[i] ?? 0;
        if (showAll || count > 0) parts.push(t('status.rule', { n: i + 1, count }));
      }
      if (rules.otherwise !== undefined)
        parts.push(t('status.otherwise', { count: counts[rules.otherwise] ?? 0 }));
      else parts.push(t('status.dropped', { count: dropped }));
      return { fill: 'green', shape: 'dot', text: parts.join(' · ') };
    };

    const route = (msg: NodeMessage, send: SendFunction): void => {
      const ports = rules.route(msg);
      if (ports.length === 0) {
        dropped++;
      } else {
        const out: (NodeMessage | null)[] = new Array(rules.outputs).fill(null);
        for (const port of ports) {
          out[port] = msg;
          counts[port] = (counts[port] ?? 0) + 1;
        }
        send(out);
      }
      life.status.show(renderCounts);
    };

    // Context values are read with the callback API so that asynchronous context stores work; see ContextFeed.
    const context = refs.length > 0 ? this.context() : undefined;
    const feed = new ContextFeed<Pending>(
      rules,
      (ref, callback) => {
        const store: CallbackContext | undefined = ref.scope === 'flow' ? context?.flow : context?.global;
        if (!store) callback(undefined);
        else store.get(ref.key, undefined, (err, value) => callback(err ? undefined : value));
      },
      (problem) => this.warn(describeProblem(problem, ruleDef)),
      (pending) => {
        try {
          route(pending.msg, pending.send);
          pending.settle();
        } catch (err) {
          pending.settle(err);
        }
      },
    );

    life.onInput((msg, send) =>
      refs.length === 0
        ? route(msg, send)
        : new Promise<void>((resolve, reject) =>
            feed.push({ msg, send, settle: (err) => (err === undefined ? resolve() : reject(err)) }),
          ),
    );

    life.onClose(() => {
      for (const pending of feed.drain()) pending.settle();
    });
  }

  RED.nodes.registerType('pos-switch', PosSwitchNode);
  serveRulesCheck(RED);
};
