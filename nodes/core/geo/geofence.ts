// The geofence engine: routes (from the configuration, or set at runtime by id), zones, and per-vehicle state
// behind a StateStore. Fixes for one vehicle are processed strictly one after another even when the store
// answers asynchronously; different vehicles do not wait for each other. Silent vehicles are forgotten by a
// sweep on an injectable clock.

import { type Clock, systemClock, type TimerHandle } from '../kernel/clock';
import { checkRoute, type RouteConfig } from './config';
import type { Fix } from './fix';
import type { GeoLibs } from './geo-libs';
import type { GeoIssue, GeometryInput } from './parse';
import { Route } from './route';
import type { StateStore } from './state-store';
import { type ActiveRoute, type StepResult, step, type TrackerSettings, type VehicleState } from './tracker';
import { type ZoneDef, ZoneSet } from './zones';

export interface GeofenceOptions {
  libs: GeoLibs;
  settings: TrackerSettings;
  /** Routes from the node's configuration, and the route for vehicles whose fixes name none. */
  routes?: readonly RouteConfig[];
  defaultRouteId?: string;
  zones?: readonly ZoneDef[];
  vehicles: StateStore<VehicleState>;
  /** Where routes set at runtime are kept (so they survive like vehicle state does). */
  runtimeRoutes?: StateStore<RouteConfig>;
  /** A vehicle not heard from for this long is forgotten (0 = never). */
  forgetAfterMs: number;
  clock?: Clock;
  /** Told when the sweep that forgets silent vehicles fails (a store error). */
  onError?: (err: unknown) => void;
}

export type RouteUpdate =
  | { ok: true; action: 'set'; route: ActiveRoute }
  | { ok: true; action: 'removed' | 'not-found'; id: string }
  | { ok: false; errors: GeoIssue[] };

export interface GeofenceSummary {
  vehicles: number;
  offRoute: number;
  routes: number;
  zones: number;
}

export type { RouteConfig };

