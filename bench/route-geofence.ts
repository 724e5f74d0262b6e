// route-geofence: point checks per second against 1,000- and 10,000-vertex routes beside Turf's
// point-to-line-distance (the great-circle reference) and a plain cheap-ruler scan, in the same run; then the
// whole per-fix work of the engine (state, matching, zones) without Node-RED; then the cost per fix end to end
// in a real Node-RED runtime beside the same flow without the geofence.
// BENCH_SECONDS scales every measurement (default 2 s per row; 0.2 for a quick check); BENCH_PARTS picks
// parts (checks,engine,runtime); NODE_RED_PACKAGE=node-red-4 runs the last part on Node-RED 4.1;
// BENCH_CPU_PROFILE=<dir> writes a CPU profile of that Node-RED.

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lineString, point } from '@turf/helpers';
import pointToLineDistance from '@turf/point-to-line-distance';
import { launchNodeRed } from '../dev/node-red-launcher';
import { type GeoLibs, loadGeoLibs } from '../nodes/core/geo/geo-libs';
import { Geofence } from '../nodes/core/geo/geofence';
import type { LngLat } from '../nodes/core/geo/parse';
import { Route } from '../nodes/core/geo/route';
import { MemoryStateStore } from '../nodes/core/geo/state-store';
import { defaultTrackerSettings, type VehicleState } from '../nodes/core/geo/tracker';
import { startCollector } from '../test/support/collector';
import { cityRoute, fixAt, jitter, offset, seeded } from '../test/unit/geo/support/geo-fixtures';
import { median } from './stats';
import { printTable } from './table';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

/** Runs `work(i)` for about `seconds` (at least `minimum` times); returns operations per second. */
function measure(
  work: (i: number) => void,
  seconds: number,
  minimum = 1,
): { opsPerSecond: number; runs: number } {
  for (let i = 0; i < Math.min(1000, minimum * 10); i++) work(i); // warm up
  let runs = 0;
  const budget = seconds * 1e9;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < budget || runs < minimum) {
    for (let k = 0; k < 64 && (elapsed < budget || runs < minimum); k++) work(runs++);
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return { opsPerSecond: runs / (elapsed / 1e9), runs };
}

/** Query points: around random vertices, from on the route to 1 km away. */
function queries(libs: GeoLibs, coords: LngLat[], count: number): LngLat[] {
  const random = seeded(42);
  const ruler = new libs.CheapRuler((coords[0] as LngLat)[1], 'meters');
  return Array.from({ length: count }, () => {
    const base = coords[Math.floor(random() * coords.length)] as LngLat;
    const away = random() < 0.8 ? random() * 50 : random() * 1000;
    const angle = random() * 2 * Math.PI;
    return offset(ruler, base, away * Math.cos(angle), away * Math.sin(angle));
  });
}

function pointChecks(libs: GeoLibs): void {
  const rows: (string | number)[][] = [];
  let sink = 0;
  for (const vertices of [1_000, 10_000]) {
    const coords = cityRoute(libs, vertices, 7);
    const route = new Route(libs, coords);
    const points = queries(libs, coords, 10_000);
    const at = (i: number) => points[i % points.length] as LngLat;
    const ruler = new libs.CheapRuler((coords[0] as LngLat)[1], 'meters');
    const turfLine = lineString(coords);

    const ours = measure((i) => {
      const p = at(i);
      sink += route.nearest(p[0], p[1]).distanceM;
    }, SECONDS);
    const scan = measure((i) => {
      sink += ruler.pointOnLine(coords, at(i)).dist;
    }, SECONDS / 2);
    const turf = measure(
      (i) => {
        sink += pointToLineDistance(point(at(i)), turfLine, { units: 'meters' });
      },
      SECONDS / 2,
      5,
    );
    const build = measure(() => {
      sink += new Route(libs, coords).lengthM;
    }, SECONDS / 4);
    for (const [name, result] of [
      ['route-geofence (R-tree + local ruler)', ours],
      ['cheap-ruler pointOnLine (full scan)', scan],
      ['@turf/point-to-line-distance (great circle)', turf],
    ] as const) {
      rows.push([
        vertices.toLocaleString('en'),
        name,
        Math.round(result.opsPerSecond).toLocaleString('en'),
        (1e6 / result.opsPerSecond).toFixed(2),
        `${(ours.opsPerSecond / result.opsPerSecond).toFixed(0)}×`,
      ]);
    }
    rows.push([
      vertices.toLocaleString('en'),
      'building the route index (once per deploy)',
      `${build.opsPerSecond.toFixed(0)} builds/s`,
      (1e6 / build.opsPerSecond).toFixed(0),
      '',
    ]);
  }
  printTable(
    `Point-to-route checks, Node ${process.version} (${SECONDS} s per row; 80% of points within 50 m, 20% up to 1 km)`,
    ['vertices', 'method', 'checks/s', 'µs/check', 'route-geofence is'],
    rows,
  );
  if (sink === 42) console.log('');
}

