// One vehicle's state, advanced one GPS fix at a time. Pure and synchronous: given the previous state (a plain
// JSON object, so any context store can keep it) and a fix, it returns the next state, the events to send and a
// report of the fix. The noise handling lives here:
//   - fixes whose accuracy is worse than the limit, repeats and late arrivals (older recordedAt) are ignored;
//   - a change (leaving the route, entering or leaving a zone) counts only after N consecutive fixes agree, or
//     when the first of them is T seconds old;
//   - the route's corridor is left at its edge but re-entered only a margin inside it, and a zone is entered
//     at its edge but left only a margin outside it, so a vehicle on a boundary does not flap;
//   - progress along the route is kept per vehicle and each fix is matched to the stretch that continues it,
//     so a route that passes the same street twice does not snap to the wrong pass; driving it backwards and
//     jumping ahead (skipping a section) are reported.

import type { Fix } from './fix';
import { isoAt, type LatLng, latLng, metres, percent, seconds } from './format';
import { roughKm } from './parse';
import type { Route, RouteMatch } from './route';
import type { ZoneSet } from './zones';

export interface TrackerSettings {
  /** N: consecutive fixes that must agree before a change counts (at least 1). */
  confirmFixes: number;
  /** T: or the change counts when its first fix is this old (ms; 0 = fixes only). */
  confirmMs: number;
  /** The margin between the bands: re-enter the corridor this far inside its edge, leave a zone this far out. */
  hysteresisM: number;
  /** Fixes whose reported accuracy is worse than this are ignored (0 = keep all). */
  maxAccuracyM: number;
  /** A jump ahead along the route of at least this much is reported as a skipped section. */
  skipMinM: number;
  /** Progress falling this far below the furthest point reached is reported as driving the wrong way. */
  reverseMinM: number;
}

export const defaultTrackerSettings: TrackerSettings = {
  confirmFixes: 2,
  confirmMs: 30_000,
  hysteresisM: 10,
  maxAccuracyM: 50,
  skipMinM: 300,
  reverseMinM: 100,
};

/** A route as the tracker uses it. */
export interface ActiveRoute {
  id: string;
  name: string;
  /** Full corridor width: the vehicle may be widthM / 2 either side of the line. */
  widthM: number;
  route: Route;
}

/** A debounced yes/no: `n` consecutive fixes have disagreed with `on`, the first of them at `since`. */
interface Debounced {
  on: boolean;
  n: number;
  since: number;
}

export interface RouteTrack extends Debounced {
  id: string;
  fp: string;
  /** Metres along the route at the last fix matched on it, and where that fix was. */
  progress: number | null;
  pLat: number | null;
  pLng: number | null;
  /** False until a second fix has confirmed which pass of the route the vehicle is on. */
  settled: boolean;
  /** The furthest and (while reversing) the lowest progress reached, for wrong-way detection. */
  high: number;
  low: number;
  reversing: boolean;
  /** The current (or last) deviation: first fix outside, progress when leaving, largest distance. */
  offSince: number | null;
  leftAt: number | null;
  maxOff: number;
  /** Progress at the first fix back inside, while the return awaits confirmation. */
  rejoin: number | null;
}

export interface ZoneTrack extends Debounced {
  enteredAt: number | null;
}

/** Everything kept per vehicle: plain JSON (no Infinity, no NaN, no Map) for any context store. */
export interface VehicleState {
  v: 1;
  id: string;
  /** Time of the last accepted fix, and where it was. */
  at: number;
  lat: number;
  lng: number;
  tz: number | null;
  /** When (server clock) anything was last heard from the vehicle. */
  seen: number;
  route: RouteTrack | null;
  zones: Record<string, ZoneTrack>;
}

interface Common {
  vehicleId: string;
  /** The fix that decided it. */
  recordedAt: string;
  position: LatLng;
}

interface RouteFields {
  routeId: string;
  routeName: string;
  routeLengthM: number;
  progressPct: number;
}

export interface DeviationEvent extends Common, RouteFields {
  event: 'deviation';
  distanceM: number;
  corridorM: number;
  nearest: LatLng;
  offRouteSince: string;
  offRouteS: number;
  /** Metres along the route where the vehicle left it. */
  progressM: number;
  fixes: number;
}

