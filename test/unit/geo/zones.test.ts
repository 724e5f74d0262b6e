import assert from 'node:assert/strict';
import { type GeoLibs, loadGeoLibs } from '../../../nodes/core/geo/geo-libs';
import { Zone, ZoneSet } from '../../../nodes/core/geo/zones';
import { HK, offset, pathFrom } from './support/geo-fixtures';

describe('geo: zones', () => {
  let libs: GeoLibs;
  before(async () => {
    libs = await loadGeoLibs();
  });

  it('measures a circle from its edge: negative inside, positive outside', () => {
    const zone = new Zone(libs, { id: 'store', shape: { type: 'circle', center: HK.mongKok, radiusM: 80 } });
    const ruler = new libs.CheapRuler(HK.mongKok[1], 'meters');
    const cases: [number, number][] = [
      [0, -80],
      [50, -30],
      [80, 0],
      [130, 50],
    ];
    for (const [east, expected] of cases) {
      const p = offset(ruler, HK.mongKok, east, 0);
      assert.ok(Math.abs(zone.signedDistance(p[0], p[1]) - expected) < 0.01, `${east} m east`);
      const q = offset(ruler, HK.mongKok, 0, -east);
      assert.ok(Math.abs(zone.signedDistance(q[0], q[1]) - expected) < 0.01, `${east} m south`);
    }
  });

  it('measures a polygon to its nearest edge, not its centre, and honours holes', () => {
    // a long thin restricted street: 400 m by 20 m, with a 10 m by 10 m hole in the middle
    const outer = pathFrom(libs, HK.tsimShaTsui, [
      [0, 0],
      [400, 0],
      [400, 20],
      [0, 20],
      [0, 0],
    ]);
    const hole = pathFrom(libs, HK.tsimShaTsui, [
      [195, 5],
      [205, 5],
      [205, 15],
      [195, 15],
      [195, 5],
    ]);
    const zone = new Zone(libs, { id: 'street', shape: { type: 'polygon', rings: [outer, hole] } });
    const ruler = new libs.CheapRuler(HK.tsimShaTsui[1], 'meters');
    const at = (e: number, n: number) => {
      const p = offset(ruler, HK.tsimShaTsui, e, n);
      return zone.signedDistance(p[0], p[1]);
    };
    assert.ok(Math.abs(at(10, 10) - -10) < 0.05, 'inside near the west end: 10 m from the nearest edge');
    assert.ok(Math.abs(at(100, 25) - 5) < 0.05, '5 m north of the street');
    assert.ok(Math.abs(at(-30, 10) - 30) < 0.05, '30 m west of the end');
    assert.ok(at(200, 10) > 0, 'inside the hole is outside the zone');
    assert.ok(Math.abs(at(200, 10) - 5) < 0.05);
  });

  it('finds only the zones near a position', () => {
    const ruler = new libs.CheapRuler(HK.mongKok[1], 'meters');
    const set = new ZoneSet(
      libs,
      [
        { id: 'a', shape: { type: 'circle', center: HK.mongKok, radiusM: 50 } },
        { id: 'b', shape: { type: 'circle', center: HK.shaTin, radiusM: 50 } },
      ],
      10,
    );
    const near = offset(ruler, HK.mongKok, 55, 0);
    assert.deepEqual(
      set.near(near[0], near[1]).map((z) => z.id),
      ['a'],
    );
    const far = offset(ruler, HK.mongKok, 500, 0);
    assert.deepEqual(set.near(far[0], far[1]), []);
    assert.deepEqual(new ZoneSet(libs, [], 10).near(HK.mongKok[0], HK.mongKok[1]), []);
  });
});
