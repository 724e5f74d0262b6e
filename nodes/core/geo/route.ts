// A route line prepared for fast, accurate point checks: its segments in a static R-tree (flatbush), distances
// measured in a local flat projection at the query's latitude (cheap-ruler's WGS84 scale factors), which is
// within a few centimetres per kilometre of the geodesic at city scale. A check costs a few microseconds
// whatever the route's length, where a plain scan (or Turf) costs time in proportion to it.
import type { CheapRulerClass, Flatbush, GeoLibs } from './geo-libs';
import type { LngLat } from './parse';

/** The point of the route nearest to a position. */
export interface RouteMatch {
  /** Metres from the position to the route. */
  distanceM: number;
  /** Index of the segment (from vertex `segment` to `segment + 1`) and the fraction along it. */
  segment: number;
  t: number;
  /** Metres along the route from its start to the nearest point. */
  alongM: number;
  lng: number;
  lat: number;
}

/** nearest() first looks this far around the position, where most positions find the route. */
const NEAR_M = 64;
/** Scale factors (metres per degree) are refreshed when the query latitude moves by more than this. */
const SCALE_STEP_DEG = 0.01;

export class Route {
  readonly vertexCount: number;
  readonly lengthM: number;
  /** A digest of the geometry: progress kept for one version of a route is not applied to another. */
  readonly fingerprint: string;
  /** [west, south, east, north] in degrees. */
  readonly bbox: [number, number, number, number];

  private readonly lngs: Float64Array;
  private readonly lats: Float64Array;
  /** Metres from the start to each vertex, and each segment's length. */
  private readonly cumulative: Float64Array;
  private readonly segmentLength: Float64Array;
  private readonly index: Flatbush;
  private readonly CheapRuler: CheapRulerClass;
  /** The index's projection: metres per degree at the route's middle latitude, around (lng0, lat0). */
  private readonly kx0: number;
  private readonly ky0: number;
  private readonly lng0: number;
  private readonly lat0: number;

  // query scratch state (no allocation per candidate)
  private scaleLat = Number.NaN;
  private kx = 0;
  private ky = 0;
  private qLng = 0;
  private qLat = 0;
  private bestSegment = -1;
  private bestT = 0;
  private lastT = 0;
  private bestDistance = Number.POSITIVE_INFINITY;
  private radius = 0;
  /** Segments found within reach: index, fraction along, distance (grown as needed). */
  private foundSegment = new Int32Array(64);
  private foundT = new Float64Array(64);
  private foundDistance = new Float64Array(64);
  private foundCount = 0;
  private order = new Int32Array(64);
  /** Metres per degree (kx, ky interleaved) for each 0.01° band of latitude around the route. */
  private readonly scaleTable: Float64Array;
  private readonly scaleBase: number;

  constructor(libs: GeoLibs, coords: readonly LngLat[]) {
    if (coords.length < 2) throw new Error('a route needs at least two points');
    const n = coords.length;
    this.CheapRuler = libs.CheapRuler;
    this.vertexCount = n;
    this.lngs = new Float64Array(n);
    this.lats = new Float64Array(n);
    let west = Number.POSITIVE_INFINITY;
    let south = Number.POSITIVE_INFINITY;
    let east = Number.NEGATIVE_INFINITY;
    let north = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const [lng, lat] = coords[i] as LngLat;
      this.lngs[i] = lng;
      this.lats[i] = lat;
      if (lng < west) west = lng;
      if (lng > east) east = lng;
      if (lat < south) south = lat;
      if (lat > north) north = lat;
    }
    this.bbox = [west, south, east, north];
    this.lng0 = (west + east) / 2;
    this.lat0 = (south + north) / 2;
    const ruler0 = new libs.CheapRuler(this.lat0, 'meters');
    this.kx0 = ruler0.kx;
    this.ky0 = ruler0.ky;

