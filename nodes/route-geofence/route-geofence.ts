// route-geofence: vehicle positions in; route alerts (deviation, back on route, wrong way, skipped section),
// zone events and (optionally) every fix annotated out. The decisions live in the core Geofence; this adapter
// reads messages, keeps per-vehicle state in the node's context, hands it to its successor on a redeploy,
// serves the editor's preview, sends, and shows status.
import { type ConfigProblem, checkConfig, type GeofenceNodeProperties } from '../core/geo/config';
import { readFix } from '../core/geo/fix';
import { loadGeoLibs } from '../core/geo/geo-libs';
import { Geofence, type RouteConfig } from '../core/geo/geofence';
import type { GeoIssue } from '../core/geo/parse';
import { buildPreview } from '../core/geo/preview';
import { ContextStateStore } from '../core/geo/state-store';
import type { GeofenceEvent, VehicleState } from '../core/geo/tracker';
import { type Clock, systemClock } from '../core/kernel/clock';
import type { CallbackContext } from '../core/kernel/context';
import { replyJson } from '../shared/http-json';
import { lifecycle } from '../shared/lifecycle';
import type { HttpRequest, Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from '../shared/node-red';

interface RouteGeofenceDef extends NodeDef, GeofenceNodeProperties {
  /** Send every fix, annotated, on a third output. */
  annotate?: boolean;
  /** The context store for vehicle state (empty: the default store). */
  store?: string;
}

const VEHICLE_PREFIX = 'vehicle_';
const ROUTE_PREFIX = 'route_';
const CONTROL = { route: 'route', reset: 'reset' } as const;

const isOurs = (key: string) => key.startsWith(VEHICLE_PREFIX) || key.startsWith(ROUTE_PREFIX);

function contextCall<T>(
  call: (callback: (err: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value as T))));
}

async function snapshot(context: CallbackContext, store: string | undefined): Promise<[string, unknown][]> {
  const keys = await contextCall<string[]>((cb) => context.keys(store, cb));
  const entries: [string, unknown][] = [];
  for (const key of keys.filter(isOurs)) {
    entries.push([key, await contextCall((cb) => context.get(key, store, cb))]);
  }
  return entries;
}

async function restore(context: CallbackContext, store: string | undefined, entries: [string, unknown][]) {
  for (const [key, value] of entries) {
    const current = await contextCall((cb) => context.get(key, store, cb));
    if (current === undefined) await contextCall((cb) => context.set(key, value, store, cb));
  }
}

