// The tracker driven by synthetic GPS traces on Hong Kong streets: noise that must never alert, departures that
// must alert within two fixes, returns reported once, and the progress rules (revisited streets, wrong way,
// skipped sections).
import assert from 'node:assert/strict';
import type { Fix } from '../../../nodes/core/geo/fix';
import { isoAt } from '../../../nodes/core/geo/format';
import { type GeoLibs, loadGeoLibs } from '../../../nodes/core/geo/geo-libs';
import { Geofence } from '../../../nodes/core/geo/geofence';
import type { LngLat } from '../../../nodes/core/geo/parse';
import { Route } from '../../../nodes/core/geo/route';
import { MemoryStateStore } from '../../../nodes/core/geo/state-store';
import {
  type BackOnRouteEvent,
  type DeviationEvent,
  defaultTrackerSettings,
  type FixReport,
  type GeofenceEvent,
  type SectionSkippedEvent,
  type TrackerSettings,
  type VehicleState,
  type WrongDirectionEvent,
  type ZoneEvent,
} from '../../../nodes/core/geo/tracker';
import type { ZoneDef } from '../../../nodes/core/geo/zones';
import { fixAt, HK, jitter, offset, pathFrom, sampleAlong, T0 } from './support/geo-fixtures';

interface Drive {
  events: { index: number; event: GeofenceEvent }[];
  reports: FixReport[];
}

/** Feeds positions (one every `everyS` seconds) through the geofence and records what came out per fix. */
async function drive(
  geofence: Geofence,
  points: readonly LngLat[],
  options: { vehicleId?: string; everyS?: number; startS?: number; extra?: (i: number) => Partial<Fix> } = {},
): Promise<Drive> {
  const out: Drive = { events: [], reports: [] };
  const everyS = options.everyS ?? 5;
  for (let i = 0; i < points.length; i++) {
    const fix = fixAt(
      options.vehicleId ?? 'VAN-1',
      points[i] as LngLat,
      (options.startS ?? 0) + i * everyS,
      options.extra?.(i),
    );
    const result = await geofence.process(fix);
    out.reports.push(result.report);
    for (const event of result.events) out.events.push({ index: i, event });
  }
  return out;
}

const types = (d: Drive) => d.events.map((e) => e.event.event);

