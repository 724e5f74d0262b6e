// Reads the geometry people paste or send: GeoJSON (always [lng, lat]) or "lat, lng" lines (the order people
// type and map apps copy). Every problem comes back as a code with the point it is about, so the editor and
// the runtime can say exactly what is wrong in the user's language: which point, which value, and whether the
// two values look swapped rather than simply out of range.

import { problem as issue, type Problem } from '../kernel/errors';

export type LngLat = [lng: number, lat: number];

/** A problem with the input: a kernel problem whose code is a key of the node's `issues` messages. */
export type GeoIssue = Problem;

export type Parsed<T> =
  | { ok: true; value: T; warnings: GeoIssue[] }
  | { ok: false; errors: GeoIssue[]; warnings: GeoIssue[] };

/** How many per-point problems are listed before the rest are summarised. */
const MAX_LISTED = 5;
/** A segment this long between two consecutive points is probably a typing mistake. */
const LONG_SEGMENT_KM = 20;

type Order = 'latlng' | 'lnglat';

interface RawPoint {
  first: number;
  second: number;
  /** 1-based position in the input, and the text line it came from (text input only). */
  point: number;
  line?: number;
}

const isLat = (v: number) => v >= -90 && v <= 90;
const isLng = (v: number) => v >= -180 && v <= 180;

/**
 * Checks each point's range in the given order; a point that is valid only the other way round is reported as
 * swapped. When every point is swapped, one message says so instead of one per point.
 */
function checkPoints(points: RawPoint[], order: Order): Parsed<LngLat[]> {
  const errors: GeoIssue[] = [];
  const coords: LngLat[] = [];
  let swapped = 0;
  let problems = 0;
  for (const p of points) {
    const lat = order === 'latlng' ? p.first : p.second;
    const lng = order === 'latlng' ? p.second : p.first;
    if (isLat(lat) && isLng(lng)) {
      coords.push([lng, lat]);
      continue;
    }
    problems++;
    const where = { point: p.point, line: p.line ?? p.point, lat, lng };
    let found: GeoIssue;
    if (isLat(lng) && isLng(lat)) {
      swapped++;
      found = issue(order === 'latlng' ? 'swapped-latlng' : 'swapped-lnglat', where);
    } else if (!isLat(lat)) {
      found = issue('lat-out-of-range', { ...where, value: lat });
    } else {
      found = issue('lng-out-of-range', { ...where, value: lng });
    }
    if (errors.length < MAX_LISTED) errors.push(found);
  }
  if (problems === 0) return { ok: true, value: coords, warnings: [] };
  if (swapped === points.length && points.length > 1) {
    const example = points[0] as RawPoint;
    const params = { count: points.length, first: example.first, second: example.second };
    return {
      ok: false,
      errors: [issue(order === 'latlng' ? 'all-swapped-latlng' : 'all-swapped-lnglat', params)],
      warnings: [],
    };
  }
  if (problems > errors.length) errors.push(issue('more-problems', { count: problems - errors.length }));
  return { ok: false, errors, warnings: [] };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** "lat, lng" per line; blank lines and # comments are skipped; brackets and degree signs are tolerated. */
function parseLines(text: string): Parsed<RawPoint[]> {
  const points: RawPoint[] = [];
  const errors: GeoIssue[] = [];
  const lines = text.split(/\r?\n|;/);
  lines.forEach((raw, index) => {
    const content = (raw.split('#')[0] ?? '').replace(/[()[\]°]/g, ' ').trim();
    if (content === '') return;
    const parts = content.split(/\s*,\s*|\s+/).filter((part) => part !== '');
    const line = index + 1;
    if ((parts.length !== 2 && parts.length !== 3) || !parts.every((part) => NUMBER.test(part))) {
      if (errors.length < MAX_LISTED) errors.push(issue('bad-line', { line, text: raw.trim().slice(0, 60) }));
      return;
    }
    points.push({ first: Number(parts[0]), second: Number(parts[1]), point: points.length + 1, line });
  });
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  return { ok: true, value: points, warnings: [] };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function positions(value: Json | undefined, errors: GeoIssue[]): RawPoint[] {
  if (!Array.isArray(value)) {
    errors.push(issue('bad-coordinates'));
    return [];
  }
  const points: RawPoint[] = [];
  value.forEach((position, index) => {
    if (
      !Array.isArray(position) ||
      position.length < 2 ||
      typeof position[0] !== 'number' ||
      typeof position[1] !== 'number' ||
      !Number.isFinite(position[0]) ||
      !Number.isFinite(position[1])
    ) {
      if (errors.length < MAX_LISTED) errors.push(issue('bad-position', { point: index + 1 }));
      return;
    }
    points.push({ first: position[0], second: position[1], point: index + 1 });
  });
  return points;
}

type Wanted = 'line' | 'polygon';

/** The geometry of a GeoJSON object (Feature, FeatureCollection with one matching feature, or a geometry). */
function geometryOf(
  value: Json,
  wanted: Wanted,
  errors: GeoIssue[],
): { type: string; coordinates: Json } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.push(issue('not-geojson'));
    return null;
  }
  const type = value.type;
  if (type === 'Feature') return value.geometry ? geometryOf(value.geometry, wanted, errors) : null;
  if (type === 'FeatureCollection') {
    const features = Array.isArray(value.features) ? value.features : [];
    const matching = features.filter((feature) => {
      const geometry =
        feature && typeof feature === 'object' && !Array.isArray(feature) ? feature.geometry : null;
      const geometryType =
        geometry && typeof geometry === 'object' && !Array.isArray(geometry) ? geometry.type : undefined;
      return wanted === 'line'
        ? geometryType === 'LineString' || geometryType === 'MultiLineString'
        : geometryType === 'Polygon';
    });
    if (matching.length !== 1) {
      errors.push(
        issue(wanted === 'line' ? 'need-one-line' : 'need-one-polygon', { count: matching.length }),
      );
      return null;
    }
    return geometryOf(matching[0] as Json, wanted, errors);
  }
  if (typeof type !== 'string' || !('coordinates' in value)) {
    errors.push(issue('not-geojson'));
    return null;
  }
  return { type, coordinates: value.coordinates as Json };
}

