import assert from 'node:assert/strict';
import { checkReplayWindow } from '../../../nodes/core/webhook/replay-window';

describe('replay window', () => {
  const now = Date.parse('2026-11-20T08:30:00+08:00');
  const fiveMinutes = 5 * 60_000;
  const table: [string, number, boolean][] = [
    ['now', now, true],
    ['exactly 5 minutes old', now - fiveMinutes, true],
    ['5 minutes and 1 ms old', now - fiveMinutes - 1, false],
    ['exactly 5 minutes ahead (clock skew)', now + fiveMinutes, true],
    ['5 minutes and 1 ms ahead', now + fiveMinutes + 1, false],
    ['a day old', now - 86_400_000, false],
    ['not a time', Number.NaN, false],
  ];
  for (const [name, signedAt, ok] of table) {
    it(`${ok ? 'accepts' : 'refuses'} a timestamp ${name}`, () => {
      assert.equal(checkReplayWindow(signedAt, now, fiveMinutes).ok, ok);
    });
  }
  it('says how far off the timestamp is', () => {
    const result = checkReplayWindow(now - 7 * 60_000, now, fiveMinutes);
    assert.deepEqual(result, {
      ok: false,
      error: 'stale_timestamp',
      detail: 'the timestamp is 7 min old; the accepted window is 5 min',
    });
  });
});