/** Fixes for `vehicles` vans driving along the route with GPS jitter, one fix per van every 5 s. */
function fleetTrace(libs: GeoLibs, coords: LngLat[], vehicles: number, count: number) {
  const noise = jitter(9, 5, 20);
  const ruler = new libs.CheapRuler((coords[0] as LngLat)[1], 'meters');
  return Array.from({ length: count }, (_, i) => {
    const van = i % vehicles;
    const step = Math.floor(i / vehicles);
    const vertex = coords[(van * 37 + step * 8) % coords.length] as LngLat;
    const [e, n] = noise();
    return fixAt(`VAN-${van}`, offset(ruler, vertex, e, n), step * 5);
  });
}

async function engineFixes(libs: GeoLibs): Promise<void> {
  const coords = cityRoute(libs, 10_000, 7);
  const rows: (string | number)[][] = [];
  for (const vehicles of [1, 100, 1000]) {
    const geofence = new Geofence({
      libs,
      settings: defaultTrackerSettings,
      routes: [{ id: 'R1', name: 'R1', widthM: 60, coords }],
      defaultRouteId: 'R1',
      zones: [{ id: 'depot', shape: { type: 'circle', center: coords[0] as LngLat, radiusM: 150 } }],
      vehicles: new MemoryStateStore<VehicleState>(),
      forgetAfterMs: 0,
    });
    const count = Math.max(20_000, Math.round(200_000 * SECONDS));
    const fixes = fleetTrace(libs, coords, vehicles, count);
    for (const fix of fixes.slice(0, 2000)) await geofence.process({ ...fix, at: fix.at - 1e9 });
    const start = process.hrtime.bigint();
    for (const fix of fixes) await geofence.process(fix);
    const perFix = Number(process.hrtime.bigint() - start) / 1e3 / count;
    rows.push([
      vehicles,
      count.toLocaleString('en'),
      perFix.toFixed(2),
      Math.round(1e6 / perFix).toLocaleString('en'),
    ]);
    await geofence.close();
  }
  printTable(
    'Geofence engine per fix (10,000-vertex route, one zone, in-memory store, no Node-RED)',
    ['vehicles', 'fixes', 'µs/fix', 'fixes/s'],
    rows,
  );
}

/** A package folder holding just this node (the build's package.json may not list it yet). */
function geofencePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'route-geofence-bench-pkg-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: '@retail-ops/node-red-pos-dingtalk',
      version: '0.0.0-bench',
      'node-red': {
        version: '>=4.1.0',
        nodes: { 'route-geofence': 'nodes/route-geofence/route-geofence.js' },
      },
    }),
  );
  symlinkSync(resolve(__dirname, '../nodes'), join(dir, 'nodes'), 'dir');
  return dir;
}

/**
 * The generator: sends `n` fixes as fast as Node-RED takes them, each van driving on along the route (`points`
 * are consecutive positions about 40 m apart); the counter reports the time of the last.
 */
const GENERATOR = `
const { n, vehicles, points, base } = msg.payload;
flow.set('start', Date.now());
for (let i = 0; i < n; i++) {
  const p = points[((i % vehicles) * 7 + Math.floor(i / vehicles)) % points.length];
  node.send({ payload: { event: 'vehicle.position', data: {
    vehicleId: 'VAN-' + (i % vehicles), lat: p[1], lng: p[0], accuracy: 5,
    recordedAt: new Date(base + Math.floor(i / vehicles) * 5000).toISOString() } } }, false);
}
return null;`;