function parseJson(text: string): { ok: true; value: Json } | { ok: false; error: GeoIssue } {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (err) {
    return { ok: false, error: issue('bad-json', { detail: (err as Error).message.slice(0, 120) }) };
  }
}

/** Input as the editor or a message gives it: text (GeoJSON or lines) or an already parsed object/array. */
export type GeometryInput = string | Json | unknown;

function asJson(input: GeometryInput): { json?: Json; text?: string; error?: GeoIssue } {
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return { error: issue('empty') };
    if (text.startsWith('{') || text.startsWith('[')) {
      const parsed = parseJson(text);
      return parsed.ok ? { json: parsed.value } : { error: parsed.error };
    }
    return { text };
  }
  if (input === undefined || input === null) return { error: issue('empty') };
  return { json: input as Json };
}

function finishLine(points: RawPoint[], order: Order, warnings: GeoIssue[]): Parsed<LngLat[]> {
  const checked = checkPoints(points, order);
  if (!checked.ok) return { ok: false, errors: checked.errors, warnings };
  const coords: LngLat[] = [];
  let duplicates = 0;
  for (const c of checked.value) {
    const last = coords[coords.length - 1];
    if (last && last[0] === c[0] && last[1] === c[1]) duplicates++;
    else coords.push(c);
  }
  if (duplicates > 0) warnings.push(issue('duplicates-removed', { count: duplicates }));
  if (coords.length < 2)
    return { ok: false, errors: [issue('too-few-points', { count: coords.length })], warnings };
  for (let i = 1; i < coords.length; i++) {
    const km = roughKm(coords[i - 1] as LngLat, coords[i] as LngLat);
    if (km > LONG_SEGMENT_KM) {
      warnings.push(issue('long-segment', { from: i, to: i + 1, km: Math.round(km) }));
      break;
    }
  }
  return { ok: true, value: coords, warnings };
}

/** Haversine in km: only for plausibility warnings, where the exact figure does not matter. */
export function roughKm(a: LngLat, b: LngLat): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A route line: GeoJSON LineString (or a Feature / one-feature FeatureCollection of one; a MultiLineString's
 * parts are joined in order), a bare [[lng, lat], …] array, or "lat, lng" lines.
 */
