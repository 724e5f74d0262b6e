// A position message as the geofence reads it: the canonical vehicle.position event (what pos-in emits) or
// its bare `data` object (from MQTT or a tracker's own webhook), checked with the same zod schema pos-in uses.
import { vehiclePositionSchema } from '../events/schema';
import { offsetOf } from './format';

export interface Fix {
  vehicleId: string;
  lat: number;
  lng: number;
  accuracy?: number;
  speed?: number;
  heading?: number;
  routeId?: string;
  /** When the position was recorded (ms since the epoch): recordedAt, else the event's timestamp, else arrival. */
  at: number;
  /** The UTC offset of that time as the device wrote it, in minutes (null when unknown). */
  tz: number | null;
  /** That time as the device wrote it (ISO-8601), when it wrote one. */
  text?: string;
}

export type FixReading =
  | { ok: true; fix: Fix }
  /** A message that is not a position at all (another POS event type). */
  | { ok: false; notPosition: true; eventType: string }
  | { ok: false; notPosition: false; detail: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(issue: { path: PropertyKey[]; message: string }): string {
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function readFix(payload: unknown, receivedAtMs: number): FixReading {
  if (!isObject(payload)) return { ok: false, notPosition: false, detail: 'payload is not an object' };
  let data: unknown = payload;
  let timestamp: unknown;
  if ('event' in payload) {
    if (payload.event !== 'vehicle.position')
      return { ok: false, notPosition: true, eventType: String(payload.event) };
    data = payload.data;
    timestamp = payload.timestamp;
    if (!isObject(data)) return { ok: false, notPosition: false, detail: 'data: expected an object' };
  }
  const record = data as Record<string, unknown>;
  const { lat, lng } = record;
  if (typeof lat === 'number' && typeof lng === 'number' && Math.abs(lat) > 90 && Math.abs(lng) <= 90)
    return {
      ok: false,
      notPosition: false,
      detail: `lat ${lat} and lng ${lng} look swapped (lat must be within ±90)`,
    };
  const parsed = vehiclePositionSchema.safeParse(record);
  if (!parsed.success) {
    return {
      ok: false,
      notPosition: false,
      detail: parsed.error.issues.slice(0, 3).map(describe).join('; '),
    };
  }
  const position = parsed.data;
  const when = position.recordedAt ?? (typeof timestamp === 'string' ? timestamp : undefined);
  const parsedTime = when === undefined ? Number.NaN : Date.parse(when);
  const known = Number.isFinite(parsedTime);
  const fix: Fix = {
    vehicleId: position.vehicleId,
    lat: position.lat,
    lng: position.lng,
    at: known ? parsedTime : receivedAtMs,
    tz: known && when !== undefined ? offsetOf(when) : null,
  };
  if (known && when !== undefined) fix.text = when;
  if (position.accuracy !== undefined) fix.accuracy = position.accuracy;
  if (position.speed !== undefined) fix.speed = position.speed;
  if (position.heading !== undefined) fix.heading = position.heading;
  if (position.routeId !== undefined && position.routeId !== '') fix.routeId = position.routeId;
  return { ok: true, fix };
}
