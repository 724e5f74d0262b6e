// Webhook routes on Node-RED's own HTTP server that see the raw request bytes (signatures cover them).
//
// Node-RED mounts the editor's admin app, whose JSON body parser runs for every path, ahead of httpNode when
// both share the root "/" (the default): a POS's JSON body would be parsed, and its raw bytes lost, before any
// httpNode route ran. So, as core `http in` does for raw bodies, one middleware moved to the top of the root
// app's stack reads the body of requests to our paths first (answering at once what needs no body), and the
// ordinary httpNode route, which still passes Node-RED's httpNodeAuth and httpNodeMiddleware, handles it.
import type { ExpressApp, HttpHandler, HttpRequest, HttpResponse } from './node-red';

export interface WebhookRoute {
  /** Runs before any body parser: answers and returns undefined, or returns the raw body. */
  readRaw(req: HttpRequest, res: HttpResponse): Promise<Buffer | undefined>;
  /** Runs as an httpNode route, with the body `readRaw` returned. */
  handle(req: HttpRequest, res: HttpResponse, body: Buffer): void;
}

type ExpressLayer = { handle?: unknown; route?: { path: string; stack?: { handle: unknown }[] } };
type MountableApp = ExpressApp & {
  parent?: MountableApp;
  use(handler: HttpHandler): void;
  _router?: { stack: ExpressLayer[] };
  router?: { stack: ExpressLayer[] };
};

interface Mounts {
  byFullPath: Map<string, WebhookRoute>;
  byPath: Map<string, WebhookRoute>;
}

const mountsByApp = new WeakMap<ExpressApp, Mounts>();
const rawBodies = new WeakMap<HttpRequest, Buffer>();

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
    const route = mounts.byFullPath.get(pathname);
    if (!route) return next();
    route.readRaw(req, res).then(
      (body) => {
        if (!body) return;
        rawBodies.set(req, body);
        // tells Node-RED's body parsers (body-parser, core http in) that the body was read
        (req as HttpRequest & { _body?: boolean })._body = true;
        next();
      },
      (err: unknown) => next(err),
    );
  };
  const root = rootOf(httpNode);
  root.use(reader);
  const stack = stackOf(root);
  const index = stack?.findIndex((layer) => layer.handle === reader) ?? -1;
  if (stack && index > 0) stack.unshift(...stack.splice(index, 1));
}

/**
 * Mounts a webhook at `path` below Node-RED's `nodeRoot`; returns the unmount function. Throws when another
 * node already serves the path.
 */
export function mountWebhook(
  httpNode: ExpressApp,
  nodeRoot: string,
  path: string,
  route: WebhookRoute,
): () => void {
  let mounts = mountsByApp.get(httpNode);
  if (!mounts) {
    mounts = { byFullPath: new Map(), byPath: new Map() };
    mountsByApp.set(httpNode, mounts);
    installRawBodyReader(httpNode as MountableApp, mounts);
  }
  if (mounts.byPath.has(path)) throw new Error(`path ${path} is already used by another node`);
  const fullPath = normalisePath(`${nodeRoot.replace(/\/+$/, '')}${path}`);
  mounts.byPath.set(path, route);
  mounts.byFullPath.set(fullPath, route);
  const current = mounts;
  const dispatch: HttpHandler = (req, res, next) => {
    const body = rawBodies.get(req);
    const mounted = current.byPath.get(path);
    if (mounted && body) mounted.handle(req, res, body);
    else next();
  };
  httpNode.all(path, dispatch);
  return () => {
    current.byPath.delete(path);
    current.byFullPath.delete(fullPath);
    const stack = stackOf(httpNode as MountableApp);
    if (!stack) return;
    for (let i = stack.length - 1; i >= 0; i--) {
      const layerRoute = stack[i]?.route;
      if (layerRoute?.path === path && layerRoute.stack?.some((layer) => layer.handle === dispatch))
        stack.splice(i, 1);
    }
  };
}