    this.cumulative = new Float64Array(n);
    this.segmentLength = new Float64Array(n - 1);
    this.index = new libs.Flatbush(n - 1);
    let along = 0;
    let ruler = ruler0;
    let rulerLat = this.lat0;
    for (let i = 0; i < n - 1; i++) {
      const lng1 = this.lngs[i] as number;
      const lat1 = this.lats[i] as number;
      const lng2 = this.lngs[i + 1] as number;
      const lat2 = this.lats[i + 1] as number;
      const mid = (lat1 + lat2) / 2;
      if (Math.abs(mid - rulerLat) > SCALE_STEP_DEG) {
        ruler = new libs.CheapRuler(mid, 'meters');
        rulerLat = mid;
      }
      const length = Math.hypot((lng2 - lng1) * ruler.kx, (lat2 - lat1) * ruler.ky);
      this.segmentLength[i] = length;
      this.cumulative[i] = along;
      along += length;
      const x1 = (lng1 - this.lng0) * this.kx0;
      const y1 = (lat1 - this.lat0) * this.ky0;
      const x2 = (lng2 - this.lng0) * this.kx0;
      const y2 = (lat2 - this.lat0) * this.ky0;
      this.index.add(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2));
    }
    this.cumulative[n - 1] = along;
    this.lengthM = along;
    this.index.finish();
    this.fingerprint = fingerprint(this.lngs, this.lats);
    // scale factors for queries up to a degree beyond the route (others are computed when asked)
    this.scaleBase = Math.floor((south - 1) / SCALE_STEP_DEG);
    const bands = Math.ceil((north + 1) / SCALE_STEP_DEG) - this.scaleBase + 1;
    this.scaleTable = new Float64Array(bands * 2);
    for (let b = 0; b < bands; b++) {
      const ruler = new libs.CheapRuler((this.scaleBase + b + 0.5) * SCALE_STEP_DEG, 'meters');
      this.scaleTable[2 * b] = ruler.kx;
      this.scaleTable[2 * b + 1] = ruler.ky;
    }
  }

  /**
   * The nearest point of the route, and every pass of the route within `radiusM` of the position: the
   * nearest point of each run of consecutive segments in reach, in route order. One index search answers both
   * when the route is within reach, which is the usual case; otherwise a nearest-neighbour search finds the
   * nearest.
   */
  locate(lng: number, lat: number, radiusM: number): { nearest: RouteMatch; passes: RouteMatch[] } {
    this.prepare(lng, lat);
    const px = (lng - this.lng0) * this.kx0;
    const py = (lat - this.lat0) * this.ky0;
    this.radius = radiusM;
    this.foundCount = 0;
    this.searchAround(px, py, radiusM, this.collectFilter);
    const count = this.foundCount;
    if (count === 0) return { nearest: this.nearestFrom(px, py), passes: [] };
    // consecutive segments in reach whose nearest points are close along the route are one pass of it: keep
    // the nearest point of each run (an out-and-back street's two legs stay two passes)
    const order = this.sortFound(count);
    const segments = this.foundSegment;
    const distances = this.foundDistance;
    const passes: RouteMatch[] = [];
    let nearest: RouteMatch | undefined;
    let best = order[0] as number;
    for (let k = 1; k <= count; k++) {
      const at = k < count ? (order[k] as number) : -1;
      const previous = order[k - 1] as number;
      const continues =
        at >= 0 &&
        (segments[at] as number) === (segments[previous] as number) + 1 &&
        Math.abs(this.foundAlong(at) - this.foundAlong(previous)) <= 2 * radiusM;
      if (!continues) {
        const match = this.match(
          segments[best] as number,
          this.foundT[best] as number,
          distances[best] as number,
        );
        passes.push(match);
        if (!nearest || match.distanceM < nearest.distanceM) nearest = match;
        best = at;
      } else if ((distances[at] as number) < (distances[best] as number)) {
        best = at;
      }
    }
    // any segment nearer than radiusM has its box within reach, so the nearest pass is the nearest point
    return { nearest: nearest as RouteMatch, passes };
  }

  /** The nearest point of the whole route (exact: every segment that could be nearer is measured). */
  nearest(lng: number, lat: number): RouteMatch {
    this.prepare(lng, lat);
    const px = (lng - this.lng0) * this.kx0;
    const py = (lat - this.lat0) * this.ky0;
    // most positions are near the route: one small search settles them (anything nearer is within reach)
    this.bestSegment = -1;
    this.bestDistance = Number.POSITIVE_INFINITY;
    this.searchAround(px, py, NEAR_M, this.considerFilter);
    if (this.bestDistance <= NEAR_M) return this.match(this.bestSegment, this.bestT, this.bestDistance);
    return this.nearestFrom(px, py);
  }

  /** Every pass of the route within `radiusM` of the position (a route that comes by twice yields two). */
  within(lng: number, lat: number, radiusM: number): RouteMatch[] {
    return this.locate(lng, lat, radiusM).passes;
  }

  /** The position `alongM` metres from the start (clamped to the route). */
  pointAt(alongM: number): LngLat {
    const cumulative = this.cumulative;
    const last = this.vertexCount - 1;
    if (!(alongM > 0)) return [this.lngs[0] as number, this.lats[0] as number];
    if (alongM >= this.lengthM) return [this.lngs[last] as number, this.lats[last] as number];
    let low = 0;
    let high = last - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((cumulative[mid] as number) <= alongM) low = mid;
      else high = mid - 1;
    }
    const length = this.segmentLength[low] as number;
    const t = length > 0 ? (alongM - (cumulative[low] as number)) / length : 0;
    return this.interpolate(low, t);
  }

  /** Compass bearing of a segment, in degrees clockwise from north. */
  bearing(segment: number): number {
    const dx = ((this.lngs[segment + 1] as number) - (this.lngs[segment] as number)) * this.kx0;
    const dy = ((this.lats[segment + 1] as number) - (this.lats[segment] as number)) * this.ky0;
    const degrees = (Math.atan2(dx, dy) * 180) / Math.PI;
    return degrees < 0 ? degrees + 360 : degrees;
  }

  /** The vertices as [lng, lat] pairs (a copy). */
  coordinates(): LngLat[] {
    return Array.from(this.lngs, (lng, i) => [lng, this.lats[i] as number] as LngLat);
  }

  private nearestFrom(px: number, py: number): RouteMatch {
    const [first] = this.index.neighbors(px, py, 1);
    this.bestSegment = -1;
    this.bestDistance = Number.POSITIVE_INFINITY;
    this.consider(first as number);
    // any segment nearer than the best so far has its box within that distance
    this.searchAround(px, py, this.bestDistance * (1 + 1e-9), this.considerFilter);
    return this.match(this.bestSegment, this.bestT, this.bestDistance);
  }

  private prepare(lng: number, lat: number): void {
    this.qLng = lng;
    this.qLat = lat;
    const band = Math.floor(lat / SCALE_STEP_DEG) - this.scaleBase;
    if (band >= 0 && 2 * band + 1 < this.scaleTable.length) {
      this.kx = this.scaleTable[2 * band] as number;
      this.ky = this.scaleTable[2 * band + 1] as number;
    } else if (!(Math.abs(lat - this.scaleLat) <= SCALE_STEP_DEG)) {
      const ruler = new this.CheapRuler(lat, 'meters');
      this.kx = ruler.kx;
      this.ky = ruler.ky;
      this.scaleLat = lat;
    }
  }

  /** Searches the index for boxes within `radiusM` (true metres) of the query, in index units per axis. */
  private searchAround(px: number, py: number, radiusM: number, filter: (i: number) => boolean): void {
    const rx = (radiusM * this.kx0) / this.kx;
    const ry = (radiusM * this.ky0) / this.ky;
    this.index.search(px - rx, py - ry, px + rx, py + ry, filter);
  }

  private readonly considerFilter = (i: number): boolean => {
    this.consider(i);
    return false;
  };

  private readonly collectFilter = (i: number): boolean => {
    const distance = this.measure(i);
    if (distance <= this.radius) {
      const k = this.foundCount++;
      if (k === this.foundSegment.length) this.growFound();
      this.foundSegment[k] = i;
      this.foundT[k] = this.lastT;
      this.foundDistance[k] = distance;
    }
    return false;
  };

  private foundAlong(k: number): number {
    const segment = this.foundSegment[k] as number;
    return (
      (this.cumulative[segment] as number) +
      (this.foundT[k] as number) * (this.segmentLength[segment] as number)
    );
  }

  /** Positions 0..count-1 of the found segments, in segment order (insertion sort: a few dozen at most). */
  private sortFound(count: number): Int32Array {
    if (this.order.length < count) this.order = new Int32Array(this.foundSegment.length);
    const order = this.order;
    const segments = this.foundSegment;
    for (let k = 0; k < count; k++) {
      const segment = segments[k] as number;
      let j = k - 1;
      while (j >= 0 && (segments[order[j] as number] as number) > segment) {
        order[j + 1] = order[j] as number;
        j--;
      }
      order[j + 1] = k;
    }
    return order;
  }

  private growFound(): void {
    const size = this.foundSegment.length * 2;
    const segment = new Int32Array(size);
    segment.set(this.foundSegment);
    const t = new Float64Array(size);
    t.set(this.foundT);
    const distance = new Float64Array(size);
    distance.set(this.foundDistance);
    this.foundSegment = segment;
    this.foundT = t;
    this.foundDistance = distance;
  }

  private consider(i: number): void {
    const distance = this.measure(i);
    if (distance < this.bestDistance || (distance === this.bestDistance && i < this.bestSegment)) {
      this.bestDistance = distance;
      this.bestSegment = i;
      this.bestT = this.lastT;
    }
  }

  /** Distance from the query to segment i in local metres; leaves the fraction along it in lastT. */
  private measure(i: number): number {
    const kx = this.kx;
    const ky = this.ky;
    const ax = ((this.lngs[i] as number) - this.qLng) * kx;
    const ay = ((this.lats[i] as number) - this.qLat) * ky;
    const dx = ((this.lngs[i + 1] as number) - this.qLng) * kx - ax;
    const dy = ((this.lats[i + 1] as number) - this.qLat) * ky - ay;
    const lengthSquared = dx * dx + dy * dy;
    let t = lengthSquared > 0 ? -(ax * dx + ay * dy) / lengthSquared : 0;
    if (t < 0) t = 0;
    else if (t > 1) t = 1;
    this.lastT = t;
    return Math.hypot(ax + t * dx, ay + t * dy);
  }

  private match(segment: number, t: number, distanceM: number): RouteMatch {
    const [lng, lat] = this.interpolate(segment, t);
    const alongM = (this.cumulative[segment] as number) + t * (this.segmentLength[segment] as number);
    return { distanceM, segment, t, alongM, lng, lat };
  }

  private interpolate(segment: number, t: number): LngLat {
    const lng1 = this.lngs[segment] as number;
    const lat1 = this.lats[segment] as number;
    return [
      lng1 + t * ((this.lngs[segment + 1] as number) - lng1),
      lat1 + t * ((this.lats[segment + 1] as number) - lat1),
    ];
  }
}

/** FNV-1a over the coordinates rounded to 1e-7 degrees (about 1 cm). */
function fingerprint(lngs: Float64Array, lats: Float64Array): string {
  let hash = 0x811c9dc5;
  const mix = (value: number) => {
    let v = Math.round(value * 1e7);
    for (let k = 0; k < 4; k++) {
      hash = Math.imul(hash ^ (v & 0xff), 0x01000193);
      v = Math.floor(v / 256);
    }
  };
  for (let i = 0; i < lngs.length; i++) {
    mix(lngs[i] as number);
    mix(lats[i] as number);
  }
  return `${lngs.length.toString(36)}-${(hash >>> 0).toString(36)}`;
}