export interface BackOnRouteEvent extends Common, RouteFields {
  event: 'back-on-route';
  distanceM: number;
  nearest: LatLng;
  offRouteSince: string;
  offRouteS: number;
  maxDistanceM: number;
  leftAtM: number;
  rejoinedAtM: number;
  /** Route left out between leaving and rejoining (0 when rejoined at or behind where it left). */
  skippedM: number;
  progressM: number;
}

export interface SectionSkippedEvent extends Common, RouteFields {
  event: 'section-skipped';
  fromM: number;
  toM: number;
  skippedM: number;
  /** True when the vehicle left the corridor and rejoined further on; false when it cut across within it. */
  viaDetour: boolean;
  progressM: number;
}

export interface WrongDirectionEvent extends Common, RouteFields {
  event: 'wrong-direction';
  progressM: number;
  /** How far back along the route from the furthest point reached. */
  reversedM: number;
}

export interface ZoneEvent extends Common {
  event: 'zone-enter' | 'zone-exit';
  zoneId: string;
  zoneName: string;
  zoneType: 'circle' | 'polygon';
  /** Metres to the boundary: negative inside. */
  boundaryM: number;
  enteredAt: string;
  /** zone-exit only: how long the vehicle was inside. */
  insideS?: number;
}

export type RouteEvent = DeviationEvent | BackOnRouteEvent | SectionSkippedEvent | WrongDirectionEvent;
export type GeofenceEvent = RouteEvent | ZoneEvent;

export type IgnoredReason = 'inaccurate' | 'duplicate' | 'out-of-order';

/** What happened to one fix (sent on the third output). */
export interface FixReport {
  vehicleId: string;
  recordedAt: string;
  accepted: boolean;
  ignored?: IgnoredReason;
  routeId: string | null;
  /** Set when the fix names a route this node does not know. */
  unknownRoute?: string;
  route?: {
    distanceM: number;
    inCorridor: boolean;
    onRoute: boolean;
    nearest: LatLng;
    progressM: number | null;
    progressPct: number | null;
  };
  zones: string[];
  events: string[];
}

export interface StepContext {
  settings: TrackerSettings;
  /** The vehicle's route (its routeId's, else the default), if any. */
  route: ActiveRoute | undefined;
  /** The route id the fix asked for, when it is not known. */
  unknownRoute?: string;
  zones: ZoneSet;
}

export interface StepResult {
  /** The state to keep (undefined: nothing to keep). */
  state: VehicleState | undefined;
  events: GeofenceEvent[];
  report: FixReport;
}

/** Lateral metres weigh this much more than metres along the route when choosing among passes. */
const LATERAL_WEIGHT = 2;
/** Going back along the route weighs this much more than going forward. */
const BACKWARD_WEIGHT = 2;
/** A pass whose bearing differs from the vehicle's course by more than this runs against it. */
const OPPOSED_DEG = 120;
/** Below this speed (m/s) a reported heading is not trusted. */
const MIN_HEADING_SPEED = 2;
/** A course is derived from two fixes only when they are at least this far apart. */
const MIN_COURSE_M = 20;
/** The route between two fixes is at most this many times their straight-line distance, plus slack. */
const DETOUR_FACTOR = 1.5;
const SKIP_SLACK_M = 30;

function debounce(state: Debounced, raw: boolean, at: number, settings: TrackerSettings): boolean {
  if (raw === state.on) {
    state.n = 0;
    return false;
  }
  if (state.n === 0) state.since = at;
  state.n++;
  if (
    state.n >= settings.confirmFixes ||
    (settings.confirmMs > 0 && at - state.since >= settings.confirmMs)
  ) {
    state.on = raw;
    state.n = 0;
    return true;
  }
  return false;
}

function freshTrack(active: ActiveRoute): RouteTrack {
  return {
    id: active.id,
    fp: active.route.fingerprint,
    on: true,
    n: 0,
    since: 0,
    progress: null,
    pLat: null,
    pLng: null,
    settled: false,
    high: 0,
    low: 0,
    reversing: false,
    offSince: null,
    leftAt: null,
    maxOff: 0,
    rejoin: null,
  };
}

function angleBetween(a: number, b: number): number {
  const diff = Math.abs((((a - b) % 360) + 360) % 360);
  return diff > 180 ? 360 - diff : diff;
}

/**
 * The vehicle's direction of travel: its reported heading (unless it reports standing still), else the
 * direction from the last matched fix when it has moved clearly more than GPS noise.
 */
