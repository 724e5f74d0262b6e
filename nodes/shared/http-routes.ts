// Webhook routes on Node-RED's own HTTP server that see the raw request bytes (signatures cover them).
//
// Node-RED mounts the editor's admin app, whose JSON body parser runs for every path, ahead of httpNode when
// both share the root "/" (the default): a POS's JSON body would be parsed, and its raw bytes lost, before any
// httpNode route ran. So, as core `http in` does for raw bodies, one middleware moved to the top of the root
// app's stack sees requests to our paths first and admits them on their request line and headers alone
// (answering at once what needs no body). Then either it reads the body and handles the request itself
// (direct: the fast path, skipping the editor's and httpNode's Express layers), or it marks the body as taken,
// so that no body parser touches it, and an ordinary httpNode route reads it after Node-RED's httpNodeAuth and
// httpNodeMiddleware: nothing of the body is read before those have let the request through.
import type { ExpressApp, HttpHandler, HttpRequest, HttpResponse } from './node-red';

export interface WebhookRoute {
  /**
   * Runs first, before any body parser and before Node-RED's httpNodeAuth, on the request line and headers
   * only: answers and returns false, or returns true.
   */
  admit(req: HttpRequest, res: HttpResponse): boolean;
  /** Reads the raw body, once the request may be read: answers and returns undefined, or returns the body. */
  readBody(req: HttpRequest, res: HttpResponse): Promise<Buffer | undefined>;
  /** Handles the request with the body `readBody` returned. */
  handle(req: HttpRequest, res: HttpResponse, body: Buffer): void;
}

type ExpressLayer = { handle?: unknown; route?: { path: string; stack?: { handle: unknown }[] } };
type MountableApp = ExpressApp & {
  parent?: MountableApp;
  use(handler: HttpHandler): void;
  _router?: { stack: ExpressLayer[] };
  router?: { stack: ExpressLayer[] };
};

export interface WebhookOptions {
  /** Node-RED's httpNodeRoot. */
  nodeRoot: string;
  path: string;
  /** Handle at the top of the stack; false when Node-RED's own HTTP middleware must run first. */
  direct: boolean;
}

interface Mounted {
  route: WebhookRoute;
  direct: boolean;
}

interface Mounts {
  byFullPath: Map<string, Mounted>;
  byPath: Map<string, Mounted>;
}

const mountsByApp = new WeakMap<ExpressApp, Mounts>();
/** Requests admitted at the top of the stack, waiting for their httpNode route (behind httpNodeAuth). */
const admitted = new WeakSet<HttpRequest>();

/** Normalises a user-entered path: one leading slash, no trailing slash. */
export function normalisePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function stackOf(app: MountableApp): ExpressLayer[] | undefined {
  return (app._router ?? app.router)?.stack;
}

function rootOf(app: MountableApp): MountableApp {
  return app.parent ? rootOf(app.parent) : app;
}

function installRawBodyReader(httpNode: MountableApp, mounts: Mounts): void {
  const reader: HttpHandler = (req, res, next) => {
    const pathname = normalisePath((req.url ?? '/').split('?')[0] ?? '/');
    const mounted = mounts.byFullPath.get(pathname);
    if (!mounted) return next();
    if (!mounted.route.admit(req, res)) return;
    if (mounted.direct) return receive(mounted.route, req, res, next);
    admitted.add(req);
    // tells Node-RED's body parsers (body-parser, core http in) to leave the body alone: the route reads it
    (req as HttpRequest & { _body?: boolean })._body = true;
    next();
  };
  const root = rootOf(httpNode);
  root.use(reader);
  const stack = stackOf(root);
  const index = stack?.findIndex((layer) => layer.handle === reader) ?? -1;
  if (stack && index > 0) stack.unshift(...stack.splice(index, 1));
}

function receive(route: WebhookRoute, req: HttpRequest, res: HttpResponse, next: (err?: unknown) => void) {
  route.readBody(req, res).then(
    (body) => {
      if (body) route.handle(req, res, body);
    },
    (err: unknown) => next(err),
  );
}

/**
 * Express's compiled "trust proxy" setting of the app (Node-RED sets it from settings.js
 * `httpServerOptions: { 'trust proxy': … }`): whether to believe the hop at an address for X-Forwarded-For.
 */
export function trustProxyOf(app: ExpressApp): (address: string, hop: number) => boolean {
  const trust = app.get('trust proxy fn');
  return typeof trust === 'function' ? (trust as (address: string, hop: number) => boolean) : () => false;
}

/** Mounts a webhook; returns the unmount function. Throws when another node already serves the path. */
export function mountWebhook(httpNode: ExpressApp, options: WebhookOptions, route: WebhookRoute): () => void {
  const { nodeRoot, path, direct } = options;
  let mounts = mountsByApp.get(httpNode);
  if (!mounts) {
    mounts = { byFullPath: new Map(), byPath: new Map() };
    mountsByApp.set(httpNode, mounts);
    installRawBodyReader(httpNode as MountableApp, mounts);
  }
  if (mounts.byPath.has(path)) throw new Error(`path ${path} is already used by another node`);
  const fullPath = normalisePath(`${nodeRoot.replace(/\/+$/, '')}${path}`);
  mounts.byPath.set(path, { route, direct });
  mounts.byFullPath.set(fullPath, { route, direct });
  const current = mounts;
  const dispatch: HttpHandler = (req, res, next) => {
    const mounted = current.byPath.get(path);
    if (mounted && admitted.has(req)) receive(mounted.route, req, res, next);
    else next();
  };
  httpNode.all(path, dispatch);
  return () => {
    current.byPath.delete(path);
    current.byFullPath.delete(fullPath);
    removeRoute(httpNode, path, dispatch);
  };
}

/**
 * An ordinary GET route on httpNode (behind httpNodeAuth and httpNodeMiddleware, like the user's own `http in`
 * routes); returns the unmount function, which a node calls on close so a redeploy does not stack routes.
 */
export function mountGet(httpNode: ExpressApp, path: string, handler: HttpHandler): () => void {
  httpNode.get(path, handler);
  return () => removeRoute(httpNode, path, handler);
}

function removeRoute(httpNode: ExpressApp, path: string, handler: HttpHandler): void {
  const stack = stackOf(httpNode as MountableApp);
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    const layerRoute = stack[i]?.route;
    if (layerRoute?.path === path && layerRoute.stack?.some((layer) => layer.handle === handler))
      stack.splice(i, 1);
  }
}
