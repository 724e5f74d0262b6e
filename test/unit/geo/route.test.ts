import assert from 'node:assert/strict';
import { lineString, point } from '@turf/helpers';
import pointToLineDistance from '@turf/point-to-line-distance';
import { type GeoLibs, loadGeoLibs } from '../../../nodes/core/geo/geo-libs';
import { type LngLat, roughKm } from '../../../nodes/core/geo/parse';
import { Route } from '../../../nodes/core/geo/route';
import { cityRoute, HK, offset, pathFrom, seeded } from './support/geo-fixtures';

/** The great-circle reference: Turf's point-to-line distance in metres. */
const turfDistance = (p: LngLat, line: LngLat[]) =>
  pointToLineDistance(point(p), lineString(line), { units: 'meters' });

/** Within 1 m or 0.5% of the reference, whichever is larger. */
function assertClose(actual: number, reference: number, what: string) {
  const tolerance = Math.max(1, reference * 0.005);
  assert.ok(
    Math.abs(actual - reference) <= tolerance,
    `${what}: ${actual.toFixed(2)} m vs reference ${reference.toFixed(2)} m (tolerance ${tolerance.toFixed(2)})`,
  );
}

describe('geo: route geometry', () => {
  let libs: GeoLibs;
  before(async () => {
    libs = await loadGeoLibs();
  });

  describe('known distances on Hong Kong coordinates', () => {
    it('measures the length of Nathan Road (Tsim Sha Tsui to Mong Kok) like the great circle', () => {
      const route = new Route(libs, [HK.tsimShaTsui, HK.mongKok]);
      const greatCircle = roughKm(HK.tsimShaTsui, HK.mongKok) * 1000;
      assertClose(route.lengthM, greatCircle, 'length');
      assert.ok(route.lengthM > 2700 && route.lengthM < 2760, `${route.lengthM}`);
    });

    const line: LngLat[] = [HK.central, HK.causewayBay, HK.mongKok, HK.shaTin];
    const cases: [string, LngLat][] = [
      ['on the line (Central pier)', HK.central],
      ['Tsim Sha Tsui, across the harbour', HK.tsimShaTsui],
      ['Wan Chai', [114.1733, 22.2776]],
      ['The Peak', [114.1497, 22.2711]],
      ['Kowloon Tong', [114.1767, 22.3367]],
      ['Tai Wai', [114.1786, 22.3726]],
      ['Lantau (far off)', [113.9441, 22.254]],
      ['Sai Kung (far off)', [114.2714, 22.3814]],
      ['just past the end at Sha Tin', [114.1905, 22.3851]],
    ];
    for (const [name, p] of cases) {
      it(`point-to-route distance from ${name} is within 1 m or 0.5% of Turf`, () => {
        const route = new Route(libs, line);
        assertClose(route.nearest(p[0], p[1]).distanceM, turfDistance(p, line), name);
      });
    }

    it('puts a point 100 m east of a north-south street 100 m off (± 0.5%)', () => {
      const [start, end] = [
        HK.tsimShaTsui,
        offset(new libs.CheapRuler(22.3, 'meters'), HK.tsimShaTsui, 0, 2000),
      ];
      const route = new Route(libs, [start, end]);
      const p = offset(new libs.CheapRuler(22.3, 'meters'), start, 100, 1000);
      const match = route.nearest(p[0], p[1]);
      assertClose(match.distanceM, 100, 'offset');
      assertClose(match.alongM, 1000, 'along');
      assertClose(match.distanceM, turfDistance(p, [start, end]), 'turf');
    });
  });

  describe('on a 10,000-vertex route', () => {
    let coords: LngLat[];
    let route: Route;
    before(() => {
      coords = cityRoute(libs, 10_000, 7);
      route = new Route(libs, coords);
    });

    it('knows its vertex count and length', () => {
      assert.equal(route.vertexCount, 10_000);
      const ruler = new libs.CheapRuler(coords[0]?.[1] ?? 22.3, 'meters');
      assertClose(route.lengthM, ruler.lineDistance(coords), 'length');
      assert.ok(route.lengthM > 40_000, `${route.lengthM}`);
    });

    it('finds the nearest segment that a full scan finds, for 2,000 random points', () => {
      const random = seeded(3);
      const [west, south, east, north] = route.bbox;
      for (let k = 0; k < 2000; k++) {
        const lng = west - 0.01 + random() * (east - west + 0.02);
        const lat = south - 0.01 + random() * (north - south + 0.02);
        const ruler = new libs.CheapRuler(lat, 'meters');
        let best = Number.POSITIVE_INFINITY;
        for (let i = 0; i < coords.length - 1; i++) {
          best = Math.min(
            best,
            ruler.pointToSegmentDistance([lng, lat], coords[i] as LngLat, coords[i + 1] as LngLat),
          );
        }
        const found = route.nearest(lng, lat).distanceM;
        // the index may only differ by the scale factors it caches per 0.01° of latitude (~1e-5)
        assert.ok(Math.abs(found - best) <= 1e-3 + 1e-4 * best, `point ${k}: ${found} vs ${best}`);
      }
    });

    it('agrees with Turf within 1 m or 0.5% (20 points, near and far)', function () {
      this.timeout(120_000);
      const random = seeded(11);
      for (let k = 0; k < 20; k++) {
        const base = coords[Math.floor(random() * coords.length)] as LngLat;
        const ruler = new libs.CheapRuler(base[1], 'meters');
        const away = k < 10 ? random() * 200 : 500 + random() * 3000;
        const p = offset(ruler, base, (random() - 0.5) * 2 * away, (random() - 0.5) * 2 * away);
        assertClose(route.nearest(p[0], p[1]).distanceM, turfDistance(p, coords), `point ${k}`);
      }
    });

    it('returns the nearest point on the route and its distance along it', () => {
      const i = 5000;
      const vertex = coords[i] as LngLat;
      const match = route.nearest(vertex[0], vertex[1]);
      assert.ok(match.distanceM < 1e-6);
      const ruler = new libs.CheapRuler(vertex[1], 'meters');
      assertClose(match.alongM, ruler.lineDistance(coords.slice(0, i + 1)), 'along');
      const back = route.pointAt(match.alongM);
      assert.ok(ruler.distance(back, vertex) < 0.01);
    });
  });

  describe('routes that pass the same place twice', () => {
    it('reports every pass within reach, in route order', () => {
      // out along a street and back along the same street
      const coords = pathFrom(libs, HK.mongKok, [
        [0, 0],
        [0, 500],
        [0, 1000],
        [0, 500],
        [0, 0],
      ]);
      const route = new Route(libs, coords);
      const ruler = new libs.CheapRuler(HK.mongKok[1], 'meters');
      const p = offset(ruler, HK.mongKok, 8, 250);
      const passes = route.within(p[0], p[1], 30);
      assert.deepEqual(
        passes.map((m) => m.segment),
        [0, 3],
      );
      assertClose(passes[0]?.alongM ?? 0, 250, 'first pass');
      assertClose(passes[1]?.alongM ?? 0, 1750, 'second pass');
      assert.equal(route.within(p[0], p[1], 5).length, 0);
    });

    it('counts a run of short segments in reach as one pass, and the two legs of a street as two', () => {
      const street = pathFrom(
        libs,
        HK.mongKok,
        Array.from({ length: 101 }, (_, i) => [0, i * 5] as [number, number]),
      );
      const ruler = new libs.CheapRuler(HK.mongKok[1], 'meters');
      const p = offset(ruler, HK.mongKok, 10, 250);
      const once = new Route(libs, street).within(p[0], p[1], 30);
      assert.equal(once.length, 1);
      assert.ok(Math.abs((once[0]?.alongM ?? 0) - 250) < 0.01);
      assert.ok(Math.abs((once[0]?.distanceM ?? 0) - 10) < 0.01);
      const twice = new Route(libs, [...street, ...street.slice(0, -1).reverse()]).within(p[0], p[1], 30);
      assert.deepEqual(
        twice.map((m) => Math.round(m.alongM)),
        [250, 750],
      );
    });

    it('gives bearings clockwise from north', () => {
      const coords = pathFrom(libs, HK.mongKok, [
        [0, 0],
        [0, 100],
        [100, 100],
        [100, 0],
        [0, 0],
      ]);
      const route = new Route(libs, coords);
      assert.deepEqual(
        [0, 1, 2, 3].map((s) => Math.round(route.bearing(s))),
        [0, 90, 180, 270],
      );
    });

    it('fingerprints geometry, not metadata', () => {
      const a = new Route(libs, [HK.tsimShaTsui, HK.mongKok]);
      const b = new Route(libs, [HK.tsimShaTsui, HK.mongKok]);
      const c = new Route(libs, [HK.tsimShaTsui, HK.shaTin]);
      assert.equal(a.fingerprint, b.fingerprint);
      assert.notEqual(a.fingerprint, c.fingerprint);
    });

    it('refuses a route of fewer than two points', () => {
      assert.throws(() => new Route(libs, [HK.mongKok]), /at least two points/);
    });
  });
});