/** The sink: counts (in its memory context) and reports every n. */
const counterCode = (n: number) => `
const seen = (context.get('seen') || 0) + 1;
context.set('seen', seen);
if (seen % ${n} === 0) return { payload: { ms: Date.now() - flow.get('start'), n: seen } };
return null;`;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function runtimeFixes(libs: GeoLibs): Promise<void> {
  const coords = cityRoute(libs, 10_000, 7);
  const n = Math.max(20_000, Math.round(100_000 * SECONDS));
  const vehicles = 100;
  const points = fleetTrace(libs, coords, 1, 1_200).map((f) => [f.lng, f.lat]);
  const collector = await startCollector();
  const packageDir = geofencePackage();
  const profile = process.env.BENCH_CPU_PROFILE;
  const nodeRed = await launchNodeRed({
    packageDir,
    nodeRedPackage: process.env.NODE_RED_PACKAGE ?? 'node-red',
    ...(profile ? { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {}),
  });
  const flowOf = (tab: string, withGeofence: boolean) => {
    const counter = (id: string) => ({
      id,
      type: 'function',
      z: tab,
      func: counterCode(n),
      outputs: 1,
      wires: [[`${tab}-post`]],
    });
    return [
      { id: tab, type: 'tab', label: tab },
      {
        id: `${tab}-inject`,
        type: 'inject',
        z: tab,
        props: [{ p: 'payload' }],
        payload: JSON.stringify({ n, vehicles, points, base: Date.parse('2026-11-20T08:00:00+08:00') }),
        payloadType: 'json',
        wires: [[`${tab}-gen`]],
      },
      {
        id: `${tab}-gen`,
        type: 'function',
        z: tab,
        func: GENERATOR,
        outputs: 1,
        wires: [[withGeofence ? `${tab}-geo` : `${tab}-count`]],
      },
      ...(withGeofence
        ? [
            {
              id: `${tab}-geo`,
              type: 'route-geofence',
              z: tab,
              routes: [
                {
                  id: 'R1',
                  widthM: 60,
                  geometry: JSON.stringify({ type: 'LineString', coordinates: coords }),
                },
              ],
              defaultRoute: 'R1',
              zones: [
                { id: 'depot', type: 'circle', center: `${coords[0]?.[1]}, ${coords[0]?.[0]}`, radiusM: 150 },
              ],
              annotate: true,
              outputs: 3,
              wires: [[], [], [`${tab}-count`]],
            },
          ]
        : []),
      counter(`${tab}-count`),
      {
        id: `${tab}-post`,
        type: 'http request',
        z: tab,
        method: 'POST',
        ret: 'txt',
        url: collector.url,
        paytoqs: 'ignore',
        wires: [[]],
      },
    ];
  };
  try {
    const rows: (string | number)[][] = [];
    const results: Record<string, number[]> = { baseline: [], geofence: [] };
    // both flows deployed together and run in turns, ROUNDS times after a warm-up round; medians reported
    await nodeRed.deploy([...flowOf('baseline', false), ...flowOf('geofence', true)] as never);
    for (let round = 0; round <= ROUNDS; round++) {
      for (const tab of ['baseline', 'geofence'] as const) {
        const before = collector.received.length;
        await nodeRed.inject(`${tab}-inject`);
        const report = (await collector.waitFor(before + 1))[before] as { ms?: number } | undefined;
        if (round > 0) results[tab]?.push(((report?.ms ?? Number.NaN) * 1000) / n);
      }
    }
    const baseline = median(results.baseline ?? []);
    const geofence = median(results.geofence ?? []);
    const range = (values: number[] = []) =>
      `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
    rows.push([
      'generator → counter (baseline)',
      n.toLocaleString('en'),
      baseline.toFixed(2),
      range(results.baseline),
    ]);
    rows.push([
      'generator → route-geofence → counter',
      n.toLocaleString('en'),
      geofence.toFixed(2),
      range(results.geofence),
    ]);
    rows.push(['route-geofence per fix (difference)', '', (geofence - baseline).toFixed(2), '']);
    printTable(
      `Per fix in a real Node-RED (${process.env.NODE_RED_PACKAGE ?? 'node-red'}), ${vehicles} vans on a 10,000-vertex route, every fix annotated on output 3; median of ${ROUNDS} runs`,
      ['flow', 'fixes per run', 'µs/fix', 'range'],
      rows,
    );
    console.log(
      `route-geofence in a real runtime: ${(geofence - baseline).toFixed(2)} µs per fix (its hop in, its work, ` +
        'its message out; target < 20 µs)',
    );
  } finally {
    await nodeRed.stop();
    await collector.close();
    rmSync(nodeRed.userDir, { recursive: true, force: true });
    rmSync(packageDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const libs = await loadGeoLibs();
  const parts = (process.env.BENCH_PARTS ?? 'checks,engine,runtime').split(',');
  if (parts.includes('checks')) pointChecks(libs);
  if (parts.includes('engine')) await engineFixes(libs);
  if (parts.includes('runtime')) await runtimeFixes(libs);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
