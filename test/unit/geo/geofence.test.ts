// The engine around the tracker: per-vehicle ordering over an asynchronous store, routes set at runtime, state
// that survives a restart through a persistent (JSON) context store, forgetting silent vehicles on a clock.
import assert from 'node:assert/strict';
import { type GeoLibs, loadGeoLibs } from '../../../nodes/core/geo/geo-libs';
import { Geofence, type RouteConfig } from '../../../nodes/core/geo/geofence';
import type { LngLat } from '../../../nodes/core/geo/parse';
import {
  ContextStateStore,
  decodeKey,
  encodeKey,
  MemoryStateStore,
  type StateStore,
} from '../../../nodes/core/geo/state-store';
import { defaultTrackerSettings, type VehicleState } from '../../../nodes/core/geo/tracker';
import type { Clock } from '../../../nodes/core/kernel/clock';
import type { CallbackContext } from '../../../nodes/core/kernel/context';
import { ManualClock } from '../../support/manual-clock';
import { fixAt, HK, pathFrom, sampleAlong, T0 } from './support/geo-fixtures';

/**
 * A context store that behaves like a persistent one: values are written as JSON (so nothing is shared by
 * reference), callbacks come later (on the next turn of the event loop), and a "restart" keeps the data.
 */
class JsonContext implements CallbackContext {
  readonly data = new Map<string, string>();
  gets = 0;
  get(key: string, _store: string | undefined, callback: (err: Error | null, value: unknown) => void): void {
    this.gets++;
    const text = this.data.get(key);
    setImmediate(() => callback(null, text === undefined ? undefined : JSON.parse(text)));
  }
  set(key: string, value: unknown, _store: string | undefined, callback: (err: Error | null) => void): void {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, JSON.stringify(value));
    setImmediate(() => callback(null));
  }
  keys(_store: string | undefined, callback: (err: Error | null, keys: string[]) => void): void {
    setImmediate(() => callback(null, [...this.data.keys()]));
  }
}