function register(RED: NodeAPI, clock: Clock): Promise<void> {
  // Start loading the ES-module geometry libraries at once; nodes wait for them at start-up.
  const libsReady = loadGeoLibs();
  const t = (key: string, params?: Record<string, unknown>) => RED._(`route-geofence.${key}`, params);
  const describe = (issues: GeoIssue[]) => issues.map((i) => t(`issues.${i.code}`, i.params)).join('; ');
  const describeProblem = (problem: ConfigProblem) =>
    t(`errors.config-${problem.part}`, {
      position: (problem.index ?? 0) + 1,
      id: problem.id ?? '',
      detail: describe(problem.errors),
    });

  function RouteGeofenceNode(this: Node, def: RouteGeofenceDef) {
    RED.nodes.createNode(this, def);
    const life = lifecycle(RED, this, clock);
    const annotate = def.annotate === true;
    const store = typeof def.store === 'string' && def.store !== '' ? def.store : undefined;
    const context = this.context();
    const config = checkConfig(def);
    const warnedRoutes = new Set<string>();
    const warnedTypes = new Set<string>();
    let lastEvent = '';

    for (const warning of config.warnings) this.warn(describeProblem(warning));
    const configError =
      config.problems.length > 0 ? t('status.config-error', { count: config.problems.length }) : '';
    if (config.problems.length > 0 && config.routes.length === 0 && config.zones.length === 0) {
      // nothing the user entered can be used: every position would only be "on an unknown route"
      const detail = config.problems.map(describeProblem).join('; ');
      life.configError(new Error(t('errors.config', { count: config.problems.length, detail })), {
        statusText: configError,
      });
      return;
    }
    // Some routes or zones work: they run, and the broken ones are named (the status stays red).
    for (const problem of config.problems) this.error(describeProblem(problem));

    const statusOf = (geofence: Geofence) => (): NodeStatus => {
      if (configError) return { fill: 'red', shape: 'ring', text: configError };
      const { vehicles, offRoute, routes, zones } = geofence.summary();
      const text =
        vehicles === 0
          ? t('status.waiting', { routes, zones })
          : t('status.tracking', { vehicles, offRoute }) + (lastEvent ? ` · ${lastEvent}` : '');
      return { fill: offRoute > 0 ? 'yellow' : 'green', shape: 'dot', text };
    };
    // Composing the status text (translated) costs more than checking a fix: quiet fixes go through the
    // throttle; events and errors update it at once.
    const showStatus = () => {
      if (engine) life.status.showNow(statusOf(engine));
    };

    let engine: Geofence | undefined;
    let startError: Error | undefined;
    life.status.show({ fill: 'grey', shape: 'ring', text: t('status.starting') });
    const handed = life.takeHandover<[key: string, value: unknown][]>();
    const ready = (async () => {
      const libs = await libsReady;
      if (handed) await restore(context, store, handed);
      const geofence = new Geofence({
        libs,
        settings: config.settings,
        routes: config.routes,
        ...(config.defaultRouteId ? { defaultRouteId: config.defaultRouteId } : {}),
        zones: config.zones,
        vehicles: new ContextStateStore<VehicleState>(context, VEHICLE_PREFIX, store),
        runtimeRoutes: new ContextStateStore<RouteConfig>(context, ROUTE_PREFIX, store),
        forgetAfterMs: config.forgetAfterMs,
        clock,
        onError: (err) => this.error(t('errors.state', { detail: (err as Error).message })),
      });
      await geofence.start();
      engine = geofence;
      showStatus();
    })().catch((err: unknown) => {
      startError = err instanceof Error ? err : new Error(String(err));
      const message = t('errors.start', { detail: startError.message });
      this.error(message);
      life.status.show({ fill: 'red', shape: 'ring', text: message.slice(0, 80) });
    });

    const eventMessage = (msg: NodeMessage, event: GeofenceEvent): NodeMessage => ({
      ...msg,
      topic: event.event,
      payload: event,
    });

    async function updateRoute(geofence: Geofence, payload: unknown): Promise<void> {
      const input = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
      const result = await geofence.updateRoute(input);
      if (!result.ok) {
        throw new Error(
          t('errors.route-rejected', { id: String(input.id ?? ''), detail: describe(result.errors) }),
        );
      }
      if (result.action === 'set') {
        warnedRoutes.delete(result.route.id);
        lastEvent = t('status.route-set', { id: result.route.id });
      } else {
        lastEvent = t(`status.route-${result.action}`, { id: result.id });
      }
      showStatus();
    }

    life.onInput(async (msg, send) => {
      if (!engine) await ready;
      const geofence = engine;
      if (!geofence) throw new Error(t('errors.start', { detail: startError?.message ?? '' }));

      if (msg.topic === CONTROL.route) return updateRoute(geofence, msg.payload);
      if (msg.topic === CONTROL.reset) {
        const payload = msg.payload as { vehicleId?: unknown } | undefined;
        const vehicleId = typeof payload?.vehicleId === 'string' ? payload.vehicleId : undefined;
        await geofence.reset(vehicleId);
        showStatus();
        return;
      }

      const reading = readFix(msg.payload, clock.now());
      if (!reading.ok) {
        if (!reading.notPosition) throw new Error(t('errors.invalid-fix', { detail: reading.detail }));
        if (!warnedTypes.has(reading.eventType)) {
          warnedTypes.add(reading.eventType);
          this.warn(t('warnings.not-position', { event: reading.eventType }));
        }
        return;
      }
      const result = await geofence.process(reading.fix).catch((err: unknown) => {
        // the tracker itself cannot fail: this is the context store
        throw new Error(t('errors.state', { detail: err instanceof Error ? err.message : String(err) }));
      });
      const unknown = result.report.unknownRoute;
      if (unknown !== undefined && !warnedRoutes.has(unknown)) {
        warnedRoutes.add(unknown);
        this.warn(t('warnings.unknown-route', { route: unknown, vehicle: reading.fix.vehicleId }));
      }

      if (result.events.length > 0) {
        const routeMessages: NodeMessage[] = [];
        const zoneMessages: NodeMessage[] = [];
        for (const event of result.events) {
          const target =
            event.event === 'zone-enter' || event.event === 'zone-exit' ? zoneMessages : routeMessages;
          target.push(eventMessage(msg, event));
        }
        const last = result.events[result.events.length - 1] as GeofenceEvent;
        lastEvent = t('status.last', { vehicle: last.vehicleId, event: t(`events.${last.event}`) });
        if (annotate) {
          msg.geofence = result.report;
          send([routeMessages, zoneMessages, msg]);
        } else {
          send([routeMessages, zoneMessages]);
        }
        showStatus();
        return;
      }
      if (annotate) {
        msg.geofence = result.report;
        send([null, null, msg]);
      }
      life.status.show(statusOf(geofence));
    });

    life.onClose(async (removed) => {
      await ready;
      try {
        await engine?.close();
        life.handOver(removed, removed ? undefined : await snapshot(context, store));
      } catch (err) {
        throw new Error(t('errors.state', { detail: life.describe(err) }));
      }
    });
  }

  RED.nodes.registerType('route-geofence', RouteGeofenceNode);

  // The editor's checks, figures and drawing: the same parser and geometry as at run time.
  RED.httpAdmin.post(
    '/route-geofence/preview',
    RED.auth.needsPermission('route-geofence.read'),
    (req, res) => {
      const body = (req as HttpRequest & { body?: { routes?: unknown; zones?: unknown } }).body ?? {};
      libsReady.then(
        (libs) => replyJson(res, 200, buildPreview(libs, body)),
        (err: unknown) => replyJson(res, 500, { error: 'unavailable', detail: (err as Error).message }),
      );
    },
  );

  // Node-RED waits for a module's promise before starting flows: the libraries are then loaded before the
  // first fix. A load failure is reported by each node instead of failing the module.
  return libsReady.then(
    () => undefined,
    () => undefined,
  );
}

/** The Node-RED module; `withClock` gives tests a fake clock for the silent-vehicle sweep. */
const routeGeofence = Object.assign((RED: NodeAPI) => register(RED, systemClock), {
  withClock: (clock: Clock) => (RED: NodeAPI) => register(RED, clock),
});

export = routeGeofence;
