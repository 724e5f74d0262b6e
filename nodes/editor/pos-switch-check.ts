// The rule check is the runtime's: POST pos-switch/check runs the compiler the node runs at deploy, so the
// editor keeps no copy of the rule language. Node-RED validates a node synchronously, so answers are kept by
// rule list and, when a new one arrives, the pos-switch nodes are validated again.
import type { RuleProblem } from '../core/rules/definitions';
import { postJson } from './shared';

/** Enough for every pos-switch of a large flow and the lists typed in the form; the oldest go first. */
const MAX_ANSWERS = 500;
const answers = new Map<string, RuleProblem[]>();
const asking = new Map<string, Promise<RuleProblem[]>>();

const keyOf = (rules: unknown) => JSON.stringify(rules ?? null);

/** The runtime's answer for these rules if it is known, else undefined. */
export function knownProblems(rules: unknown): RuleProblem[] | undefined {
  return answers.get(keyOf(rules));
}

/** Asks the runtime (once per distinct rule list) for the problems of these rules. */
export function checkRules(rules: unknown): Promise<RuleProblem[]> {
  const key = keyOf(rules);
  const known = answers.get(key);
  if (known) return Promise.resolve(known);
  let question = asking.get(key);
  if (!question) {
    question = postJson<{ problems: RuleProblem[] }>('pos-switch/check', { rules })
      .then(({ problems }) => {
        if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value as string);
        answers.set(key, problems);
        return problems;
      })
      .finally(() => asking.delete(key));
    asking.set(key, question);
  }
  return question;
}

/** Validates every pos-switch node again (a new answer may change whether one is valid) and redraws. */
export function revalidatePosSwitches(): void {
  RED.nodes.eachNode((node) => {
    if (node.type === 'pos-switch') RED.editor.validateNode(node);
  });
  RED.view.redraw(true);
}
