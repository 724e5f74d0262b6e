// One node lifecycle for every node adapter: how a bad configuration is reported, how messages are handled and
// failures answered, how status is throttled, how close runs, and how state passes to the node that replaces
// this one on a redeploy. Each node says only what is its own.

import { type Clock, systemClock } from '../core/kernel/clock';
import { KernelError } from '../core/kernel/errors';
import type { DoneFunction, Node, NodeAPI, NodeMessage, SendFunction } from './node-red';
import { StatusReporter } from './status';

/** A message handler: synchronous (cheapest) or async; a throw or a rejection is answered with done(err). */
export type InputHandler = (msg: NodeMessage, send: SendFunction) => void | Promise<void>;

/** A step of closing: runs after the previous one has finished, whether it failed or not. */
export type CloseTask = (removed: boolean) => void | Promise<void>;

export interface ConfigErrorOptions {
  /** A shorter text for the status than the logged message. */
  statusText?: string;
  /**
   * Called for each message while the configuration is bad, before done(err): for a node whose documented
   * contract also reports a refused message on an output.
   */
  refused?: (msg: NodeMessage, send: SendFunction, err: Error) => void;
}

/**
 * State a closing node hands to the node that replaces it on a redeploy, keyed by node id. Node-RED deletes a
 * stopping node's context unless a context store is configured in settings.js, so without this a redeploy
 * would forget what the node knew (and, say, alert again). Removed nodes take theirs with them.
 */
const handovers = new Map<string, unknown>();

export class Lifecycle {
  readonly status: StatusReporter;
  private fault: Error | undefined;
  private handler: InputHandler = () => undefined;
  private refused: ConfigErrorOptions['refused'];
  private readonly closeTasks: CloseTask[] = [];

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    clock: Clock = systemClock,
  ) {
    this.status = new StatusReporter(node, clock);
    // Registered at once, so that a node that stops at a bad configuration still answers every message and
    // still closes the same way. Exactly three parameters: the runtime then knows `done` will be called.
    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) =>
      this.input(msg, send, done),
    );
    node.on('close', (removed, done) => {
      void this.close(removed).finally(done);
    });
  }

  /** Whether configError was called: messages are then refused. */
  get misconfigured(): boolean {
    return this.fault !== undefined;
  }

  /** A kernel error in the runtime's language (`<type>.errors.<code>`), else in English; any other's message. */
  describe(err: unknown): string {
    if (err instanceof KernelError) {
      return this.RED._(`${this.node.type}.errors.${err.code}`, {
        ...err.params,
        defaultValue: err.template,
      });
    }
    return err instanceof Error ? err.message : String(err);
  }

  /** The error for done(err) and for a Catch node: localised, with the kernel error's code kept. */
  toError(err: unknown): Error {
    if (err instanceof KernelError) return Object.assign(new Error(this.describe(err)), { code: err.code });
    return err instanceof Error ? err : new Error(String(err));
  }

  /**
   * The configuration cannot work: a red ring status (the message, or `statusText`), one log line, and every
   * message from now on answered with done(err), nothing sent (unless `refused` sends it).
   */
  configError(err: unknown, options: ConfigErrorOptions = {}): void {
    this.fault = this.toError(err);
    this.refused = options.refused;
    this.node.error(this.fault.message);
    this.status.show({ fill: 'red', shape: 'ring', text: options.statusText ?? this.fault.message });
  }

  /**
   * The node's message handler: `done(err)` on failure so a Catch node sees it, never an exception out of the
   * handler (which would take the whole Node-RED process down), and no promise for a handler that finishes
   * synchronously.
   */
  onInput(handler: InputHandler): void {
    this.handler = handler;
  }

  /** Steps of closing, run in order, a failing one logged without stopping the rest; then the status stops. */
  onClose(...tasks: CloseTask[]): void {
    this.closeTasks.push(...tasks);
  }

  /** What the node this one replaces handed over on a redeploy (once), or undefined. */
  takeHandover<T>(): T | undefined {
    const handed = handovers.get(this.node.id) as T | undefined;
    handovers.delete(this.node.id);
    return handed;
  }

  /** Keeps `state` for the node that replaces this one; a removed node keeps nothing. */
  handOver(removed: boolean, state: unknown): void {
    if (removed) handovers.delete(this.node.id);
    else handovers.set(this.node.id, state);
  }

  private input(msg: NodeMessage, send: SendFunction, done: DoneFunction): void {
    const fail = (err: unknown) => done(this.toError(err));
    if (this.fault) {
      this.refused?.(msg, send, this.fault);
      done(this.fault);
      return;
    }
    try {
      const result = this.handler(msg, send);
      if (result) result.then(() => done(), fail);
      else done();
    } catch (err) {
      fail(err);
    }
  }

  private async close(removed: boolean): Promise<void> {
    for (const task of this.closeTasks) {
      try {
        await task(removed);
      } catch (err) {
        this.node.error(this.describe(err));
      }
    }
    this.status.close();
  }
}

export function lifecycle(RED: NodeAPI, node: Node, clock?: Clock): Lifecycle {
  return new Lifecycle(RED, node, clock);
}
