// The route-geofence node's settings as the editor stores them, checked into what the engine needs. A broken
// route or zone is reported (with what exactly is wrong) without stopping the others; a setting out of range
// falls back to its default and is reported too.
import { problem as issue } from '../kernel/errors';
import {
  type GeoIssue,
  type GeometryInput,
  type LngLat,
  parsePoint,
  parsePolygonGeometry,
  parseRouteGeometry,
} from './parse';
import { defaultTrackerSettings, type TrackerSettings } from './tracker';
import type { ZoneDef } from './zones';

/** A checked route definition (what the editor holds, and what a runtime route message sets). */
export interface RouteConfig {
  id: string;
  name: string;
  /** Full corridor width in metres. */
  widthM: number;
  coords: LngLat[];
}

/** Corridors and circles wider than this are almost certainly a typing mistake. */
export const MAX_CORRIDOR_M = 10_000;
export const MAX_RADIUS_M = 50_000;
const ID = /^\S.{0,99}$/u;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function number(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

export type Checked<T> =
  | { ok: true; value: T; warnings: GeoIssue[] }
  | { ok: false; errors: GeoIssue[]; warnings: GeoIssue[] };

/** A route from the editor ({id, name, widthM, geometry}) or a message (geometry in any accepted form). */
export function checkRoute(input: {
  id?: unknown;
  name?: unknown;
  widthM?: unknown;
  geometry?: GeometryInput;
}): Checked<RouteConfig> {
  const errors: GeoIssue[] = [];
  const id = text(input.id);
  if (!ID.test(id)) errors.push(issue('bad-id', { id }));
  const widthM = number(input.widthM);
  if (!(widthM > 0 && widthM <= MAX_CORRIDOR_M))
    errors.push(issue('bad-width', { id, value: text(input.widthM), max: MAX_CORRIDOR_M }));
  const geometry = parseRouteGeometry(input.geometry);
  if (!geometry.ok) errors.push(...geometry.errors);
  if (errors.length > 0 || !geometry.ok) return { ok: false, errors, warnings: geometry.warnings };
  return {
    ok: true,
    value: { id, name: text(input.name) || id, widthM, coords: geometry.value },
    warnings: geometry.warnings,
  };
}

/** A zone from the editor: {id, name, type: circle, center, radiusM} or {id, name, type: polygon, geometry}. */
export function checkZone(input: {
  id?: unknown;
  name?: unknown;
  type?: unknown;
  center?: GeometryInput;
  radiusM?: unknown;
  geometry?: GeometryInput;
}): Checked<ZoneDef> {
  const id = text(input.id);
  const errors: GeoIssue[] = [];
  if (!ID.test(id)) errors.push(issue('bad-id', { id }));
  const name = text(input.name) || id;
  if (input.type === 'circle') {
    const center = parsePoint(input.center);
    if (!center.ok) errors.push(...center.errors);
    const radiusM = number(input.radiusM);
    if (!(radiusM > 0 && radiusM <= MAX_RADIUS_M))
      errors.push(issue('bad-radius', { id, value: text(input.radiusM), max: MAX_RADIUS_M }));
    if (errors.length > 0 || !center.ok) return { ok: false, errors, warnings: [] };
    return {
      ok: true,
      value: { id, name, shape: { type: 'circle', center: center.value, radiusM } },
      warnings: [],
    };
  }
  if (input.type === 'polygon') {
    const rings = parsePolygonGeometry(input.geometry);
    if (!rings.ok) errors.push(...rings.errors);
    if (errors.length > 0 || !rings.ok) return { ok: false, errors, warnings: rings.warnings };
    return {
      ok: true,
      value: { id, name, shape: { type: 'polygon', rings: rings.value } },
      warnings: rings.warnings,
    };
  }
  errors.push(issue('bad-zone-type', { id, type: text(input.type) }));
  return { ok: false, errors, warnings: [] };
}

/** The node's properties, as saved in the flow. */
export interface GeofenceNodeProperties {
  routes?: unknown;
  defaultRoute?: unknown;
  zones?: unknown;
  confirmFixes?: unknown;
  confirmSeconds?: unknown;
  hysteresisM?: unknown;
  maxAccuracyM?: unknown;
  forgetMinutes?: unknown;
  skipMinM?: unknown;
  reverseMinM?: unknown;
}

interface SettingRule {
  key: keyof GeofenceNodeProperties;
  min: number;
  max: number;
  integer?: boolean;
  fallback: number;
}

export const settingRules: readonly SettingRule[] = [
  { key: 'confirmFixes', min: 1, max: 20, integer: true, fallback: defaultTrackerSettings.confirmFixes },
  { key: 'confirmSeconds', min: 0, max: 3600, fallback: defaultTrackerSettings.confirmMs / 1000 },
  { key: 'hysteresisM', min: 0, max: 1000, fallback: defaultTrackerSettings.hysteresisM },
  { key: 'maxAccuracyM', min: 0, max: 100_000, fallback: defaultTrackerSettings.maxAccuracyM },
  { key: 'forgetMinutes', min: 0, max: 100_000, fallback: 60 },
  { key: 'skipMinM', min: 10, max: 1_000_000, fallback: defaultTrackerSettings.skipMinM },
  { key: 'reverseMinM', min: 10, max: 1_000_000, fallback: defaultTrackerSettings.reverseMinM },
];

/** A problem with one part of the configuration. */
export interface ConfigProblem {
  part: 'route' | 'zone' | 'setting';
  /** Position in the editor's list (routes and zones), and the id when there is one. */
  index?: number;
  id?: string;
  errors: GeoIssue[];
}

export interface GeofenceConfig {
  routes: RouteConfig[];
  zones: ZoneDef[];
  defaultRouteId: string | undefined;
  settings: TrackerSettings;
  forgetAfterMs: number;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

export function checkConfig(props: GeofenceNodeProperties): GeofenceConfig {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const values: Record<string, number> = {};
  for (const rule of settingRules) {
    const raw = props[rule.key];
    const value = raw === undefined || raw === '' ? rule.fallback : number(raw);
    const fits = value >= rule.min && value <= rule.max && (!rule.integer || Number.isInteger(value));
    if (!fits) {
      problems.push({
        part: 'setting',
        id: rule.key,
        errors: [issue('bad-setting', { setting: rule.key, value: text(raw), min: rule.min, max: rule.max })],
      });
    }
    values[rule.key] = fits ? value : rule.fallback;
  }
  const settings: TrackerSettings = {
    confirmFixes: values.confirmFixes as number,
    confirmMs: (values.confirmSeconds as number) * 1000,
    hysteresisM: values.hysteresisM as number,
    maxAccuracyM: values.maxAccuracyM as number,
    skipMinM: values.skipMinM as number,
    reverseMinM: values.reverseMinM as number,
  };

  const routes: RouteConfig[] = [];
  const routeList = Array.isArray(props.routes) ? (props.routes as Record<string, unknown>[]) : [];
  routeList.forEach((entry, index) => {
    const checked = checkRoute(entry ?? {});
    const id = text(entry?.id);
    if (checked.warnings.length > 0) warnings.push({ part: 'route', index, id, errors: checked.warnings });
    if (!checked.ok) {
      problems.push({ part: 'route', index, id, errors: checked.errors });
    } else if (routes.some((r) => r.id === checked.value.id)) {
      problems.push({ part: 'route', index, id, errors: [issue('duplicate-id', { id })] });
    } else {
      routes.push(checked.value);
    }
  });

  const zones: ZoneDef[] = [];
  const zoneList = Array.isArray(props.zones) ? (props.zones as Record<string, unknown>[]) : [];
  zoneList.forEach((entry, index) => {
    const checked = checkZone(entry ?? {});
    const id = text(entry?.id);
    if (checked.warnings.length > 0) warnings.push({ part: 'zone', index, id, errors: checked.warnings });
    if (!checked.ok) {
      problems.push({ part: 'zone', index, id, errors: checked.errors });
    } else if (zones.some((z) => z.id === checked.value.id)) {
      problems.push({ part: 'zone', index, id, errors: [issue('duplicate-id', { id })] });
    } else {
      zones.push(checked.value);
    }
  });

  const defaultRouteId = text(props.defaultRoute) || undefined;
  return {
    routes,
    zones,
    defaultRouteId,
    settings,
    forgetAfterMs: (values.forgetMinutes as number) * 60_000,
    problems,
    warnings,
  };
}
