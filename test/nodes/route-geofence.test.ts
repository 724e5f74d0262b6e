import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import type { Preview } from '../../nodes/core/geo/preview';
import type { BackOnRouteEvent, DeviationEvent, FixReport, ZoneEvent } from '../../nodes/core/geo/tracker';

import routeGeofence = require('../../nodes/route-geofence/route-geofence');

import { type Collector, collectorNodes, startCollector } from '../support/collector';
import { ManualClock } from '../support/manual-clock';
import {
  helper as baseHelper,
  type FlowNode,
  nodeRedPackage,
  PortRecorder,
  statusMatching,
} from '../support/node-red-helper';

type Msg = Record<string, unknown>;

const helper = baseHelper as typeof baseHelper & {
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes'): Promise<void>;
  request(): { post(path: string): { send(body: unknown): PromiseLike<{ status: number; body: unknown }> } };
};

/** Nathan Road from Tsim Sha Tsui north to Mong Kok, typed as people type it: "lat, lng" per line. */
const NATHAN_ROAD = '22.2948, 114.1722\n22.3001, 114.1718\n22.3071, 114.1712\n22.3193, 114.1694';
type LatLng = { lat: number; lng: number };
/** Positions: on the road, and 300-odd metres east of it (Ho Man Tin). */
const ON: [LatLng, LatLng, LatLng, LatLng, LatLng] = [
  { lat: 22.296, lng: 114.1721 },
  { lat: 22.299, lng: 114.1719 },
  { lat: 22.304, lng: 114.1715 },
  { lat: 22.31, lng: 114.1708 },
  { lat: 22.315, lng: 114.1701 },
];
/** Further up Nathan Road, past the depot. */
const NORTH: [LatLng, LatLng] = [
  { lat: 22.318, lng: 114.1696 },
  { lat: 22.319, lng: 114.1695 },
];
const OFF: [LatLng, LatLng] = [
  { lat: 22.3045, lng: 114.175 },
  { lat: 22.305, lng: 114.176 },
];

let sequence = 0;
function position(vehicleId: string, p: LatLng, seconds: number, extra: Msg = {}): Msg {
  sequence++;
  return {
    id: `evt_pos_${sequence}`,
    event: 'vehicle.position',
    timestamp: new Date(Date.parse('2026-11-20T08:00:00+08:00') + seconds * 1000).toISOString(),
    storeId: 'HK-FLEET',
    data: {
      vehicleId,
      ...p,
      accuracy: 6,
      recordedAt: `2026-11-20T08:${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}+08:00`,
      ...extra,
    },
  };
}

function flow(props: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'tab', type: 'tab' },
    {
      id: 'geo',
      type: 'route-geofence',
      z: 'tab',
      name: 'vans',
      routes: [{ id: 'R1', name: 'Nathan Road', widthM: 60, geometry: NATHAN_ROAD }],
      defaultRoute: 'R1',
      zones: [
        { id: 'depot', name: 'Mong Kok depot', type: 'circle', center: '22.3150, 114.1701', radiusM: 120 },
      ],
      confirmFixes: 2,
      confirmSeconds: 30,
      hysteresisM: 10,
      maxAccuracyM: 50,
      forgetMinutes: 60,
      annotate: true,
      outputs: 3,
      wires: [['alerts'], ['zones'], ['fixes']],
      ...props,
    },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'zones', type: 'helper', z: 'tab' },
    { id: 'fixes', type: 'helper', z: 'tab' },
    // (ids differ from types: Node-RED reads a property whose value is a config node's id as a reference)
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['geo'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'completer', type: 'complete', z: 'tab', scope: ['geo'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];
}

/** What came out of each port and of the Catch and Complete nodes. */
class Recorder extends PortRecorder {
  constructor() {
    super(['alerts', 'zones', 'fixes', 'caught', 'completed'], () => 'geo');
  }
}

