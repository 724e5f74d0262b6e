// The small slice of the Node-RED runtime API these nodes use, typed here rather than through @types/node-red
// (which lags the runtime). Adapters import only from this file, so the surface we depend on stays visible.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackContext } from '../core/kernel/context';

export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown; topic?: string };

export type StatusFill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';
export type NodeStatus = { fill?: StatusFill; shape?: 'ring' | 'dot'; text?: string } | Record<string, never>;

export type SendFunction = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[] | null) => void;
export type DoneFunction = (err?: Error) => void;

export interface NodeContext extends CallbackContext {
  flow: CallbackContext;
  global: CallbackContext;
}

export interface Node<Credentials = unknown> {
  readonly id: string;
  readonly type: string;
  readonly z?: string;
  name?: string;
  credentials: Credentials;
  on(event: 'input', handler: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send: SendFunction;
  status(status: NodeStatus): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
  context(): NodeContext;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

/** An Express request as Node-RED's HTTP servers hand it over: the raw, unparsed stream. */
export type HttpRequest = IncomingMessage & { ip?: string; path?: string };
export type HttpResponse = ServerResponse;
export type HttpHandler = (req: HttpRequest, res: HttpResponse, next: (err?: unknown) => void) => void;

interface ExpressRouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

export interface ExpressApp {
  post(path: string, ...handlers: HttpHandler[]): void;
  get(path: string, ...handlers: HttpHandler[]): void;
  /** An Express setting, such as the compiled 'trust proxy fn'. */
  get(setting: string): unknown;
  set(setting: string, value: unknown): void;
  all(path: string, ...handlers: HttpHandler[]): void;
  _router?: { stack: ExpressRouterLayer[] };
  router?: { stack: ExpressRouterLayer[] };
}

export interface CredentialsDef {
  [key: string]: { type: 'text' | 'password' };
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType<Credentials, Def extends NodeDef>(
      type: string,
      nodeConstructor: (this: Node<Credentials>, def: Def) => void,
      options?: {
        credentials?: CredentialsDef;
        settings?: Record<string, { value: unknown; exportable?: boolean }>;
      },
    ): void;
    getNode(id: string): unknown;
  };
  httpNode: ExpressApp;
  httpAdmin: ExpressApp;
  settings: Record<string, unknown> & { userDir?: string; httpNodeRoot?: string };
  auth: { needsPermission(permission: string): HttpHandler };
  util: {
    evaluateNodeProperty(value: string, type: string, node: Node, msg?: NodeMessage): unknown;
    getSetting?(node: Node, name: string): unknown;
  };
  _(key: string, substitutions?: Record<string, unknown>): string;
}
