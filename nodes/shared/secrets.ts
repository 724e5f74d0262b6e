import type { Node, NodeAPI } from './node-red';

const ENV_REFERENCE = /^\$\{(\w+)\}$/;

/**
 * A credential's value, where `${NAME}` stands for the environment variable NAME (Node-RED substitutes
 * `${…}` in node properties but not in credentials). Example flows use this so that secrets stay in the
 * environment and never in a flow file.
 */
export function resolveCredential(RED: NodeAPI, node: Node, value: string | undefined): string {
  const text = value?.trim() ?? '';
  const reference = ENV_REFERENCE.exec(text);
  if (!reference) return text;
  const resolved = RED.util.evaluateNodeProperty(reference[1] as string, 'env', node);
  return typeof resolved === 'string' ? resolved.trim() : '';
}