describe('route-geofence node', () => {
  let clock: ManualClock;

  async function load(props: Record<string, unknown> = {}) {
    clock = new ManualClock(Date.parse('2026-11-20T08:00:00+08:00'));
    await helper.load(routeGeofence.withClock(clock), flow(props));
    return new Recorder();
  }

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('alerts a departure on the second fix outside the corridor, at once, with the documented payload', async () => {
    const r = await load();
    await r.send({
      payload: position('VAN-7', ON[0], 0),
      topic: 'vehicle.position',
      pos: { scheme: 'generic' },
    });
    await r.send({ payload: position('VAN-7', ON[1], 10) });
    await r.send({ payload: position('VAN-7', ON[2], 20) });
    await r.send({ payload: position('VAN-7', OFF[0], 30) });
    assert.equal(r.seen.alerts?.length, 0, 'one fix outside is not yet a deviation');
    const started = process.hrtime.bigint();
    const alerted = r.until('alerts', 1);
    helper.getNode('geo').receive({ payload: position('VAN-7', OFF[1], 40), pos: { scheme: 'generic' } });
    await alerted;
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsedMs < 1000, `alert ${elapsedMs} ms after the fix`);

    const alert = r.last('alerts');
    assert.equal(alert.topic, 'deviation');
    assert.deepEqual(alert.pos, { scheme: 'generic' }, 'other message properties travel on');
    const payload = alert.payload as DeviationEvent;
    assert.equal(payload.event, 'deviation');
    assert.equal(payload.vehicleId, 'VAN-7');
    assert.equal(payload.routeId, 'R1');
    assert.equal(payload.routeName, 'Nathan Road');
    assert.equal(payload.corridorM, 60);
    assert.equal(payload.fixes, 2);
    assert.equal(payload.offRouteSince, '2026-11-20T08:00:30+08:00');
    assert.equal(payload.offRouteS, 10);
    assert.equal(payload.recordedAt, '2026-11-20T08:00:40+08:00');
    assert.deepEqual(payload.position, OFF[1]);
    assert.ok(Number.isInteger(payload.distanceM) && payload.distanceM > 300 && payload.distanceM < 500);
    assert.ok(payload.progressM > 1000 && payload.progressM < 1200, `${payload.progressM}`);
    assert.ok(payload.progressPct > 30 && payload.progressPct < 45);
    assert.ok(payload.routeLengthM > 2700 && payload.routeLengthM < 2800);
    assert.ok(
      Math.abs(payload.nearest.lat - 22.3047) < 0.001 && Math.abs(payload.nearest.lng - 114.1714) < 0.001,
    );
  });

  it('reports back-on-route once, zone entry and exit on the second output, and every fix on the third', async () => {
    const r = await load();
    const trace = [ON[0], ON[1], ON[2], OFF[0], OFF[1], ON[2], ON[3], ON[4], ON[4], NORTH[0], NORTH[1]];
    for (const [i, p] of trace.entries()) await r.send({ payload: position('VAN-7', p, i * 10) });
    assert.deepEqual(r.topics('alerts'), ['deviation', 'back-on-route']);
    const back = r.last('alerts').payload as BackOnRouteEvent;
    assert.equal(back.offRouteSince, '2026-11-20T08:00:30+08:00');
    assert.equal(back.offRouteS, 20);
    assert.ok(back.maxDistanceM > 300);
    // the depot circle (120 m around ON[4]) is entered at the second fix there, left after two fixes away
    assert.deepEqual(r.topics('zones'), ['zone-enter', 'zone-exit']);
    const exit = r.last('zones').payload as ZoneEvent;
    assert.equal(exit.zoneId, 'depot');
    assert.equal(exit.zoneName, 'Mong Kok depot');
    assert.equal(exit.insideS, 20);
    assert.equal(r.seen.fixes?.length, trace.length);
    const report = r.last('fixes').geofence as FixReport;
    assert.equal(report.accepted, true);
    assert.equal(report.route?.onRoute, true);
    assert.deepEqual(report.zones, []);
    assert.equal((r.last('fixes').payload as Msg).event, 'vehicle.position', 'the fix travels on unchanged');
    assert.equal(r.seen.caught?.length, 0);
  });

  it('sends nothing for a quiet fix when the third output is off', async () => {
    const r = await load({ annotate: false, outputs: 2, wires: [['alerts'], ['zones']] });
    for (const [i, p] of [ON[0], ON[1], OFF[0], OFF[1]].entries()) {
      await r.send({ payload: position('VAN-1', p, i * 10) });
    }
    assert.deepEqual(r.topics('alerts'), ['deviation']);
    assert.equal(r.seen.fixes?.length, 0);
  });

  it('takes a bare position object, and ignores repeats, late fixes and inaccurate ones', async () => {
    const r = await load();
    const bare = (p: LatLng, s: number, extra: Msg = {}) =>
      (position('VAN-2', p, s, extra) as { data: Msg }).data;
    await r.send({ payload: bare(ON[0], 0) });
    await r.send({ payload: bare(OFF[0], 10) });
    await r.send({ payload: bare(OFF[0], 10) });
    await r.send({ payload: bare(OFF[1], 5) });
    await r.send({ payload: bare(OFF[1], 15, { accuracy: 200 }) });
    assert.deepEqual(
      r.seen.fixes?.map((m) => (m.geofence as FixReport).ignored ?? 'accepted'),
      ['accepted', 'accepted', 'duplicate', 'out-of-order', 'inaccurate'],
    );
    assert.equal(r.seen.alerts?.length, 0);
    await r.send({ payload: bare(OFF[1], 20) });
    assert.deepEqual(r.topics('alerts'), ['deviation']);
  });

  it('reports a bad position to a Catch node, naming the field, and warns once about other events', async () => {
    const r = await load();
    await r.send({ payload: { vehicleId: 'VAN-3', lat: 114.17, lng: 22.3 } });
    await r.send({ payload: { vehicleId: 'VAN-3', lat: 22.3 } });
    assert.equal(r.seen.caught?.length, 2);
    const first = r.seen.caught?.[0]?.error as { message: string };
    assert.match(first.message, /route-geofence\.errors\.invalid-fix/);
    const warned: unknown[] = [];
    helper
      .getNode('geo')
      .on('call:warn', (call: never) => warned.push((call as { args: unknown[] }).args[0]));
    await r.send({ payload: { id: 'x', event: 'transaction.completed', data: {} } });
    await r.send({ payload: { id: 'y', event: 'transaction.completed', data: {} } });
    assert.equal(r.seen.caught?.length, 2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warned, ['route-geofence.warnings.not-position']);
  });

  it('sets a route at runtime by id, uses it for fixes that name it, and rejects a bad one', async () => {
    const r = await load();
    await r.send({
      topic: 'route',
      payload: {
        id: 'R2',
        name: 'Kwun Tong Road',
        widthM: 40,
        geometry: {
          type: 'LineString',
          coordinates: [
            [114.2106, 22.3119],
            [114.224, 22.3124],
          ],
        },
      },
    });
    assert.equal(r.seen.caught?.length, 0);
    const onR2 = [
      { lat: 22.312, lng: 114.212 },
      { lat: 22.3121, lng: 114.215 },
      { lat: 22.315, lng: 114.218 },
      { lat: 22.316, lng: 114.219 },
    ];
    for (const [i, p] of onR2.entries())
      await r.send({ payload: position('VAN-9', p, i * 10, { routeId: 'R2' }) });
    assert.deepEqual(r.topics('alerts'), ['deviation']);
    assert.equal((r.last('alerts').payload as DeviationEvent).routeName, 'Kwun Tong Road');

    await r.send({
      topic: 'route',
      payload: { id: 'R3', widthM: 40, geometry: '114.2106, 22.3119\n114.2240, 22.3124' },
    });
    const error = r.last('caught').error as { message: string };
    assert.match(error.message, /route-geofence\.errors\.route-rejected/);
  });

  it('warns once about a route it does not know, and still checks zones', async () => {
    const r = await load();
    const warned: unknown[] = [];
    helper
      .getNode('geo')
      .on('call:warn', (call: never) => warned.push((call as { args: unknown[] }).args[0]));
    for (const s of [0, 10, 20]) await r.send({ payload: position('VAN-5', ON[4], s, { routeId: 'R404' }) });
    assert.deepEqual(r.topics('zones'), ['zone-enter']);
    assert.equal((r.last('fixes').geofence as FixReport).unknownRoute, 'R404');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warned, ['route-geofence.warnings.unknown-route']);
  });

  it('reports a broken route in its settings (red status) and keeps the rest working', async () => {
    const r = await load({
      routes: [
        { id: 'R1', name: 'Nathan Road', widthM: 60, geometry: NATHAN_ROAD },
        { id: 'R2', widthM: 60, geometry: '114.17, 22.30\n114.18, 22.31' },
      ],
    });
    const red = statusMatching(helper.getNode('geo'), (s) => s.fill === 'red');
    for (const [i, p] of [ON[0], OFF[0], OFF[1]].entries())
      await r.send({ payload: position('VAN-1', p, i * 10) });
    assert.deepEqual(r.topics('alerts'), ['deviation'], 'the valid route still works');
    assert.equal((await red).text, 'route-geofence.status.config-error');
  });

  it('keeps vehicle state across a full redeploy that changed another flow', async () => {
    const r = await load();
    await r.send({ payload: position('VAN-7', ON[2], 0) });
    await r.send({ payload: position('VAN-7', OFF[0], 10) });
    const changed = flow();
    changed.push({ id: 'other', type: 'helper', z: 'tab' });
    await helper.setFlows(changed, 'full');
    const after = new Recorder();
    await after.send({ payload: position('VAN-7', OFF[1], 20) });
    assert.deepEqual(after.topics('alerts'), ['deviation'], 'the first fix outside was remembered');
    assert.equal((after.last('alerts').payload as DeviationEvent).offRouteSince, '2026-11-20T08:00:10+08:00');
  });

  it('forgets a vehicle that stays silent for longer than the limit (its own clock)', async () => {
    const r = await load({ forgetMinutes: 10 });
    await r.send({ payload: position('VAN-8', ON[2], 0) });
    await r.send({ payload: position('VAN-8', OFF[0], 10) });
    // a minute at a time, letting each sweep (asynchronous context calls) finish before the next is due
    for (let minute = 0; minute < 11; minute++) {
      await clock.advance(60_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await r.send({ payload: position('VAN-8', OFF[1], 20) });
    assert.deepEqual(r.topics('alerts'), [], 'the earlier fix outside was forgotten with the vehicle');
  });

  it('resets one vehicle on request', async () => {
    const r = await load();
    await r.send({ payload: position('VAN-8', OFF[0], 0) });
    await r.send({ topic: 'reset', payload: { vehicleId: 'VAN-8' } });
    await r.send({ payload: position('VAN-8', OFF[1], 10) });
    assert.deepEqual(r.topics('alerts'), []);
  });

  it('serves the editor preview: figures, exact problems and shapes to draw', async () => {
    await load();
    const answer = await helper
      .request()
      .post('/route-geofence/preview')
      .send({
        routes: [
          { id: 'R1', widthM: 60, geometry: NATHAN_ROAD },
          { id: 'R2', widthM: 60, geometry: '114.1722, 22.2948\n114.1694, 22.3193' },
        ],
        zones: [{ id: 'depot', type: 'circle', center: '22.3150, 114.1701', radiusM: 120 }],
      });
    assert.equal(answer.status, 200);
    const preview = answer.body as Preview;
    assert.equal(preview.routes[0]?.ok, true);
    assert.equal(preview.routes[0]?.vertices, 4);
    assert.ok((preview.routes[0]?.lengthM ?? 0) > 2700);
    assert.equal(preview.routes[0]?.path?.length, 4);
    assert.deepEqual(
      preview.routes[1]?.errors.map((e) => e.code),
      ['all-swapped-latlng'],
    );
    assert.equal(preview.zones[0]?.type, 'circle');
    assert.equal(preview.zones[0]?.radiusM, 120);
    assert.ok(preview.bounds);
  });

  it('runs its timers on the clock it is given and releases them when closed', async () => {
    const r = await load();
    await r.send({ payload: position('VAN-1', ON[0], 0) });
    assert.equal(clock.pending, 2, 'the silent-vehicle sweep and the status refresh');
    const refreshed = statusMatching(
      helper.getNode('geo'),
      (s) => s.text === 'route-geofence.status.tracking',
    );
    await clock.advance(1000);
    await refreshed;
    assert.equal(clock.pending, 1);
    await r.send({ payload: position('VAN-1', ON[1], 10) });
    await helper.unload();
    assert.equal(clock.pending, 0);
    await helper.load(routeGeofence.withClock(clock), flow());
  });
});