function courseOf(fix: Fix, track: RouteTrack): number | undefined {
  if (fix.heading !== undefined && (fix.speed === undefined || fix.speed >= MIN_HEADING_SPEED))
    return fix.heading;
  if (track.pLat === null || track.pLng === null) return undefined;
  const moved = roughKm([track.pLng, track.pLat], [fix.lng, fix.lat]) * 1000;
  if (moved < Math.max(MIN_COURSE_M, 2 * (fix.accuracy ?? 0))) return undefined;
  const dx = (fix.lng - track.pLng) * Math.cos((fix.lat * Math.PI) / 180);
  const dy = fix.lat - track.pLat;
  const degrees = (Math.atan2(dx, dy) * 180) / Math.PI;
  return degrees < 0 ? degrees + 360 : degrees;
}

/**
 * The pass of the route a fix in the corridor belongs to, where the route comes by more than once:
 *   1. passes that run against the vehicle's direction of travel are set aside (if any pass runs with it);
 *   2. with no progress yet, the earliest pass (a vehicle is more likely at the start of its route);
 *   3. otherwise the pass that best continues the progress: forward preferred, nearer preferred.
 */
function choosePass(
  active: ActiveRoute,
  fix: Fix,
  track: RouteTrack,
  passes: readonly RouteMatch[],
  nearest: RouteMatch,
  continuing: boolean,
): RouteMatch {
  if (passes.length <= 1) return passes[0] ?? nearest;
  let pool = passes;
  const course = courseOf(fix, track);
  if (course !== undefined) {
    const along = passes.filter((c) => angleBetween(active.route.bearing(c.segment), course) <= OPPOSED_DEG);
    if (along.length > 0) pool = along;
  }
  let best = pool[0] as RouteMatch;
  if (track.progress === null) {
    for (const c of pool) if (c.alongM < best.alongM) best = c;
    return best;
  }
  // expected: where the last matched fix was, plus the distance covered since (a lower bound on the route)
  const moved =
    continuing && track.pLat !== null && track.pLng !== null
      ? roughKm([track.pLng, track.pLat], [fix.lng, fix.lat]) * 1000
      : 0;
  const expected = track.progress + moved;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const c of pool) {
    const gap = c.alongM - expected;
    const cost = (gap >= 0 ? gap : -gap * BACKWARD_WEIGHT) + LATERAL_WEIGHT * c.distanceM;
    if (cost < bestCost || (cost === bestCost && c.alongM < best.alongM)) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

function routeFields(active: ActiveRoute, progressM: number): RouteFields {
  return {
    routeId: active.id,
    routeName: active.name,
    routeLengthM: metres(active.route.lengthM),
    progressPct: percent(progressM, active.route.lengthM),
  };
}

/** What one fix's route step works on: the vehicle's track (changed in place) and the events it emits. */
interface RouteStep {
  settings: TrackerSettings;
  active: ActiveRoute;
  track: RouteTrack;
  fix: Fix;
  common: Common;
  events: GeofenceEvent[];
}

function stepRoute(
  context: StepContext,
  active: ActiveRoute,
  previous: RouteTrack | null,
  fix: Fix,
  common: Common,
  events: GeofenceEvent[],
): { track: RouteTrack; report: NonNullable<FixReport['route']> } {
  const { settings } = context;
  const route = active.route;
  const track: RouteTrack =
    previous && previous.id === active.id && previous.fp === route.fingerprint
      ? { ...previous }
      : freshTrack(active);
  const step: RouteStep = { settings, active, track, fix, common, events };
  const half = active.widthM / 2;
  const entryBand = Math.max(half - settings.hysteresisM, half / 2);
  const { nearest, passes } = route.locate(fix.lng, fix.lat, half);
  const distance = nearest.distanceM;
  const inBand = (band: number) => (band >= half ? passes : passes.filter((p) => p.distanceM <= band));
  const wasOn = track.on;
  const raw = wasOn ? distance <= half : distance <= entryBand;
  const pendingBefore = track.n;
  const flipped = debounce(track, raw, fix.at, settings);

  if (!raw) {
    // outside: remember the worst distance of this excursion (reset when a new one starts)
    track.maxOff = wasOn && pendingBefore === 0 ? distance : Math.max(track.maxOff, distance);
  }

  if (flipped && !track.on) {
    reportDeparture(step, nearest, pendingBefore);
  } else if (!track.on && raw && pendingBefore === 0) {
    // the first fix back inside: where the vehicle rejoined (the return is confirmed by later fixes)
    track.rejoin = choosePass(active, fix, track, inBand(entryBand), nearest, false).alongM;
  } else if (track.on && raw) {
    const match = choosePass(active, fix, track, inBand(wasOn ? half : entryBand), nearest, wasOn);
    if (flipped) reportReturn(step, match, distance, pendingBefore);
    else advanceProgress(step, match.alongM);
    track.progress = match.alongM;
    track.pLat = fix.lat;
    track.pLng = fix.lng;
    if (flipped) {
      track.offSince = null;
      track.rejoin = null;
    }
  }

  return {
    track,
    report: {
      distanceM: metres(distance),
      inCorridor: distance <= half,
      onRoute: track.on,
      nearest: latLng(nearest.lng, nearest.lat),
      progressM: track.progress === null ? null : metres(track.progress),
      progressPct: track.progress === null ? null : percent(track.progress, route.lengthM),
    },
  };
}

/** The departure is confirmed: one deviation event, and where along the route the vehicle left. */
function reportDeparture(
  { active, track, fix, common, events }: RouteStep,
  nearest: RouteMatch,
  pendingBefore: number,
) {
  track.offSince = track.since;
  track.leftAt = track.progress;
  const progressM = track.progress ?? nearest.alongM;
  events.push({
    event: 'deviation',
    ...common,
    ...routeFields(active, progressM),
    distanceM: metres(nearest.distanceM),
    corridorM: metres(active.widthM),
    nearest: latLng(nearest.lng, nearest.lat),
    offRouteSince: isoAt(track.since, fix.tz),
    offRouteS: seconds(fix.at - track.since),
    progressM: metres(progressM),
    fixes: pendingBefore + 1,
  });
}

/** The return is confirmed: back-on-route, and section-skipped when the vehicle rejoined further on. */
function reportReturn(step: RouteStep, match: RouteMatch, distance: number, pendingBefore: number) {
  const { settings, active, track, fix, common, events } = step;
  const along = match.alongM;
  const leftAt = track.leftAt ?? along;
  const rejoinedAt = pendingBefore === 0 ? along : (track.rejoin ?? along);
  const skipped = Math.max(0, rejoinedAt - leftAt);
  const offSince = track.offSince ?? track.since;
  events.push({
    event: 'back-on-route',
    ...common,
    ...routeFields(active, along),
    distanceM: metres(distance),
    nearest: latLng(match.lng, match.lat),
    offRouteSince: isoAt(offSince, fix.tz),
    offRouteS: seconds(track.since - offSince),
    maxDistanceM: metres(track.maxOff),
    leftAtM: metres(leftAt),
    rejoinedAtM: metres(rejoinedAt),
    skippedM: metres(skipped),
    progressM: metres(along),
  });
  if (skipped >= settings.skipMinM) {
    events.push({
      event: 'section-skipped',
      ...common,
      ...routeFields(active, along),
      fromM: metres(leftAt),
      toM: metres(rejoinedAt),
      skippedM: metres(skipped),
      viaDetour: true,
      progressM: metres(along),
    });
  }
  restartProgress(track, along);
}

/** Progress along the route while on it: settles the pass, then watches for skipped sections and reversing. */
function advanceProgress(step: RouteStep, along: number) {
  const { settings, active, track, fix, common, events } = step;
  if (track.progress === null) {
    restartProgress(track, along);
  } else if (!track.settled) {
    // the second fix on the route: the pass is now known (the first may have been a guess)
    track.settled = true;
    restartProgress(track, along);
  } else {
    const moved =
      track.pLat !== null && track.pLng !== null
        ? roughKm([track.pLng, track.pLat], [fix.lng, fix.lat]) * 1000
        : 0;
    const jump = along - track.progress;
    const plausible = DETOUR_FACTOR * moved + Math.max(2 * (fix.accuracy ?? 0), SKIP_SLACK_M);
    if (jump - plausible >= settings.skipMinM) {
      events.push({
        event: 'section-skipped',
        ...common,
        ...routeFields(active, along),
        fromM: metres(track.progress),
        toM: metres(along),
        skippedM: metres(jump),
        viaDetour: false,
        progressM: metres(along),
      });
      restartProgress(track, along);
    } else {
      followDirection(step, along);
    }
  }
}

/** Driving the route backwards: one wrong-direction event per reversal of at least reverseMinM. */
function followDirection({ settings, active, track, common, events }: RouteStep, along: number) {
  if (!track.reversing) {
    if (along > track.high) track.high = along;
    if (track.high - along >= settings.reverseMinM) {
      track.reversing = true;
      track.low = along;
      events.push({
        event: 'wrong-direction',
        ...common,
        ...routeFields(active, along),
        progressM: metres(along),
        reversedM: metres(track.high - along),
      });
    }
  } else {
    if (along < track.low) track.low = along;
    if (along - track.low >= settings.reverseMinM) {
      track.reversing = false;
      track.high = along;
    }
  }
}

/** Forward and backward progress both start again from here. */
function restartProgress(track: RouteTrack, along: number) {
  track.high = along;
  track.low = along;
  track.reversing = false;
}

function stepZones(
  context: StepContext,
  previous: Record<string, ZoneTrack>,
  fix: Fix,
  common: Common,
  events: GeofenceEvent[],
): Record<string, ZoneTrack> {
  const { settings, zones } = context;
  const next: Record<string, ZoneTrack> = {};
  const ids = new Set(Object.keys(previous));
  for (const zone of zones.near(fix.lng, fix.lat)) ids.add(zone.id);
  for (const id of ids) {
    const zone = zones.get(id);
    if (!zone) continue; // removed from the configuration: forget it quietly
    const track: ZoneTrack = { ...(previous[id] ?? { on: false, n: 0, since: 0, enteredAt: null }) };
    const boundary = zone.signedDistance(fix.lng, fix.lat);
    const raw = track.on ? boundary <= settings.hysteresisM : boundary <= 0;
    if (debounce(track, raw, fix.at, settings)) {
      if (track.on) track.enteredAt = track.since;
      const enteredAt = track.enteredAt ?? track.since;
      const event: ZoneEvent = {
        event: track.on ? 'zone-enter' : 'zone-exit',
        ...common,
        zoneId: zone.id,
        zoneName: zone.name,
        zoneType: zone.shape.type,
        boundaryM: metres(boundary),
        enteredAt: isoAt(enteredAt, fix.tz),
      };
      if (!track.on) {
        event.insideS = seconds(track.since - enteredAt);
        track.enteredAt = null;
      }
      events.push(event);
    }
    if (track.on || track.n > 0) next[id] = track;
  }
  return next;
}

/** Advances one vehicle by one fix. `seenAt` is the server's clock (for forgetting silent vehicles). */
export function step(
  context: StepContext,
  previous: VehicleState | undefined,
  fix: Fix,
  seenAt: number,
): StepResult {
  const recordedAt = fix.text ?? isoAt(fix.at, fix.tz);
  const routeId = context.route?.id ?? context.unknownRoute ?? null;
  const report: FixReport = {
    vehicleId: fix.vehicleId,
    recordedAt,
    accepted: false,
    routeId,
    zones: [],
    events: [],
  };
  if (context.unknownRoute !== undefined) report.unknownRoute = context.unknownRoute;

  let ignored: IgnoredReason | undefined;
  if (previous && fix.at < previous.at) ignored = 'out-of-order';
  else if (previous && fix.at === previous.at) ignored = 'duplicate';
  else if (
    context.settings.maxAccuracyM > 0 &&
    fix.accuracy !== undefined &&
    fix.accuracy > context.settings.maxAccuracyM
  )
    ignored = 'inaccurate';
  if (ignored) {
    report.ignored = ignored;
    if (previous) report.zones = Object.keys(previous.zones).filter((id) => previous.zones[id]?.on);
    return { state: previous ? { ...previous, seen: seenAt } : undefined, events: [], report };
  }

  const events: GeofenceEvent[] = [];
  const common: Common = { vehicleId: fix.vehicleId, recordedAt, position: latLng(fix.lng, fix.lat) };
  let track: RouteTrack | null = null;
  if (context.route) {
    const result = stepRoute(context, context.route, previous?.route ?? null, fix, common, events);
    track = result.track;
    report.route = result.report;
  }
  const zones = stepZones(context, previous?.zones ?? {}, fix, common, events);
  report.accepted = true;
  report.zones = Object.keys(zones).filter((id) => zones[id]?.on);
  report.events = events.map((e) => e.event);
  return {
    state: {
      v: 1,
      id: fix.vehicleId,
      at: fix.at,
      lat: fix.lat,
      lng: fix.lng,
      tz: fix.tz,
      seen: seenAt,
      route: track,
      zones,
    },
    events,
    report,
  };
}
