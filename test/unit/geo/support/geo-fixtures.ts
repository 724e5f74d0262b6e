// Shared material for the geofence tests: Hong Kong coordinates, synthetic routes (up to 10,000 vertices),
// seeded GPS noise, and a driver that feeds a trace through the engine and records what came out.
import type { Fix } from '../../../../nodes/core/geo/fix';
import type { CheapRuler, GeoLibs } from '../../../../nodes/core/geo/geo-libs';
import type { LngLat } from '../../../../nodes/core/geo/parse';

/** Places in Hong Kong, [lng, lat]. */
export const HK = {
  tsimShaTsui: [114.1722, 22.2948] as LngLat, // Nathan Road at Salisbury Road
  mongKok: [114.1694, 22.3193] as LngLat, // Nathan Road at Argyle Street
  central: [114.1588, 22.282] as LngLat, // Central ferry piers
  shaTin: [114.188, 22.3823] as LngLat,
  causewayBay: [114.1849, 22.2803] as LngLat,
};

/** A deterministic PRNG (mulberry32) so that noisy traces are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from a uniform source (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Moves a point by east/north metres. */
export function offset(ruler: CheapRuler, p: LngLat, eastM: number, northM: number): LngLat {
  return ruler.offset(p, eastM, northM) as LngLat;
}

/** A path through local east/north metre waypoints from an origin. */
export function pathFrom(libs: GeoLibs, origin: LngLat, waypoints: [number, number][]): LngLat[] {
  const ruler = new libs.CheapRuler(origin[1], 'meters');
  return waypoints.map(([e, n]) => offset(ruler, origin, e, n));
}

/**
 * A wandering city drive from `start`: `vertices` points 3–8 m apart with a slowly turning heading (what a
 * recorded 1 Hz GPS route looks like), staying within about 15 km.
 */
export function cityRoute(libs: GeoLibs, vertices: number, seed = 1, start: LngLat = HK.mongKok): LngLat[] {
  const random = seeded(seed);
  const ruler = new libs.CheapRuler(start[1], 'meters');
  const coords: LngLat[] = [start];
  let heading = random() * 360;
  let east = 0;
  let north = 0;
  for (let i = 1; i < vertices; i++) {
    heading += (random() - 0.5) * 30;
    // steer back towards the start when far away
    if (Math.hypot(east, north) > 15_000) heading = (Math.atan2(-east, -north) * 180) / Math.PI;
    const step = 3 + random() * 5;
    east += step * Math.sin((heading * Math.PI) / 180);
    north += step * Math.cos((heading * Math.PI) / 180);
    coords.push(offset(ruler, start, east, north));
  }
  return coords;
}

export const T0 = Date.parse('2026-11-20T08:00:00+08:00');

/** A fix at `seconds` after T0 (recorded in Hong Kong time). */
export function fixAt(vehicleId: string, p: LngLat, seconds: number, extra: Partial<Fix> = {}): Fix {
  return { vehicleId, lng: p[0], lat: p[1], at: T0 + seconds * 1000, tz: 480, ...extra };
}

/**
 * Positions every `spacingM` metres along a path (a vehicle sampled at a steady speed), each displaced by
 * `noise()` metres east and north.
 */
export function sampleAlong(
  libs: GeoLibs,
  path: readonly LngLat[],
  spacingM: number,
  noise: () => [number, number] = () => [0, 0],
): LngLat[] {
  const ruler = new libs.CheapRuler((path[0] as LngLat)[1], 'meters');
  const length = ruler.lineDistance(path as LngLat[]);
  const out: LngLat[] = [];
  for (let d = 0; d <= length + 1e-6; d += spacingM) {
    const p = ruler.along(path as LngLat[], d) as LngLat;
    const [e, n] = noise();
    out.push(offset(ruler, p, e, n));
  }
  return out;
}

/** Seeded GPS jitter: each axis normal with sigma metres, clipped to `clipM` from the true point. */
export function jitter(
  seed: number,
  sigma: number,
  clipM = Number.POSITIVE_INFINITY,
): () => [number, number] {
  const random = seeded(seed);
  return () => {
    const e = gaussian(random) * sigma;
    const n = gaussian(random) * sigma;
    const r = Math.hypot(e, n);
    return r > clipM ? [(e * clipM) / r, (n * clipM) / r] : [e, n];
  };
}