/** A package folder holding just this node (the build's package.json lists only the nodes already released). */
function geofencePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'route-geofence-pkg-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: '@retail-ops/node-red-pos-dingtalk',
      version: '0.0.0-test',
      'node-red': {
        version: '>=4.1.0',
        nodes: { 'route-geofence': 'nodes/route-geofence/route-geofence.js' },
      },
    }),
  );
  symlinkSync(resolve(__dirname, '../../nodes'), join(dir, 'nodes'), 'dir');
  return dir;
}

describe('route-geofence in a real Node-RED runtime', function () {
  this.timeout(120_000);
  let nodeRed: NodeRed | undefined;
  let collector: Collector;
  let userDir: string;
  let packageDir: string;

  const injectFix = (id: string, p: LatLng, seconds: number): FlowNode => ({
    id,
    type: 'inject',
    z: 'tab',
    props: [{ p: 'payload' }],
    payload: JSON.stringify(position('VAN-7', p, seconds)),
    payloadType: 'json',
    repeat: '',
    once: false,
    wires: [['geo']],
  });

  const flows = (): FlowNode[] => [
    { id: 'tab', type: 'tab', label: 'Vans' },
    injectFix('on', ON[2], 0),
    injectFix('off1', OFF[0], 10),
    injectFix('off2', OFF[1], 20),
    injectFix('back1', ON[3], 30),
    injectFix('back2', ON[4], 40),
    { ...(flow()[1] as FlowNode), annotate: false, outputs: 2, wires: [['out'], []] },
    ...(collectorNodes('out', 'tab', collector.url) as FlowNode[]),
  ];

  before(async () => {
    collector = await startCollector();
    userDir = mkdtempSync(join(tmpdir(), 'route-geofence-nr-'));
    packageDir = geofencePackage();
  });

  after(async () => {
    await nodeRed?.stop();
    await collector?.close();
    rmSync(userDir, { recursive: true, force: true });
    rmSync(packageDir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}) =>
    launchNodeRed({
      nodeRedPackage,
      packageDir,
      userDir,
      env,
      settings: { contextStorage: { default: { module: 'localfilesystem' } } },
    });

  it('loads where require() cannot load ES modules, alerts within a second, and keeps state across a restart', async () => {
    // Node 24 without require(esm) behaves as Node 22.9, the oldest Node the package claims
    nodeRed = await start({ NODE_OPTIONS: '--no-experimental-require-module' });
    await nodeRed.deploy(flows());
    await nodeRed.inject('on');
    await nodeRed.inject('off1');
    const started = Date.now();
    await nodeRed.inject('off2');
    const [deviation] = await collector.waitFor(1);
    assert.ok(Date.now() - started < 1000, 'the group hears within a second');
    assert.equal(deviation?.topic, 'deviation');
    assert.equal((deviation?.payload as DeviationEvent | undefined)?.vehicleId, 'VAN-7');

    // a restart (the localfilesystem store writes on shutdown): the vehicle is still known to be off route
    await nodeRed.stop();
    nodeRed = await start({ NODE_OPTIONS: '--no-experimental-require-module' });
    await nodeRed.inject('back1');
    await nodeRed.inject('back2');
    const all = await collector.waitFor(2);
    assert.equal(all[1]?.topic, 'back-on-route');
    assert.equal(
      (all[1]?.payload as BackOnRouteEvent | undefined)?.offRouteSince,
      '2026-11-20T08:00:10+08:00',
    );
    assert.equal(all.length, 2);
  });
});