export class Geofence {
  private readonly libs: GeoLibs;
  private readonly settings: TrackerSettings;
  private readonly configured = new Map<string, ActiveRoute>();
  private readonly runtime = new Map<string, ActiveRoute>();
  private readonly defaultRouteId: string | undefined;
  private readonly zones: ZoneSet;
  private readonly vehicles: StateStore<VehicleState>;
  private readonly runtimeRoutes: StateStore<RouteConfig> | undefined;
  private readonly clock: Clock;
  private readonly forgetAfterMs: number;
  private readonly onError: (err: unknown) => void;
  /** The tail of each vehicle's queue of pending work. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Vehicles seen since start-up and whether each is on its route (for the status line), and the count off. */
  private readonly onRoute = new Map<string, boolean>();
  private offRouteCount = 0;
  private sweepTimer: TimerHandle | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: GeofenceOptions) {
    this.libs = options.libs;
    this.settings = options.settings;
    this.defaultRouteId = options.defaultRouteId || undefined;
    this.vehicles = options.vehicles;
    this.runtimeRoutes = options.runtimeRoutes;
    this.clock = options.clock ?? systemClock;
    this.forgetAfterMs = options.forgetAfterMs;
    this.onError = options.onError ?? (() => undefined);
    for (const config of options.routes ?? []) this.configured.set(config.id, this.build(config));
    this.zones = new ZoneSet(this.libs, options.zones ?? [], this.settings.hysteresisM);
  }

  /** Restores routes set at runtime (before the first fix) and starts forgetting silent vehicles. */
  async start(): Promise<void> {
    if (this.runtimeRoutes) {
      for (const id of await this.runtimeRoutes.ids()) {
        const config = await this.runtimeRoutes.get(id);
        if (config) this.runtime.set(id, this.build(config));
      }
    }
    this.scheduleSweep();
  }

  route(id: string): ActiveRoute | undefined {
    return this.runtime.get(id) ?? this.configured.get(id);
  }

  routeIds(): string[] {
    return [...new Set([...this.configured.keys(), ...this.runtime.keys()])];
  }

  summary(): GeofenceSummary {
    return {
      vehicles: this.onRoute.size,
      offRoute: this.offRouteCount,
      routes: this.routeIds().length,
      zones: this.zones.zones.length,
    };
  }

  /**
   * Sets (or replaces) a route at runtime, or removes one (`geometry` null / `remove` true). A runtime route
   * hides a configured route of the same id until it is removed.
   */
  async updateRoute(input: {
    id?: unknown;
    name?: unknown;
    widthM?: unknown;
    geometry?: GeometryInput;
    remove?: unknown;
  }): Promise<RouteUpdate> {
    if (input.remove === true || input.geometry === null) {
      const id = typeof input.id === 'string' ? input.id.trim() : String(input.id ?? '');
      const existed = this.runtime.delete(id);
      await this.runtimeRoutes?.delete(id);
      return { ok: true, action: existed ? 'removed' : 'not-found', id };
    }
    const widthM = input.widthM ?? this.route(String(input.id ?? '').trim())?.widthM;
    const checked = checkRoute({ ...input, widthM });
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const active = this.build(checked.value);
    this.runtime.set(active.id, active);
    await this.runtimeRoutes?.set(active.id, checked.value);
    return { ok: true, action: 'set', route: active };
  }

  /** Processes one fix; `seenAt` is the server's clock when it arrived. */
  process(fix: Fix, seenAt = this.clock.now()): Promise<StepResult> {
    return this.serially(fix.vehicleId, async () => {
      const previous = await this.vehicles.get(fix.vehicleId);
      const requested = fix.routeId ?? this.defaultRouteId;
      const route = requested === undefined ? undefined : this.route(requested);
      const result = step(
        {
          settings: this.settings,
          route,
          zones: this.zones,
          ...(requested !== undefined && !route ? { unknownRoute: requested } : {}),
        },
        previous,
        fix,
        seenAt,
      );
      if (result.state && result.state !== previous) await this.vehicles.set(fix.vehicleId, result.state);
      this.noteOnRoute(fix.vehicleId, result.state?.route?.on ?? true);
      return result;
    });
  }

  /** Forgets vehicles not heard from for forgetAfterMs; resolves with their ids. */
  async forgetSilent(now = this.clock.now()): Promise<string[]> {
    if (!(this.forgetAfterMs > 0)) return [];
    const forgotten: string[] = [];
    for (const id of await this.vehicles.ids()) {
      await this.serially(id, async () => {
        const state = await this.vehicles.get(id);
        if (state && now - state.seen >= this.forgetAfterMs) {
          await this.vehicles.delete(id);
          this.noteOnRoute(id, undefined);
          forgotten.push(id);
        }
      });
    }
    return forgotten;
  }

  /** Forgets one vehicle, or every vehicle. */
  async reset(vehicleId?: string): Promise<number> {
    const ids = vehicleId === undefined ? await this.vehicles.ids() : [vehicleId];
    let count = 0;
    for (const id of ids) {
      await this.serially(id, async () => {
        if (await this.vehicles.get(id)) count++;
        await this.vehicles.delete(id);
        this.noteOnRoute(id, undefined);
      });
    }
    return count;
  }

  /** Resolves when the work queued so far (fixes and a running sweep) has finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.queues.values(), this.sweeping]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.idle();
  }

  /** Records whether a vehicle is on its route (undefined: forgotten), keeping the count off route. */
  private noteOnRoute(id: string, on: boolean | undefined): void {
    const before = this.onRoute.get(id);
    if (before === false) this.offRouteCount--;
    if (on === undefined) this.onRoute.delete(id);
    else this.onRoute.set(id, on);
    if (on === false) this.offRouteCount++;
  }

  private build(config: RouteConfig): ActiveRoute {
    return {
      id: config.id,
      name: config.name || config.id,
      widthM: config.widthM,
      route: new Route(this.libs, config.coords),
    };
  }

  private scheduleSweep(): void {
    if (this.closed || !(this.forgetAfterMs > 0)) return;
    const interval = Math.max(1_000, Math.min(this.forgetAfterMs, 60_000));
    this.sweepTimer = this.clock.setTimer(() => {
      this.sweeping = this.forgetSilent().then(
        () => this.scheduleSweep(),
        (err: unknown) => {
          this.onError(err);
          this.scheduleSweep();
        },
      );
    }, interval);
  }

  private serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key);
    const result = previous ? previous.then(work, work) : work();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, tail);
    tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return result;
  }
}
