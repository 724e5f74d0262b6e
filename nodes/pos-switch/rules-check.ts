// The editor's rule check: the compiler the node runs at deploy answers the form, so the editor flags exactly
// what a deploy would refuse (unsafe patterns included) without a second copy of the rule language.
import { compileRules } from '../core/rules/compile';
import type { RuleProblem, RuleSetDef } from '../core/rules/definitions';
import { replyJson } from '../shared/http-json';
import type { HttpRequest, NodeAPI } from '../shared/node-red';

/**
 * The problems of a rule list as the editor shows them. The editor cannot know the runtime's environment
 * (flow and group env included), so any named environment variable stands for a value every operator accepts.
 */
export function editorRuleProblems(rules: unknown): RuleProblem[] {
  const compiled = compileRules({ rules } as RuleSetDef, { env: () => '1' });
  return compiled.ok ? [] : compiled.problems;
}

/** POST /pos-switch/check { rules } → { problems }, for users who may read pos-switch nodes. */
export function serveRulesCheck(RED: NodeAPI): void {
  RED.httpAdmin.post('/pos-switch/check', RED.auth.needsPermission('pos-switch.read'), (req, res) => {
    const body = (req as HttpRequest & { body?: unknown }).body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('rules' in body)) {
      replyJson(res, 400, { error: 'bad-request', detail: 'expected a JSON object with the rules to check' });
      return;
    }
    replyJson(res, 200, { problems: editorRuleProblems(body.rules) });
  });
}
