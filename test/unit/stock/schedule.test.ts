import assert from 'node:assert/strict';
import { StockError } from '../../../nodes/core/stock/errors';
import { DailyTimer, parseDailyTimes, TimeZone } from '../../../nodes/core/stock/schedule';
import { ManualClock } from '../../support/manual-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('digest schedule', () => {
  it('reads times of day', () => {
    assert.deepEqual(parseDailyTimes('17:00, 08:30'), [
      { hour: 8, minute: 30 },
      { hour: 17, minute: 0 },
    ]);
    assert.deepEqual(parseDailyTimes('8:05；8:05 ，9：00'.replace('；', ',')), [
      { hour: 8, minute: 5 },
      { hour: 9, minute: 0 },
    ]);
    assert.deepEqual(parseDailyTimes(''), []);
  });

  for (const text of ['24:00', '8', '08:60', 'morning', '8:5']) {
    it(`refuses "${text}"`, () =>
      assert.throws(
        () => parseDailyTimes(text),
        (err: unknown) => err instanceof StockError && err.code === 'digest-times',
      ));
  }

  it('refuses an unknown time zone', () =>
    assert.throws(
      () => new TimeZone('Asia/Atlantis'),
      (err: unknown) => err instanceof StockError && err.code === 'time-zone',
    ));

  it('writes times with the zone offset', () => {
    const at = Date.parse('2026-11-20T00:30:00Z');
    assert.equal(new TimeZone('Asia/Hong_Kong').iso(at), '2026-11-20T08:30:00+08:00');
    assert.equal(new TimeZone('Asia/Taipei').iso(at + 5), '2026-11-20T08:30:00.005+08:00');
    assert.equal(new TimeZone('America/New_York').iso(at), '2026-11-19T19:30:00-05:00');
    assert.equal(new TimeZone('UTC').iso(at), '2026-11-20T00:30:00+00:00');
  });

  it('finds the next daily time in the zone, strictly after now', () => {
    const hk = new TimeZone('Asia/Hong_Kong');
    const times = parseDailyTimes('08:30, 17:00');
    const morning = Date.parse('2026-11-20T08:30:00+08:00');
    assert.equal(hk.nextDaily(morning - 1, times), morning);
    assert.equal(hk.nextDaily(morning, times), Date.parse('2026-11-20T17:00:00+08:00'));
    assert.equal(hk.nextDaily(Date.parse('2026-11-20T23:00:00+08:00'), times), morning + 24 * HOUR);
    assert.equal(hk.nextDaily(morning, []), undefined);
  });

  it('keeps to wall-clock time across a daylight-saving change', () => {
    const ny = new TimeZone('America/New_York');
    const times = parseDailyTimes('08:00');
    // 2026-03-08: clocks go forward at 02:00 in New York.
    const before = Date.parse('2026-03-07T08:00:00-05:00');
    assert.equal(ny.nextDaily(before, times), Date.parse('2026-03-08T08:00:00-04:00'));
  });

  it('fires every day at the times, on a fake clock, until closed', async () => {
    const clock = new ManualClock(Date.parse('2026-11-20T07:00:00+08:00'));
    const fired: string[] = [];
    const zone = new TimeZone('Asia/Hong_Kong');
    const timer = new DailyTimer(parseDailyTimes('08:30'), zone, clock, () =>
      fired.push(zone.iso(clock.now())),
    );
    timer.start();
    await clock.advance(HOUR + 30 * MINUTE - 1);
    assert.deepEqual(fired, []);
    await clock.advance(1);
    await clock.advance(48 * HOUR);
    assert.deepEqual(fired, [
      '2026-11-20T08:30:00+08:00',
      '2026-11-21T08:30:00+08:00',
      '2026-11-22T08:30:00+08:00',
    ]);
    timer.close();
    await clock.advance(48 * HOUR);
    assert.equal(fired.length, 3);
    assert.equal(clock.pending, 0);
  });
});
