import type { DoneFunction, Node, NodeMessage, SendFunction } from './node-red';

export type AsyncInputHandler = (msg: NodeMessage, send: SendFunction) => Promise<void>;

/**
 * Registers an async input handler the safe way: exactly three parameters (so the runtime knows `done` will
 * be called), `done(err)` on failure so a Catch node sees it, and never an exception out of the handler
 * (which would take the whole Node-RED process down).
 */
export function onInput(node: Node, handler: AsyncInputHandler): void {
  node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
    handler(msg, send).then(
      () => done(),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  });
}
