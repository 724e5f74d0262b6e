import { join } from 'node:path';
import type { Node, NodeAPI } from './node-red';

/**
 * Where a node keeps state that must survive a restart (dedupe ids, the outbox): a file per node under the
 * Node-RED user directory. Undefined when the runtime has no user directory (state is then kept in memory).
 * The journal creates these files readable by their owner only (0600): outboxes hold customer names and orders.
 */
export function stateFile(RED: NodeAPI, node: Pick<Node, 'id' | 'type'>, name: string): string | undefined {
  const userDir = RED.settings.userDir;
  if (typeof userDir !== 'string' || userDir === '') return undefined;
  return join(userDir, 'node-red-pos-dingtalk', `${node.type}-${node.id.replace(/[^\w.-]/g, '_')}`, name);
}