describe('geo: the geofence engine', () => {
  let libs: GeoLibs;
  let route: LngLat[];
  let at: (east: number, north: number) => LngLat;

  before(async () => {
    libs = await loadGeoLibs();
    route = pathFrom(libs, HK.tsimShaTsui, [
      [0, 0],
      [0, 3000],
    ]);
    at = (east, north) => pathFrom(libs, HK.tsimShaTsui, [[east, north]])[0] as LngLat;
  });

  function engine(
    vehicles: StateStore<VehicleState>,
    options: { runtimeRoutes?: StateStore<RouteConfig>; clock?: Clock; forgetAfterMs?: number } = {},
  ) {
    return new Geofence({
      libs,
      settings: defaultTrackerSettings,
      routes: [{ id: 'R1', name: 'Nathan Road', widthM: 60, coords: route }],
      defaultRouteId: 'R1',
      vehicles,
      forgetAfterMs: options.forgetAfterMs ?? 0,
      ...(options.runtimeRoutes ? { runtimeRoutes: options.runtimeRoutes } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  it('processes one vehicle’s fixes in order even when they arrive all at once on a slow store', async () => {
    const trace = [at(0, 0), at(0, 100), at(200, 200), at(250, 300), at(0, 250), at(0, 300)];
    const sequential = engine(new MemoryStateStore());
    const expected: string[] = [];
    for (const [i, p] of trace.entries()) {
      for (const e of (await sequential.process(fixAt('VAN-1', p, i * 5))).events) expected.push(e.event);
    }
    assert.deepEqual(expected, ['deviation', 'back-on-route']);

    const concurrent = engine(new ContextStateStore(new JsonContext(), 'vehicle_'));
    const results = await Promise.all(trace.map((p, i) => concurrent.process(fixAt('VAN-1', p, i * 5))));
    assert.deepEqual(
      results.flatMap((r) => r.events.map((e) => e.event)),
      expected,
    );
  });

  it('keeps state in a persistent context store across a restart (a pending departure completes)', async () => {
    const context = new JsonContext();
    const before = engine(new ContextStateStore(context, 'vehicle_'));
    await before.process(fixAt('VAN-1', at(0, 0), 0));
    const first = await before.process(fixAt('VAN-1', at(200, 100), 5));
    assert.deepEqual(first.events, []);
    await before.close();

    const after = engine(new ContextStateStore(context, 'vehicle_'));
    await after.start();
    const second = await after.process(fixAt('VAN-1', at(220, 150), 10));
    assert.deepEqual(
      second.events.map((e) => [e.event, 'fixes' in e ? e.fixes : undefined]),
      [['deviation', 2]],
    );
    const repeat = await after.process(fixAt('VAN-1', at(220, 150), 10));
    assert.equal(repeat.report.ignored, 'duplicate', 'the last fix time survived too');
    await after.close();
  });

  it('sets, replaces and removes routes at runtime, and restores them after a restart', async () => {
    const routes = new ContextStateStore<RouteConfig>(new JsonContext(), 'route_');
    const vehicles = new MemoryStateStore<VehicleState>();
    const g = engine(vehicles, { runtimeRoutes: routes });
    await g.start();
    const set = await g.updateRoute({
      id: 'R2',
      name: 'Kwun Tong line',
      widthM: 40,
      geometry: '22.3120, 114.2250\n22.3100, 114.2300',
    });
    assert.ok(set.ok && set.action === 'set');
    assert.equal(set.route.route.vertexCount, 2);
    assert.deepEqual(await routes.ids(), ['R2']);
    const bad = await g.updateRoute({
      id: 'R3',
      widthM: 40,
      geometry: '114.2250, 22.3120\n114.2300, 22.3100',
    });
    assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.code), ['all-swapped-latlng']);

    const restarted = engine(vehicles, { runtimeRoutes: routes });
    await restarted.start();
    assert.deepEqual(restarted.routeIds().sort(), ['R1', 'R2']);
    assert.equal(restarted.route('R2')?.name, 'Kwun Tong line');

    // a runtime route hides the configured one of the same id until it is removed; width is kept if omitted
    const override = await restarted.updateRoute({ id: 'R1', geometry: [at(0, 0), at(0, 100)] });
    assert.ok(override.ok && override.action === 'set');
    assert.equal(restarted.route('R1')?.route.vertexCount, 2);
    assert.equal(restarted.route('R1')?.widthM, 60);
    const removed = await restarted.updateRoute({ id: 'R1', remove: true });
    assert.deepEqual(removed, { ok: true, action: 'removed', id: 'R1' });
    assert.equal(Math.round(restarted.route('R1')?.route.lengthM ?? 0), 3000);
    assert.deepEqual(await restarted.updateRoute({ id: 'nope', geometry: null }), {
      ok: true,
      action: 'not-found',
      id: 'nope',
    });
  });

  it('forgets vehicles silent for longer than the limit, on its clock, and stops the clock on close', async () => {
    const clock = new ManualClock(T0);
    const vehicles = new MemoryStateStore<VehicleState>();
    const g = engine(vehicles, { clock, forgetAfterMs: 10 * 60_000 });
    /** Lets time pass a minute at a time, letting each sweep finish. */
    const pass = async (minutes: number) => {
      for (let i = 0; i < minutes; i++) {
        await clock.advance(60_000);
        await g.idle();
      }
    };
    await g.start();
    assert.equal(clock.pending, 1);
    await g.process(fixAt('VAN-1', at(0, 0), 0), clock.now());
    await pass(5);
    await g.process(fixAt('VAN-2', at(0, 0), 0), clock.now());
    assert.deepEqual(g.summary(), { vehicles: 2, offRoute: 0, routes: 1, zones: 0 });
    await pass(4);
    assert.deepEqual((await vehicles.ids()).sort(), ['VAN-1', 'VAN-2']);
    await pass(1);
    assert.deepEqual(await vehicles.ids(), ['VAN-2']);
    assert.equal(g.summary().vehicles, 1);
    await pass(5);
    assert.deepEqual(await vehicles.ids(), []);
    await g.close();
    assert.equal(clock.pending, 0);
  });

  it('counts vehicles off route for the status line, and resets vehicles on request', async () => {
    const vehicles = new MemoryStateStore<VehicleState>();
    const g = engine(vehicles);
    for (const [i, p] of sampleAlong(libs, [at(0, 0), at(300, 0)], 100).entries()) {
      await g.process(fixAt('VAN-1', p, i));
    }
    await g.process(fixAt('VAN-2', at(0, 10), 0));
    assert.deepEqual(g.summary(), { vehicles: 2, offRoute: 1, routes: 1, zones: 0 });
    assert.equal(await g.reset('VAN-1'), 1);
    assert.deepEqual(g.summary(), { vehicles: 1, offRoute: 0, routes: 1, zones: 0 });
    assert.equal(await g.reset(), 1);
    assert.deepEqual(await vehicles.ids(), []);
  });

  it('passes a store failure to the caller', async () => {
    const failing: StateStore<VehicleState> = {
      get: async () => undefined,
      set: async () => {
        throw new Error('disk full');
      },
      delete: async () => undefined,
      ids: async () => [],
    };
    await assert.rejects(engine(failing).process(fixAt('VAN-1', at(0, 0), 0)), /disk full/);
  });

  describe('context keys', () => {
    it('escapes everything a context key path would misread, reversibly', () => {
      for (const id of ['VAN-7', 'van.7', 'a[0]', 'x_y', '車隊 1', '🚚', '', '$parent.x']) {
        const key = encodeKey('vehicle_', id);
        assert.match(key, /^vehicle_[A-Za-z0-9_]*$/);
        assert.equal(decodeKey('vehicle_', key), id);
      }
      assert.equal(decodeKey('vehicle_', 'route_R1'), undefined);
    });

    it('lists only its own ids from a shared context', async () => {
      const context = new JsonContext();
      const vehicles = new ContextStateStore<{ n: number }>(context, 'vehicle_');
      const routes = new ContextStateStore<{ n: number }>(context, 'route_');
      await vehicles.set('VAN.1', { n: 1 });
      await routes.set('R1', { n: 2 });
      assert.deepEqual(await vehicles.ids(), ['VAN.1']);
      assert.deepEqual(await vehicles.get('VAN.1'), { n: 1 });
      await vehicles.delete('VAN.1');
      assert.deepEqual(await vehicles.ids(), []);
      assert.deepEqual(await routes.ids(), ['R1']);
    });
  });
});
