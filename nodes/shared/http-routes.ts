import type { ExpressApp, HttpHandler } from './node-red';

// One dispatcher route per path and app: a node mounts its handler in this table, and a redeploy swaps the
// handler without touching Express. Unmounting also removes the route from Express's stack, as core
// `http in` does, so a deleted node's path answers 404 again.
const tables = new WeakMap<ExpressApp, Map<string, HttpHandler>>();

function routerStack(app: ExpressApp) {
  return (app._router ?? app.router)?.stack;
}

/** Normalises a user-entered path: one leading slash, no trailing slash. */
export function normalisePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Mounts `handler` for every method at `path`; returns the unmount function. Throws if the path is taken. */
export function mountRoute(app: ExpressApp, path: string, handler: HttpHandler): () => void {
  let table = tables.get(app);
  if (!table) {
    table = new Map();
    tables.set(app, table);
  }
  if (table.has(path)) throw new Error(`path ${path} is already used by another node`);
  table.set(path, handler);
  const current = table;
  const dispatch: HttpHandler = (req, res, next) => {
    const mounted = current.get(path);
    if (mounted) mounted(req, res, next);
    else next();
  };
  app.all(path, dispatch);
  return () => {
    current.delete(path);
    const stack = routerStack(app);
    if (!stack) return;
    for (let i = stack.length - 1; i >= 0; i--) {
      const route = stack[i]?.route as { path: string; stack?: { handle: unknown }[] } | undefined;
      if (route?.path === path && route.stack?.some((layer) => layer.handle === dispatch)) stack.splice(i, 1);
    }
  };
}
