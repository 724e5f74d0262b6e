// node-red-node-test-helper, typed for our tests, initialised on the Node-RED under test: node-red (5.x) by
// default, or another installed copy named by NODE_RED_PACKAGE (the test command runs node tests on
// node-red-4, an alias of node-red@4.1, too).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node, NodeAPI, NodeDef } from '../../nodes/shared/node-red';

const helper = require('node-red-node-test-helper') as TestHelper;

export type NodeModule = (RED: NodeAPI) => void | Promise<void>;
export type FlowNode = Partial<NodeDef> & { id: string; type: string; wires?: string[][] };

export interface TestNode extends Node {
  on(event: string, handler: (...args: never[]) => void): void;
  receive(msg: Record<string, unknown>): void;
}

interface TestHelper {
  init(nodeRedPath: string, settings?: Record<string, unknown>): void;
  settings(settings: Record<string, unknown>): void;
  load(
    modules: NodeModule | NodeModule[],
    flow: FlowNode[],
    credentials?: Record<string, Record<string, string>>,
  ): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  clearFlows(): Promise<void>;
  log(): { args: unknown[][] };
}

export const nodeRedPackage = process.env.NODE_RED_PACKAGE ?? 'node-red';
helper.init(require.resolve(nodeRedPackage));

export { helper };

/** Wraps a node module so the test can reach the RED object it was given (for `RED.httpNode`). */
export function capturing(module: NodeModule): { module: NodeModule; red: () => NodeAPI } {
  let captured: NodeAPI | undefined;
  return {
    module: (RED) => {
      captured = RED;
      return module(RED);
    },
    red: () => {
      if (!captured) throw new Error('the module was not loaded');
      return captured;
    },
  };
}

/**
 * The test helper's `RED.httpNode` is an Express app on no server (helper.request() reaches only admin
 * routes), so node tests serve it on a loopback port of their own.
 */
export async function serveHttpNode(
  red: NodeAPI,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server: Server = createServer(red.httpNode as unknown as Parameters<typeof createServer>[0]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves with the next message the node emits (waits on the event, never on a timer). */
export function nextMessage(node: TestNode): Promise<Record<string, unknown>> {
  return new Promise((resolve) => node.on('input', (msg: never) => resolve(msg)));
}

/** Resolves with the first status the node shows that satisfies `match` (statuses are throttled, so wait). */
export function statusMatching(
  node: TestNode,
  match: (status: { fill?: string; text?: string }) => boolean,
): Promise<{ fill?: string; text?: string }> {
  return new Promise((resolve) =>
    node.on('call:status', (call: never) => {
      const status = (call as { args: [{ fill?: string; text?: string }] }).args[0];
      if (match(status)) resolve(status);
    }),
  );
}

type Message = Record<string, unknown>;

/**
 * Records what reaches helper nodes wired to a node's outputs (and to Catch and Complete nodes scoped to it),
 * with a way to wait for the next message on any of them and to send the node a message and wait until it
 * has finished with it (done called, with or without an error).
 */
export class PortRecorder {
  readonly seen: Record<string, Message[]>;
  private waiters: { port: string; count: number; resolve: () => void }[] = [];

  /** `ports` are helper node ids; a `completed` and a `caught` port make `send` wait for `done`. */
  constructor(
    ports: string[],
    private readonly target: () => string,
  ) {
    this.seen = Object.fromEntries(ports.map((port) => [port, []]));
    for (const port of ports) {
      helper.getNode(port).on('input', (msg: never) => {
        this.seen[port]?.push(msg);
        for (const waiter of [...this.waiters]) {
          if (waiter.port === port && this.count(port) >= waiter.count) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      });
    }
  }

  /** Resolves when `port` has received `count` messages in all. */
  until(port: string, count: number): Promise<void> {
    if (this.count(port) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ port, count, resolve }));
  }

  async send(msg: Message): Promise<void> {
    const finished = Promise.race([
      this.until('completed', this.count('completed') + 1),
      this.until('caught', this.count('caught') + 1),
    ]);
    helper.getNode(this.target()).receive(msg);
    await finished;
  }

  count(port: string): number {
    return this.seen[port]?.length ?? 0;
  }

  topics(port: string): unknown[] {
    return (this.seen[port] ?? []).map((m) => m.topic);
  }

  last(port: string): Message {
    const msg = this.seen[port]?.at(-1);
    if (!msg) throw new Error(`nothing on ${port}`);
    return msg;
  }
}
