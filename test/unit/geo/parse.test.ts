import assert from 'node:assert/strict';
import { checkConfig, checkRoute, checkZone } from '../../../nodes/core/geo/config';
import {
  type GeoIssue,
  parsePoint,
  parsePolygonGeometry,
  parseRouteGeometry,
} from '../../../nodes/core/geo/parse';

const codes = (issues: GeoIssue[]) => issues.map((i) => i.code);

const nathanRoad = [
  [114.1722, 22.2948],
  [114.1718, 22.3001],
  [114.1712, 22.3071],
  [114.1694, 22.3193],
];

describe('geo: reading routes, zones and points', () => {
  describe('routes', () => {
    const accepted: [string, unknown][] = [
      ['a GeoJSON LineString (text)', JSON.stringify({ type: 'LineString', coordinates: nathanRoad })],
      ['a GeoJSON LineString (object)', { type: 'LineString', coordinates: nathanRoad }],
      [
        'a Feature',
        { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: nathanRoad } },
      ],
      [
        'a FeatureCollection with one line (and a point)',
        {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', geometry: { type: 'Point', coordinates: [114.17, 22.3] } },
            { type: 'Feature', geometry: { type: 'LineString', coordinates: nathanRoad } },
          ],
        },
      ],
      ['a bare [lng, lat] array', nathanRoad],
      ['3D positions', nathanRoad.map(([lng, lat]) => [lng, lat, 12.5])],
      ['"lat, lng" lines', nathanRoad.map(([lng, lat]) => `${lat}, ${lng}`).join('\n')],
      [
        'lines with spaces, brackets, comments and blank lines',
        '# Nathan Road\n(22.2948 114.1722)\n\n[22.3001,114.1718]\n22.3071 , 114.1712 # Yau Ma Tei\n22.3193\t114.1694\n',
      ],
      [
        'lines separated by semicolons',
        '22.2948,114.1722;22.3001,114.1718;22.3071,114.1712;22.3193,114.1694',
      ],
    ];
    for (const [name, input] of accepted) {
      it(`reads ${name} as [lng, lat]`, () => {
        const parsed = parseRouteGeometry(input);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.deepEqual(parsed.value, nathanRoad);
      });
    }

    it('joins the parts of a MultiLineString in order and says so', () => {
      const parsed = parseRouteGeometry({
        type: 'MultiLineString',
        coordinates: [nathanRoad.slice(0, 2), nathanRoad.slice(2)],
      });
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value, nathanRoad);
      assert.deepEqual(codes(parsed.warnings), ['parts-joined']);
    });

    it('drops repeated consecutive points with a warning', () => {
      const parsed = parseRouteGeometry([nathanRoad[0], nathanRoad[0], ...nathanRoad.slice(1)]);
      assert.ok(parsed.ok);
      assert.equal(parsed.value.length, 4);
      assert.deepEqual(parsed.warnings, [{ code: 'duplicates-removed', params: { count: 1 } }]);
    });

    it('warns about a suspiciously long jump between two points', () => {
      const parsed = parseRouteGeometry('22.2948, 114.1722\n22.3193, 114.1694\n23.3193, 114.1694');
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.warnings[0], { code: 'long-segment', params: { from: 2, to: 3, km: 111 } });
    });

    const rejected: [string, unknown, GeoIssue[]][] = [
      ['empty text', '  ', [{ code: 'empty', params: {} }]],
      ['nothing', undefined, [{ code: 'empty', params: {} }]],
      [
        'GeoJSON typed lat first (every point)',
        { type: 'LineString', coordinates: nathanRoad.map(([lng, lat]) => [lat, lng]) },
        [{ code: 'all-swapped-lnglat', params: { count: 4, first: 22.2948, second: 114.1722 } }],
      ],
      [
        'lines typed lng first (every point)',
        nathanRoad.map(([lng, lat]) => `${lng}, ${lat}`).join('\n'),
        [{ code: 'all-swapped-latlng', params: { count: 4, first: 114.1722, second: 22.2948 } }],
      ],
      [
        'one line typed lng first among good ones',
        '22.2948, 114.1722\n114.1718, 22.3001\n22.3071, 114.1712',
        [{ code: 'swapped-latlng', params: { point: 2, line: 2, lat: 114.1718, lng: 22.3001 } }],
      ],
      [
        'a latitude out of range',
        '22.2948, 114.1722\n122.3001, 114.1718',
        [
          {
            code: 'lat-out-of-range',
            params: { point: 2, line: 2, lat: 122.3001, lng: 114.1718, value: 122.3001 },
          },
        ],
      ],
      [
        'a longitude out of range',
        {
          type: 'LineString',
          coordinates: [
            [114.1722, 22.2948],
            [214.1718, 22.3001],
          ],
        },
        [
          {
            code: 'lng-out-of-range',
            params: { point: 2, line: 2, lat: 22.3001, lng: 214.1718, value: 214.1718 },
          },
        ],
      ],
      [
        'a line that is not two numbers',
        '22.2948, 114.1722\nMong Kok\n22.3193, 114.1694',
        [{ code: 'bad-line', params: { line: 2, text: 'Mong Kok' } }],
      ],
      ['one point only', '22.2948, 114.1722', [{ code: 'too-few-points', params: { count: 1 } }]],
      [
        'the same point twice',
        '22.2948, 114.1722\n22.2948, 114.1722',
        [{ code: 'too-few-points', params: { count: 1 } }],
      ],
      ['broken JSON', '{"type": "LineString", ', [{ code: 'bad-json', params: { detail: '' } }]],
      [
        'a polygon given as a route',
        { type: 'Polygon', coordinates: [nathanRoad] },
        [{ code: 'not-a-line', params: { type: 'Polygon' } }],
      ],
      [
        'a collection of two lines',
        {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', geometry: { type: 'LineString', coordinates: nathanRoad } },
            { type: 'Feature', geometry: { type: 'LineString', coordinates: nathanRoad } },
          ],
        },
        [{ code: 'need-one-line', params: { count: 2 } }],
      ],
      [
        'a position that is not numbers',
        {
          type: 'LineString',
          coordinates: [
            [114.17, 22.29],
            ['114.17', 22.3],
          ],
        },
        [{ code: 'bad-position', params: { point: 2 } }],
      ],
      ['an object that is not GeoJSON', { points: nathanRoad }, [{ code: 'not-geojson', params: {} }]],
    ];
    for (const [name, input, expected] of rejected) {
      it(`rejects ${name}, saying which`, () => {
        const parsed = parseRouteGeometry(input);
        assert.equal(parsed.ok, false);
        if (parsed.ok) return;
        if (expected[0]?.code === 'bad-json') {
          assert.deepEqual(codes(parsed.errors), ['bad-json']);
          assert.ok(String(parsed.errors[0]?.params.detail).length > 0);
        } else {
          assert.deepEqual(parsed.errors, expected);
        }
      });
    }

    it('lists the first five problems and counts the rest', () => {
      const lines = Array.from({ length: 9 }, (_, i) => `${95 + i}, 114.17`).join('\n');
      const parsed = parseRouteGeometry(lines);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.errors.length, 6);
      assert.deepEqual(parsed.errors[5], { code: 'more-problems', params: { count: 4 } });
    });
  });

  describe('zones and points', () => {
    it('reads a polygon from GeoJSON (with a hole) and closes an open ring typed as lines', () => {
      const square = [
        [114.17, 22.3],
        [114.18, 22.3],
        [114.18, 22.31],
        [114.17, 22.31],
        [114.17, 22.3],
      ];
      const hole = [
        [114.174, 22.304],
        [114.176, 22.304],
        [114.176, 22.306],
        [114.174, 22.304],
      ];
      const geo = parsePolygonGeometry({ type: 'Polygon', coordinates: [square, hole] });
      assert.ok(geo.ok);
      assert.equal(geo.value.length, 2);
      const lines = parsePolygonGeometry('22.30, 114.17\n22.30, 114.18\n22.31, 114.18\n22.31, 114.17');
      assert.ok(lines.ok);
      assert.deepEqual(lines.value[0], square);
    });

    it('rejects a polygon with fewer than three corners, or lng-first lines', () => {
      const two = parsePolygonGeometry('22.30, 114.17\n22.30, 114.18');
      assert.deepEqual(two.ok ? [] : codes(two.errors), ['polygon-too-few-points']);
      const swapped = parsePolygonGeometry('114.17, 22.30\n114.18, 22.30\n114.18, 22.31');
      assert.deepEqual(swapped.ok ? [] : codes(swapped.errors), ['all-swapped-latlng']);
    });

    it('reads a point as "lat, lng", {lat, lng}, [lng, lat] or a GeoJSON Point', () => {
      for (const input of [
        '22.3193, 114.1694',
        { lat: 22.3193, lng: 114.1694 },
        [114.1694, 22.3193],
        { type: 'Point', coordinates: [114.1694, 22.3193] },
      ]) {
        const point = parsePoint(input);
        assert.ok(point.ok, JSON.stringify(input));
        assert.deepEqual(point.value, [114.1694, 22.3193]);
      }
      const swapped = parsePoint('114.1694, 22.3193');
      assert.deepEqual(swapped.ok ? [] : codes(swapped.errors), ['swapped-latlng']);
      const two = parsePoint('22.3, 114.1\n22.4, 114.2');
      assert.deepEqual(two.ok ? [] : codes(two.errors), ['bad-point']);
    });
  });

  describe('node configuration', () => {
    it('checks a route entry: id, corridor width, geometry', () => {
      const good = checkRoute({ id: 'R1', name: 'Nathan Road', widthM: '60', geometry: nathanRoad });
      assert.ok(good.ok);
      assert.equal(good.value.widthM, 60);
      const bad = checkRoute({ id: ' ', widthM: 0, geometry: '114.17, 22.3\n114.18, 22.31' });
      assert.deepEqual(bad.ok ? [] : codes(bad.errors), ['bad-id', 'bad-width', 'all-swapped-latlng']);
    });

    it('checks zone entries of both kinds', () => {
      assert.ok(checkZone({ id: 'depot', type: 'circle', center: '22.3193, 114.1694', radiusM: 80 }).ok);
      const badCircle = checkZone({ id: 'depot', type: 'circle', center: '22.3193, 114.1694', radiusM: -1 });
      assert.deepEqual(badCircle.ok ? [] : codes(badCircle.errors), ['bad-radius']);
      const badType = checkZone({ id: 'x', type: 'hexagon' });
      assert.deepEqual(badType.ok ? [] : codes(badType.errors), ['bad-zone-type']);
    });

    it('keeps the good parts of a configuration and reports the rest', () => {
      const config = checkConfig({
        routes: [
          { id: 'R1', widthM: 60, geometry: nathanRoad },
          { id: 'R1', widthM: 60, geometry: nathanRoad },
          { id: 'R2', widthM: 60, geometry: 'nonsense' },
        ],
        zones: [{ id: 'depot', type: 'circle', center: '22.3193, 114.1694', radiusM: 80 }],
        defaultRoute: 'R1',
        confirmFixes: '3',
        confirmSeconds: 0,
        hysteresisM: -5,
      });
      assert.deepEqual(
        config.routes.map((r) => r.id),
        ['R1'],
      );
      assert.equal(config.zones.length, 1);
      assert.equal(config.defaultRouteId, 'R1');
      assert.equal(config.settings.confirmFixes, 3);
      assert.equal(config.settings.confirmMs, 0);
      assert.equal(config.settings.hysteresisM, 10, 'an invalid setting falls back to its default');
      assert.deepEqual(
        config.problems.map((p) => [p.part, p.index ?? p.id, codes(p.errors)]),
        [
          ['setting', 'hysteresisM', ['bad-setting']],
          ['route', 1, ['duplicate-id']],
          ['route', 2, ['bad-line']],
        ],
      );
    });
  });
});