describe('geo: tracking vehicles along a route', () => {
  let libs: GeoLibs;
  let ruler: InstanceType<GeoLibs['CheapRuler']>;
  /** Nathan Road, due north 3 km from Tsim Sha Tsui (a 60 m corridor: 30 m either side). */
  let straight: LngLat[];
  const at = (east: number, north: number) => offset(ruler, HK.tsimShaTsui, east, north);

  function geofence(
    settings: Partial<TrackerSettings> = {},
    extra: { coords?: LngLat[]; widthM?: number; zones?: ZoneDef[] } = {},
  ) {
    return new Geofence({
      libs,
      settings: { ...defaultTrackerSettings, ...settings },
      routes: [
        { id: 'R1', name: 'Nathan Road', widthM: extra.widthM ?? 60, coords: extra.coords ?? straight },
      ],
      defaultRouteId: 'R1',
      zones: extra.zones ?? [],
      vehicles: new MemoryStateStore<VehicleState>(),
      forgetAfterMs: 0,
    });
  }

  before(async () => {
    libs = await loadGeoLibs();
    ruler = new libs.CheapRuler(HK.tsimShaTsui[1], 'meters');
    straight = pathFrom(libs, HK.tsimShaTsui, [
      [0, 0],
      [0, 1000],
      [0, 2000],
      [0, 3000],
    ]);
  });

  describe('noise', () => {
    it('never alerts on jitter inside the corridor (20 seeded traces, sigma 10 m, up to the edge)', async () => {
      for (let seed = 1; seed <= 20; seed++) {
        const points = sampleAlong(libs, straight, 40, jitter(seed, 10, 29.9));
        const result = await drive(geofence(), points);
        assert.deepEqual(types(result), [], `seed ${seed}`);
        assert.ok(result.reports.every((r) => r.route?.onRoute && r.route.inCorridor));
      }
    });

    it('never alerts on isolated multipath spikes, nor on fixes with poor accuracy', async () => {
      const points = sampleAlong(libs, straight, 40, jitter(5, 5, 25));
      const noisy = points.map((p, i) =>
        i % 10 === 5 ? offset(ruler, p, 150, 0) : i % 10 === 8 ? offset(ruler, p, -400, 0) : p,
      );
      const result = await drive(geofence(), noisy, {
        extra: (i) => (i % 10 === 8 ? { accuracy: 120 } : { accuracy: 8 }),
      });
      assert.deepEqual(types(result), []);
      const ignored = result.reports.filter((r) => r.ignored === 'inaccurate');
      assert.equal(ignored.length, Math.floor((points.length - 9) / 10) + 1);
    });
  });

  describe('leaving and coming back', () => {
    /** 1 km up Nathan Road, 500 m east along a side street, then back and on north. */
    function departureTrace(seed: number): { points: LngLat[]; firstOutside: number } {
      const noise = jitter(seed, 5, 12);
      const along = sampleAlong(libs, [at(0, 0), at(0, 1000)], 40, noise);
      const out = sampleAlong(libs, [at(0, 1000), at(500, 1000)], 40, noise).slice(1);
      const back = sampleAlong(libs, [at(500, 1000), at(0, 1000), at(0, 2000)], 40, noise).slice(1);
      const points = [...along, ...out, ...back];
      const firstOutside = points.findIndex(
        (p) => Math.abs(ruler.distance(p, [HK.tsimShaTsui[0], p[1]])) > 30,
      );
      return { points, firstOutside };
    }

    it('alerts a real departure within two fixes, with the details a message needs', async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const { points, firstOutside } = departureTrace(seed);
        const result = await drive(geofence(), points);
        const deviation = result.events.find((e) => e.event.event === 'deviation');
        assert.ok(deviation, `seed ${seed}: no deviation`);
        assert.ok(
          deviation.index - firstOutside <= 1,
          `seed ${seed}: alerted at fix ${deviation.index}, left at ${firstOutside}`,
        );
        const event = deviation.event as DeviationEvent;
        assert.equal(event.vehicleId, 'VAN-1');
        assert.equal(event.routeId, 'R1');
        assert.equal(event.routeName, 'Nathan Road');
        assert.equal(event.corridorM, 60);
        assert.equal(event.fixes, deviation.index - firstOutside + 1);
        assert.ok(Number.isInteger(event.distanceM) && event.distanceM > 30);
        assert.ok(Math.abs(event.progressM - 1000) < 40, `left at ${event.progressM}`);
        assert.equal(event.routeLengthM, 3000);
        assert.ok(Math.abs(event.progressPct - 33.3) < 1.5);
        assert.ok(Math.abs(event.nearest.lng - HK.tsimShaTsui[0]) < 1e-6, 'nearest point is on the road');
        assert.equal(event.offRouteSince, isoAt(T0 + firstOutside * 5000, 480));
        assert.match(event.offRouteSince, /^2026-11-20T08:\d\d:\d\d\+08:00$/);
        assert.equal(event.offRouteS, (deviation.index - firstOutside) * 5);
        assert.match(event.recordedAt, /\+08:00$/);
      }
    });

    it('reports back-on-route once when the vehicle returns, then stays quiet', async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const { points } = departureTrace(seed);
        const result = await drive(geofence(), points);
        assert.deepEqual(types(result), ['deviation', 'back-on-route'], `seed ${seed}`);
        const back = result.events[1]?.event as BackOnRouteEvent;
        assert.ok(back.maxDistanceM > 450 && back.maxDistanceM < 520, `max ${back.maxDistanceM}`);
        assert.ok(Math.abs(back.leftAtM - 1000) < 40);
        assert.ok(Math.abs(back.rejoinedAtM - 1000) < 90, `rejoined at ${back.rejoinedAtM}`);
        assert.ok(back.skippedM < 90, `skipped ${back.skippedM}`);
        assert.ok(back.offRouteS > 60);
        assert.equal(result.reports.at(-1)?.route?.onRoute, true);
      }
    });

    it('reports a section skipped when the vehicle rejoins further on', async () => {
      // leaves at 1 km, runs up a parallel street 200 m east, rejoins at 2.2 km
      const points = [
        ...sampleAlong(libs, [at(0, 0), at(0, 1000)], 50),
        ...sampleAlong(libs, [at(0, 1000), at(200, 1000), at(200, 2200), at(0, 2200), at(0, 3000)], 50).slice(
          1,
        ),
      ];
      const result = await drive(geofence(), points);
      assert.deepEqual(types(result), ['deviation', 'back-on-route', 'section-skipped']);
      const skipped = result.events[2]?.event as SectionSkippedEvent;
      assert.equal(skipped.viaDetour, true);
      assert.equal(skipped.fromM, 1000);
      assert.equal(skipped.toM, 2200, 'progress at the first fix back on the route');
      assert.equal(skipped.skippedM, skipped.toM - skipped.fromM);
    });

    it('alerts on time outside when fewer fixes than N arrive (N = 5, T = 30 s)', async () => {
      const points = [at(0, 0), at(0, 100), at(100, 150), at(150, 200), at(200, 250)];
      const result = await drive(geofence({ confirmFixes: 5, confirmMs: 30_000 }), points, { everyS: 20 });
      const deviation = result.events.find((e) => e.event.event === 'deviation');
      assert.ok(deviation);
      assert.equal(deviation.index, 4, 'the third fix outside, 40 s after the first');
      assert.equal((deviation.event as DeviationEvent).offRouteS, 40);
      assert.equal((deviation.event as DeviationEvent).fixes, 3);
    });

    it('with T = 0 counts fixes only', async () => {
      const points = [at(0, 0), at(100, 100), at(100, 5000)];
      const result = await drive(geofence({ confirmFixes: 3, confirmMs: 0 }), points, { everyS: 600 });
      assert.deepEqual(types(result), []);
    });

    it('does not flap on the corridor edge (leave at 30 m, come back only inside 20 m)', async () => {
      // two fixes at 35 m: deviation; then fixes at 25 m (between the bands): still off; then 15 m: back (and
      // the 600 m driven alongside, outside the corridor, count as skipped)
      const points = [
        at(0, 0),
        at(35, 100),
        at(35, 200),
        at(25, 300),
        at(25, 400),
        at(25, 500),
        at(15, 600),
        at(15, 700),
      ];
      const result = await drive(geofence(), points);
      assert.deepEqual(
        result.events.map((e) => [e.index, e.event.event]),
        [
          [2, 'deviation'],
          [7, 'back-on-route'],
          [7, 'section-skipped'],
        ],
      );
    });

    it('keeps a van exactly on the corridor edge on its route, and alerts a hair beyond it', async () => {
      // the corridor is made exactly twice the van's distance, so "on the edge" is exact in floating point
      const edge = at(30, 500);
      const { nearest } = new Route(libs, straight).locate(edge[0], edge[1], 100);
      const widthM = nearest.distanceM * 2;
      const onEdge = await drive(geofence({}, { widthM }), [at(0, 0), edge, edge, edge]);
      assert.deepEqual(types(onEdge), []);
      assert.ok(onEdge.reports.every((r) => r.route?.onRoute));
      const beyond = await drive(geofence({}, { widthM: widthM - 0.02 }), [at(0, 0), edge, edge, edge]);
      assert.deepEqual(types(beyond), ['deviation']);
    });

    it('alerts a vehicle that starts off its route', async () => {
      const result = await drive(geofence(), [at(400, 0), at(400, 50)]);
      assert.deepEqual(types(result), ['deviation']);
    });
  });

  describe('ordering and duplicates', () => {
    it('ignores repeats and late (older) fixes without counting them', async () => {
      const g = geofence();
      const first = await g.process(fixAt('VAN-1', at(0, 0), 0));
      assert.equal(first.report.accepted, true);
      const outside = await g.process(fixAt('VAN-1', at(200, 100), 10));
      assert.deepEqual(outside.events, []);
      const repeat = await g.process(fixAt('VAN-1', at(200, 100), 10));
      assert.equal(repeat.report.ignored, 'duplicate');
      const late = await g.process(fixAt('VAN-1', at(200, 90), 5));
      assert.equal(late.report.ignored, 'out-of-order');
      assert.deepEqual([...repeat.events, ...late.events], []);
      const second = await g.process(fixAt('VAN-1', at(200, 150), 15));
      assert.deepEqual(
        second.events.map((e) => [e.event, (e as DeviationEvent).fixes]),
        [['deviation', 2]],
      );
    });

    it('keeps vehicles apart', async () => {
      const g = geofence();
      await g.process(fixAt('VAN-1', at(200, 0), 0));
      const other = await g.process(fixAt('VAN-2', at(200, 0), 5));
      assert.deepEqual(other.events, []);
      const again = await g.process(fixAt('VAN-1', at(200, 50), 10));
      assert.deepEqual(
        again.events.map((e) => e.vehicleId),
        ['VAN-1'],
      );
    });
  });

  describe('progress along the route', () => {
    it('follows an out-and-back street without snapping to the other pass', async () => {
      const outAndBack = pathFrom(libs, HK.mongKok, [
        [0, 0],
        [0, 1000],
        [0, 0],
      ]);
      const points = sampleAlong(libs, outAndBack, 40, jitter(3, 6, 20));
      const result = await drive(geofence({}, { coords: outAndBack }), points);
      assert.deepEqual(types(result), []);
      const progress = result.reports.map((r) => r.route?.progressM ?? 0);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(
          (progress[i] as number) >= (progress[i - 1] as number) - 25,
          `fix ${i}: ${progress[i - 1]} → ${progress[i]}`,
        );
      }
      assert.ok((progress.at(-1) as number) > 1950, `ended at ${progress.at(-1)}`);
    });

    it('continues into the second lap of a route that circles a block twice', async () => {
      const block: [number, number][] = [
        [0, 0],
        [300, 0],
        [300, 300],
        [0, 300],
      ];
      const twice = pathFrom(libs, HK.mongKok, [...block, ...block, [0, 0]]);
      const points = sampleAlong(libs, twice, 30, jitter(4, 4, 15));
      const result = await drive(geofence({}, { coords: twice }), points);
      assert.deepEqual(types(result), []);
      assert.ok((result.reports.at(-1)?.route?.progressM ?? 0) > 2350);
      assert.ok((result.reports.at(-1)?.route?.progressPct ?? 0) >= 99);
    });

    it('reports driving the route backwards once', async () => {
      const points = [
        ...sampleAlong(libs, [at(0, 0), at(0, 800)], 40),
        ...sampleAlong(libs, [at(0, 800), at(0, 400)], 40).slice(1),
      ];
      const result = await drive(geofence(), points);
      assert.deepEqual(types(result), ['wrong-direction']);
      const event = result.events[0] as { index: number; event: WrongDirectionEvent };
      assert.equal(event.index, 20 + 3, 'reported once 100 m back from the furthest point');
      assert.equal(event.event.reversedM, 120);
      assert.equal(event.event.progressM, 680);
    });

    it('reports cutting across to a later part of the route inside the corridor', async () => {
      // a hairpin: north 1 km, east 100 m, south 1 km; the van cuts across after 300 m
      const hairpin = pathFrom(libs, HK.tsimShaTsui, [
        [0, 0],
        [0, 1000],
        [100, 1000],
        [100, 0],
      ]);
      const points = [
        ...sampleAlong(libs, [at(0, 0), at(0, 300)], 50),
        at(50, 300),
        ...sampleAlong(libs, [at(100, 300), at(100, 0)], 50),
      ];
      const result = await drive(geofence({}, { coords: hairpin }), points);
      assert.deepEqual(types(result), ['section-skipped']);
      const event = result.events[0]?.event as SectionSkippedEvent;
      assert.equal(event.viaDetour, false);
      assert.equal(event.fromM, 300);
      assert.equal(event.toM, 1800);
      assert.equal(event.skippedM, 1500);
    });

    it('starts progress again when the route is replaced by a different one', async () => {
      const g = geofence();
      await drive(g, sampleAlong(libs, [at(0, 0), at(0, 1000)], 100));
      const update = await g.updateRoute({ id: 'R1', geometry: [at(0, 1000), at(0, 3000)] });
      assert.ok(update.ok);
      const next = await g.process(fixAt('VAN-1', at(0, 1100), 200));
      assert.equal(next.report.route?.progressM, 100);
      assert.deepEqual(next.events, []);
    });

    it('uses the route the fix names, and says when it names an unknown one', async () => {
      const g = geofence();
      const update = await g.updateRoute({ id: 'R2', widthM: 40, geometry: [at(500, 0), at(500, 1000)] });
      assert.ok(update.ok);
      const onR2 = await drive(g, [at(500, 0), at(500, 100)], { extra: () => ({ routeId: 'R2' }) });
      assert.deepEqual(types(onR2), []);
      assert.equal(onR2.reports[0]?.routeId, 'R2');
      const unknown = await g.process(fixAt('VAN-9', at(0, 0), 0, { routeId: 'R404' }));
      assert.equal(unknown.report.unknownRoute, 'R404');
      assert.equal(unknown.report.route, undefined);
    });
  });

  describe('zones', () => {
    const depotAt = (): ZoneDef => ({
      id: 'depot',
      name: 'Mong Kok depot',
      shape: { type: 'circle', center: at(0, 1500), radiusM: 80 },
    });

    it('reports entering and leaving a circle once each, with how long the vehicle was inside', async () => {
      const points = sampleAlong(libs, straight, 40);
      const result = await drive(geofence({}, { zones: [depotAt()] }), points);
      assert.deepEqual(types(result), ['zone-enter', 'zone-exit']);
      const [enter, exit] = result.events.map((e) => e.event as ZoneEvent);
      assert.equal(enter?.zoneId, 'depot');
      assert.equal(enter?.zoneName, 'Mong Kok depot');
      assert.equal(enter?.zoneType, 'circle');
      // inside from 1440 m (fix 36) to 1560 m; leaves for good beyond 1590 m (fix 40 at 1600 m)
      assert.equal(result.events[0]?.index, 37);
      assert.equal(result.events[1]?.index, 41);
      assert.equal(exit?.insideS, 20);
      assert.equal(exit?.enteredAt, enter?.enteredAt);
    });

    it('does not flap when a parked vehicle jitters across the boundary', async () => {
      const center = at(0, 1500);
      const arriving = [
        offset(ruler, center, 0, 60),
        offset(ruler, center, 5, 60),
        offset(ruler, center, 0, 62),
      ];
      const parked = Array.from({ length: 40 }, (_, i) => offset(ruler, center, 0, i % 2 === 0 ? 75 : 85));
      const points = [...arriving, ...parked];
      const result = await drive(geofence({}, { zones: [depotAt()] }), points);
      assert.deepEqual(types(result), ['zone-enter']);
      assert.deepEqual(result.reports.at(-1)?.zones, ['depot']);
    });

    it('leaves a zone only beyond the hysteresis margin (80 m circle, 10 m margin)', async () => {
      const center = at(0, 1500);
      const inside = [offset(ruler, center, 0, 40), offset(ruler, center, 0, 45)];
      // parked 5 m outside the circle, within the margin: still inside, however many fixes
      const nearEdge = Array.from({ length: 6 }, () => offset(ruler, center, 0, 85));
      const gone = [offset(ruler, center, 0, 95), offset(ruler, center, 0, 96)];
      const stayed = await drive(geofence({}, { zones: [depotAt()] }), [...inside, ...nearEdge]);
      assert.deepEqual(types(stayed), ['zone-enter']);
      assert.deepEqual(stayed.reports.at(-1)?.zones, ['depot']);
      const left = await drive(geofence({}, { zones: [depotAt()] }), [...inside, ...nearEdge, ...gone]);
      assert.deepEqual(
        left.events.map((e) => [e.index, e.event.event]),
        [
          [1, 'zone-enter'],
          [9, 'zone-exit'],
        ],
      );
    });

    it('reports polygon zones (a restricted street) by their edges', async () => {
      const street: ZoneDef = {
        id: 'no-trucks',
        shape: {
          type: 'polygon',
          rings: [
            pathFrom(libs, HK.tsimShaTsui, [
              [-20, 2000],
              [20, 2000],
              [20, 2400],
              [-20, 2400],
              [-20, 2000],
            ]),
          ],
        },
      };
      const result = await drive(geofence({}, { zones: [street] }), sampleAlong(libs, straight, 50));
      assert.deepEqual(
        result.events.map((e) => [e.index, e.event.event]),
        [
          [41, 'zone-enter'],
          [50, 'zone-exit'],
        ],
      );
    });
  });

  it('keeps the state plain JSON', async () => {
    const store = new MemoryStateStore<VehicleState>();
    const g = new Geofence({
      libs,
      settings: defaultTrackerSettings,
      routes: [{ id: 'R1', name: 'R1', widthM: 60, coords: straight }],
      defaultRouteId: 'R1',
      zones: [{ id: 'z', shape: { type: 'circle', center: at(0, 0), radiusM: 50 } }],
      vehicles: store,
      forgetAfterMs: 0,
    });
    await drive(g, [at(0, 0), at(0, 10), at(300, 100), at(300, 200)]);
    const state = await store.get('VAN-1');
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  });
});
