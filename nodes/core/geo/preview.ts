// What the editor shows about the routes and zones being edited: for each, whether it is valid (and if not,
// exactly why), its vertex count and length, and its shape in local metres for an SVG drawing that needs no map
// tiles. Long routes are simplified for drawing (Douglas–Peucker at a tolerance far below one screen pixel).
import { checkRoute, checkZone } from './config';
import type { GeoLibs } from './geo-libs';
import type { GeoIssue, LngLat } from './parse';
import { Route } from './route';

export type XY = [x: number, y: number];

export interface RoutePreview {
  index: number;
  id: string;
  ok: boolean;
  errors: GeoIssue[];
  warnings: GeoIssue[];
  vertices?: number;
  lengthM?: number;
  widthM?: number;
  /** East/north metres from the preview's origin, simplified. */
  path?: XY[];
}

export interface ZonePreview {
  index: number;
  id: string;
  ok: boolean;
  errors: GeoIssue[];
  warnings: GeoIssue[];
  type?: 'circle' | 'polygon';
  center?: XY;
  radiusM?: number;
  rings?: XY[][];
}

export interface Preview {
  /** The point (0, 0) stands for; null when nothing is valid. */
  origin: { lat: number; lng: number } | null;
  /** [minX, minY, maxX, maxY] in metres, covering every valid shape (corridors and circles included). */
  bounds: [number, number, number, number] | null;
  routes: RoutePreview[];
  zones: ZonePreview[];
}

/** Most points drawn for one route. */
const MAX_DRAWN = 2_000;

const round = (v: number) => Math.round(v * 10) / 10;

/** Douglas–Peucker without recursion; keeps the end points. */
export function simplify(points: readonly XY[], tolerance: number): XY[] {
  const n = points.length;
  if (n <= 2) return points.slice();
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  const toleranceSquared = tolerance * tolerance;
  while (stack.length > 0) {
    const [first, last] = stack.pop() as [number, number];
    const [ax, ay] = points[first] as XY;
    const [bx, by] = points[last] as XY;
    const dx = bx - ax;
    const dy = by - ay;
    const lengthSquared = dx * dx + dy * dy;
    let worst = -1;
    let worstDistance = toleranceSquared;
    for (let i = first + 1; i < last; i++) {
      const [px, py] = points[i] as XY;
      let t = lengthSquared > 0 ? ((px - ax) * dx + (py - ay) * dy) / lengthSquared : 0;
      t = Math.max(0, Math.min(1, t));
      const ex = ax + t * dx - px;
      const ey = ay + t * dy - py;
      const distance = ex * ex + ey * ey;
      if (distance > worstDistance) {
        worst = i;
        worstDistance = distance;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

export function buildPreview(libs: GeoLibs, input: { routes?: unknown; zones?: unknown }): Preview {
  const routeList = Array.isArray(input.routes) ? (input.routes as Record<string, unknown>[]) : [];
  const zoneList = Array.isArray(input.zones) ? (input.zones as Record<string, unknown>[]) : [];
  const routes = routeList.map((entry, index) => ({ index, checked: checkRoute(entry ?? {}), entry }));
  const zones = zoneList.map((entry, index) => ({ index, checked: checkZone(entry ?? {}), entry }));

  // the origin: the middle of everything valid
  let west = Number.POSITIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  const extend = ([lng, lat]: LngLat) => {
    west = Math.min(west, lng);
    east = Math.max(east, lng);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  };
  for (const { checked } of routes) if (checked.ok) checked.value.coords.forEach(extend);
  for (const { checked } of zones) {
    if (!checked.ok) continue;
    const shape = checked.value.shape;
    if (shape.type === 'circle') extend(shape.center);
    else shape.rings[0]?.forEach(extend);
  }
  const any = Number.isFinite(west);
  const origin = any ? { lng: (west + east) / 2, lat: (south + north) / 2 } : { lng: 0, lat: 0 };
  const ruler = new libs.CheapRuler(origin.lat, 'meters');
  const project = ([lng, lat]: LngLat): XY => [(lng - origin.lng) * ruler.kx, (lat - origin.lat) * ruler.ky];
  const extent = any ? Math.max((east - west) * ruler.kx, (north - south) * ruler.ky, 1) : 1;

  let bounds: [number, number, number, number] | null = null;
  const grow = (x: number, y: number, pad: number) => {
    bounds = bounds
      ? [
          Math.min(bounds[0], x - pad),
          Math.min(bounds[1], y - pad),
          Math.max(bounds[2], x + pad),
          Math.max(bounds[3], y + pad),
        ]
      : [x - pad, y - pad, x + pad, y + pad];
  };

  const routePreviews: RoutePreview[] = routes.map(({ index, checked, entry }) => {
    const id = typeof entry?.id === 'string' ? entry.id : String(entry?.id ?? '');
    if (!checked.ok) return { index, id, ok: false, errors: checked.errors, warnings: checked.warnings };
    const config = checked.value;
    const route = new Route(libs, config.coords);
    const projected = config.coords.map(project);
    let tolerance = extent / 4000;
    let path = simplify(projected, tolerance);
    while (path.length > MAX_DRAWN) {
      tolerance *= 2;
      path = simplify(projected, tolerance);
    }
    for (const [x, y] of path) grow(x, y, config.widthM / 2);
    return {
      index,
      id: config.id,
      ok: true,
      errors: [],
      warnings: checked.warnings,
      vertices: route.vertexCount,
      lengthM: Math.round(route.lengthM),
      widthM: config.widthM,
      path: path.map(([x, y]) => [round(x), round(y)] as XY),
    };
  });

  const zonePreviews: ZonePreview[] = zones.map(({ index, checked, entry }) => {
    const id = typeof entry?.id === 'string' ? entry.id : String(entry?.id ?? '');
    if (!checked.ok) return { index, id, ok: false, errors: checked.errors, warnings: checked.warnings };
    const shape = checked.value.shape;
    if (shape.type === 'circle') {
      const [x, y] = project(shape.center);
      grow(x, y, shape.radiusM);
      return {
        index,
        id: checked.value.id,
        ok: true,
        errors: [],
        warnings: checked.warnings,
        type: 'circle',
        center: [round(x), round(y)],
        radiusM: shape.radiusM,
      };
    }
    const rings = shape.rings.map((ring) => simplify(ring.map(project), extent / 4000));
    for (const [x, y] of rings[0] ?? []) grow(x, y, 0);
    return {
      index,
      id: checked.value.id,
      ok: true,
      errors: [],
      warnings: checked.warnings,
      type: 'polygon',
      rings: rings.map((ring) => ring.map(([x, y]) => [round(x), round(y)] as XY)),
    };
  });

  return {
    origin: any ? { lat: origin.lat, lng: origin.lng } : null,
    bounds,
    routes: routePreviews,
    zones: zonePreviews,
  };
}
