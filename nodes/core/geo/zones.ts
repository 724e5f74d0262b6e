// Circle and polygon zones (a store, a depot, a restricted street). Each answers with a signed distance to its
// boundary (negative inside), so that entering and leaving can use different bands; polygons are measured to
// their edges, not to a centre. A ZoneSet finds the zones near a position through an R-tree of their boxes.
import type { CheapRulerClass, Flatbush, GeoLibs } from './geo-libs';
import type { LngLat } from './parse';

export type ZoneShape =
  | { type: 'circle'; center: LngLat; radiusM: number }
  | { type: 'polygon'; rings: LngLat[][] };

export interface ZoneDef {
  id: string;
  name?: string;
  shape: ZoneShape;
}

/** Metres per degree at a latitude (cheap-ruler's WGS84 factors), cached per 0.01°. */
class Scales {
  private lat = Number.NaN;
  kx = 0;
  ky = 0;
  constructor(private readonly Ruler: CheapRulerClass) {}
  at(lat: number): this {
    if (!(Math.abs(lat - this.lat) <= 0.01)) {
      const ruler = new this.Ruler(lat, 'meters');
      this.kx = ruler.kx;
      this.ky = ruler.ky;
      this.lat = lat;
    }
    return this;
  }
}

export class Zone {
  readonly id: string;
  readonly name: string;
  readonly shape: ZoneShape;
  /** [west, south, east, north] in degrees. */
  readonly bbox: [number, number, number, number];
  /** Metres per degree of longitude and latitude at the zone (for converting margins to degrees). */
  readonly kx: number;
  readonly ky: number;
  private readonly scales: Scales;

  constructor(libs: GeoLibs, def: ZoneDef) {
    this.id = def.id;
    this.name = def.name || def.id;
    this.shape = def.shape;
    this.scales = new Scales(libs.CheapRuler);
    if (def.shape.type === 'circle') {
      const [lng, lat] = def.shape.center;
      const { kx, ky } = this.scales.at(lat);
      this.kx = kx;
      this.ky = ky;
      const r = def.shape.radiusM;
      this.bbox = [lng - r / kx, lat - r / ky, lng + r / kx, lat + r / ky];
    } else {
      let west = Number.POSITIVE_INFINITY;
      let south = Number.POSITIVE_INFINITY;
      let east = Number.NEGATIVE_INFINITY;
      let north = Number.NEGATIVE_INFINITY;
      for (const [lng, lat] of def.shape.rings[0] ?? []) {
        west = Math.min(west, lng);
        east = Math.max(east, lng);
        south = Math.min(south, lat);
        north = Math.max(north, lat);
      }
      this.bbox = [west, south, east, north];
      const { kx, ky } = this.scales.at((south + north) / 2);
      this.kx = kx;
      this.ky = ky;
    }
  }

  /** Metres from the position to the zone's boundary: negative inside, positive outside. */
  signedDistance(lng: number, lat: number): number {
    const { kx, ky } = this.scales.at(lat);
    const shape = this.shape;
    if (shape.type === 'circle') {
      return Math.hypot((lng - shape.center[0]) * kx, (lat - shape.center[1]) * ky) - shape.radiusM;
    }
    let inside = false;
    let nearest = Number.POSITIVE_INFINITY;
    for (const ring of shape.rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i] as LngLat;
        const [xj, yj] = ring[j] as LngLat;
        if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
        const d = segmentDistance((xi - lng) * kx, (yi - lat) * ky, (xj - lng) * kx, (yj - lat) * ky);
        if (d < nearest) nearest = d;
      }
    }
    return inside ? -nearest : nearest;
  }
}

/** Distance from the origin to the segment a–b (local metres). */
function segmentDistance(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  let t = lengthSquared > 0 ? -(ax * dx + ay * dy) / lengthSquared : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/** The configured zones, indexed by their boxes grown by the exit margin. */
export class ZoneSet {
  readonly zones: readonly Zone[];
  private readonly byId: Map<string, Zone>;
  private readonly index: Flatbush | undefined;

  constructor(libs: GeoLibs, defs: readonly ZoneDef[], marginM: number) {
    this.zones = defs.map((def) => new Zone(libs, def));
    this.byId = new Map(this.zones.map((zone) => [zone.id, zone]));
    if (this.zones.length === 0) return;
    this.index = new libs.Flatbush(this.zones.length);
    for (const zone of this.zones) {
      const [west, south, east, north] = zone.bbox;
      // margin plus a little, so that a position just beyond the exit band is still measured
      const gx = (marginM + 1) / zone.kx;
      const gy = (marginM + 1) / zone.ky;
      this.index.add(west - gx, south - gy, east + gx, north + gy);
    }
    this.index.finish();
  }

  get(id: string): Zone | undefined {
    return this.byId.get(id);
  }

  /** Zones whose grown box contains the position. */
  near(lng: number, lat: number): Zone[] {
    if (!this.index) return [];
    return this.index.search(lng, lat, lng, lat).map((i) => this.zones[i] as Zone);
  }
}
