import assert from 'node:assert/strict';
import { readFix } from '../../../nodes/core/geo/fix';
import { isoAt, offsetOf, percent } from '../../../nodes/core/geo/format';

const RECEIVED = Date.parse('2026-11-20T00:31:00Z');

describe('geo: reading position messages', () => {
  const data = {
    vehicleId: 'VAN-7',
    lat: 22.3193,
    lng: 114.1694,
    accuracy: 6,
    speed: 8.5,
    heading: 12,
    routeId: 'R1',
    recordedAt: '2026-11-20T08:30:05+08:00',
  };

  it('reads the canonical vehicle.position event (as pos-in emits it)', () => {
    const reading = readFix(
      {
        id: 'evt_1',
        event: 'vehicle.position',
        timestamp: '2026-11-20T08:30:06+08:00',
        storeId: 'HK-FLEET',
        data,
      },
      RECEIVED,
    );
    assert.deepEqual(reading, {
      ok: true,
      fix: {
        vehicleId: 'VAN-7',
        lat: 22.3193,
        lng: 114.1694,
        accuracy: 6,
        speed: 8.5,
        heading: 12,
        routeId: 'R1',
        at: Date.parse('2026-11-20T00:30:05Z'),
        tz: 480,
        text: '2026-11-20T08:30:05+08:00',
      },
    });
  });

  it('reads a bare position (from MQTT), timing it by recordedAt, the event timestamp, or arrival', () => {
    const bare = readFix(
      { vehicleId: 'VAN-7', lat: 22.3, lng: 114.1, recordedAt: '2026-11-20T00:30:05Z' },
      RECEIVED,
    );
    assert.ok(bare.ok);
    assert.equal(bare.fix.tz, 0);
    const byTimestamp = readFix(
      {
        event: 'vehicle.position',
        timestamp: '2026-11-20T09:30:05+09:00',
        data: { vehicleId: 'V', lat: 22.3, lng: 114.1 },
      },
      RECEIVED,
    );
    assert.ok(byTimestamp.ok);
    assert.equal(byTimestamp.fix.at, Date.parse('2026-11-20T00:30:05Z'));
    assert.equal(byTimestamp.fix.tz, 540);
    const byArrival = readFix({ vehicleId: 'V', lat: 22.3, lng: 114.1 }, RECEIVED);
    assert.ok(byArrival.ok);
    assert.equal(byArrival.fix.at, RECEIVED);
    assert.equal(byArrival.fix.tz, null);
  });

  it('says which field is wrong, and when lat and lng look swapped', () => {
    const cases: [unknown, RegExp][] = [
      [{ vehicleId: 'V', lat: 114.17, lng: 22.31 }, /lat 114\.17 and lng 22\.31 look swapped/],
      [{ vehicleId: 'V', lat: 22.3 }, /lng/],
      [{ vehicleId: '', lat: 22.3, lng: 114.1 }, /vehicleId/],
      [{ vehicleId: 'V', lat: 22.3, lng: 114.1, recordedAt: 'yesterday' }, /recordedAt/],
      [{ vehicleId: 'V', lat: 22.3, lng: 114.1, accuracy: -1 }, /accuracy/],
      [{ event: 'vehicle.position', data: 'x' }, /data: expected an object/],
      ['22.3,114.1', /not an object/],
    ];
    for (const [payload, detail] of cases) {
      const reading = readFix(payload, RECEIVED);
      assert.equal(reading.ok, false);
      if (reading.ok || reading.notPosition) continue;
      assert.match(reading.detail, detail, JSON.stringify(payload));
    }
  });

  it('recognises other POS events as not positions', () => {
    assert.deepEqual(readFix({ event: 'transaction.completed', data: {} }, RECEIVED), {
      ok: false,
      notPosition: true,
      eventType: 'transaction.completed',
    });
  });
});

describe('geo: formatting for messages', () => {
  it('writes times to the second in the offset the device used', () => {
    const ms = Date.parse('2026-11-20T00:30:05.678Z');
    assert.equal(isoAt(ms, 480), '2026-11-20T08:30:05+08:00');
    assert.equal(isoAt(ms, -330), '2026-11-19T19:00:05-05:30');
    assert.equal(isoAt(ms, null), '2026-11-20T00:30:05Z');
    assert.equal(offsetOf('2026-11-20T08:30:05+08:00'), 480);
    assert.equal(offsetOf('2026-11-20T08:30:05+0800'), 480);
    assert.equal(offsetOf('2026-11-20T08:30:05z'), 0);
    assert.equal(offsetOf('2026-11-20T08:30:05'), null);
  });

  it('rounds percentages to one decimal and keeps them within 0–100', () => {
    assert.equal(percent(1000, 3000), 33.3);
    assert.equal(percent(-5, 3000), 0);
    assert.equal(percent(3001, 3000), 100);
    assert.equal(percent(1, 0), 0);
  });
});