export function parseRouteGeometry(input: GeometryInput): Parsed<LngLat[]> {
  const source = asJson(input);
  const warnings: GeoIssue[] = [];
  if (source.error) return { ok: false, errors: [source.error], warnings };
  if (source.text !== undefined) {
    const lines = parseLines(source.text);
    if (!lines.ok) return lines;
    return finishLine(lines.value, 'latlng', warnings);
  }
  const errors: GeoIssue[] = [];
  const json = source.json as Json;
  if (Array.isArray(json)) {
    const points = positions(json, errors);
    if (errors.length > 0) return { ok: false, errors, warnings };
    return finishLine(points, 'lnglat', warnings);
  }
  const geometry = geometryOf(json, 'line', errors);
  if (!geometry) return { ok: false, errors, warnings };
  let points: RawPoint[];
  if (geometry.type === 'LineString') {
    points = positions(geometry.coordinates, errors);
  } else if (geometry.type === 'MultiLineString' && Array.isArray(geometry.coordinates)) {
    points = [];
    for (const part of geometry.coordinates) {
      for (const p of positions(part, errors)) points.push({ ...p, point: points.length + 1 });
    }
    if (geometry.coordinates.length > 1)
      warnings.push(issue('parts-joined', { count: geometry.coordinates.length }));
  } else {
    return { ok: false, errors: [issue('not-a-line', { type: geometry.type })], warnings };
  }
  if (errors.length > 0) return { ok: false, errors, warnings };
  return finishLine(points, 'lnglat', warnings);
}

/**
 * A zone polygon: GeoJSON Polygon (outer ring, then holes) or "lat, lng" lines for the outer ring. Rings are
 * closed if they are not already.
 */
export function parsePolygonGeometry(input: GeometryInput): Parsed<LngLat[][]> {
  const source = asJson(input);
  const warnings: GeoIssue[] = [];
  if (source.error) return { ok: false, errors: [source.error], warnings };
  const errors: GeoIssue[] = [];
  let rings: { points: RawPoint[]; order: Order }[];
  if (source.text !== undefined) {
    const lines = parseLines(source.text);
    if (!lines.ok) return lines;
    rings = [{ points: lines.value, order: 'latlng' }];
  } else {
    const json = source.json as Json;
    const geometry = Array.isArray(json)
      ? { type: 'Polygon', coordinates: [json] as Json }
      : geometryOf(json, 'polygon', errors);
    if (!geometry) return { ok: false, errors, warnings };
    if (geometry.type !== 'Polygon' || !Array.isArray(geometry.coordinates))
      return { ok: false, errors: [issue('not-a-polygon', { type: geometry.type })], warnings };
    rings = geometry.coordinates.map((ring) => ({ points: positions(ring, errors), order: 'lnglat' }));
    if (errors.length > 0) return { ok: false, errors, warnings };
  }
  const out: LngLat[][] = [];
  for (const ring of rings) {
    const checked = checkPoints(ring.points, ring.order);
    if (!checked.ok) return { ok: false, errors: checked.errors, warnings };
    const coords = checked.value.filter((c, i, all) => {
      const previous = all[i - 1];
      return !previous || previous[0] !== c[0] || previous[1] !== c[1];
    });
    const first = coords[0];
    const last = coords[coords.length - 1];
    if (first && last && (first[0] !== last[0] || first[1] !== last[1])) coords.push([first[0], first[1]]);
    if (coords.length < 4)
      return {
        ok: false,
        errors: [issue('polygon-too-few-points', { count: Math.max(0, coords.length - 1) })],
        warnings,
      };
    out.push(coords);
  }
  if (out.length === 0) return { ok: false, errors: [issue('empty')], warnings };
  return { ok: true, value: out, warnings };
}

/** A circle's centre: "lat, lng" text, {lat, lng}, or a GeoJSON Point / [lng, lat]. */
export function parsePoint(input: GeometryInput): Parsed<LngLat> {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const value = input as Record<string, unknown>;
    if (typeof value.lat === 'number' && typeof value.lng === 'number') {
      const checked = checkPoints([{ first: value.lat, second: value.lng, point: 1 }], 'latlng');
      return checked.ok ? { ok: true, value: checked.value[0] as LngLat, warnings: [] } : checked;
    }
  }
  const source = asJson(input);
  if (source.error) return { ok: false, errors: [source.error], warnings: [] };
  let points: RawPoint[];
  let order: Order;
  const errors: GeoIssue[] = [];
  if (source.text !== undefined) {
    const lines = parseLines(source.text);
    if (!lines.ok) return lines;
    points = lines.value;
    order = 'latlng';
  } else {
    const json = source.json as Json;
    const coordinates =
      json && typeof json === 'object' && !Array.isArray(json) && json.type === 'Point'
        ? json.coordinates
        : json;
    points = positions([coordinates as Json], errors);
    order = 'lnglat';
    if (errors.length > 0) return { ok: false, errors: [issue('bad-point')], warnings: [] };
  }
  if (points.length !== 1) return { ok: false, errors: [issue('bad-point')], warnings: [] };
  const checked = checkPoints(points, order);
  return checked.ok ? { ok: true, value: checked.value[0] as LngLat, warnings: [] } : checked;
}
