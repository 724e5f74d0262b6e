// The robot adapter's wiring of the core (no Node-RED needed): settings.js dingtalkMaxInFlight, DingTalk's
// window handed to the core as it is (the arrival margin is the core limiter's, added once), and the robot's
// status reaching its sender nodes coalesced.
import assert from 'node:assert/strict';
import {
  arrivalMarginMs,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_SETTINGS,
  type DispatcherStatus,
  MAX_IN_FLIGHT_LIMIT,
  type RobotAddress,
  RobotRuntime,
  type RuntimeSettings,
  runtimeSettings,
  STATUS_FORWARD_MS,
  type Transport,
} from '../../../nodes/core/dingtalk';
import { ManualClock } from '../../support/manual-clock';
import { fakeDingTalk, OK } from './fake-transport';

const address: RobotAddress = {
  endpoint: 'https://oapi.dingtalk.com/robot/send',
  accessToken: 'tok0123456789',
  host: 'oapi.dingtalk.com',
};

function runtime(
  settings: RuntimeSettings,
  extra: { statusIntervalMs?: number; transport?: Transport; ratePerWindow?: number } = {},
): RobotRuntime {
  return new RobotRuntime({
    address,
    secret: undefined,
    keywords: [],
    keywordMode: 'prefix',
    ratePerWindow: 20,
    digest: true,
    settings,
    outboxFile: undefined,
    rateStateFile: undefined,
    digestHeading: (n) => `${n} alerts`,
    transport: fakeDingTalk(new ManualClock()).transport,
    ...extra,
  });
}

describe('dingtalk-robot settings for the delivery core', () => {
  const cases: [string, unknown, number | undefined][] = [
    ['unset', undefined, undefined],
    ['a number', 8, 8],
    ['a string', '2', 2],
    ['one (strict order)', 1, 1],
    ['a fraction, rounded down', 3.9, 3],
    ['zero (invalid)', 0, undefined],
    ['negative (invalid)', -4, undefined],
    ['not a number', 'many', undefined],
    ['too many, capped', 10_000, MAX_IN_FLIGHT_LIMIT],
  ];
  for (const [name, value, expected] of cases) {
    it(`dingtalkMaxInFlight: ${name} → ${expected ?? 'the core default'}`, async () => {
      const settings = runtimeSettings(value === undefined ? {} : { dingtalkMaxInFlight: value });
      assert.equal(settings.maxInFlight, expected);
      assert.equal('maxInFlight' in settings, expected !== undefined, 'absent unless set');
      const r = runtime(settings);
      assert.equal(r.dispatcher.maxInFlight, expected ?? DEFAULT_MAX_IN_FLIGHT);
      await r.close();
    });
  }

  it('the defaults leave maxInFlight to the core', () => {
    assert.deepEqual(runtimeSettings({}), DEFAULT_SETTINGS);
    assert.equal(DEFAULT_SETTINGS.maxInFlight, undefined);
  });

  for (const windowMs of [60_000, 3_000, 1_500]) {
    it(`hands DingTalk's ${windowMs} ms window to the core, which adds the arrival margin once`, async () => {
      const r = runtime(runtimeSettings({ dingtalkRateWindowMs: windowMs }));
      const limiter = r.dispatcher.limiter;
      assert.equal(limiter.windowMs, windowMs);
      assert.equal(limiter.spanMs, windowMs + arrivalMarginMs(windowMs));
      await r.close();
    });
  }

  it(`forwards the robot's status at once, then at most once per interval (${STATUS_FORWARD_MS} ms by default) with the latest state`, async () => {
    const interval = 40;
    const r = runtime(DEFAULT_SETTINGS, {
      statusIntervalMs: interval,
      transport: async () => OK,
      ratePerWindow: 1_000,
    });
    await r.start();
    let changes = 0;
    r.dispatcher.onStatus(() => changes++);
    const forwarded: { at: number; status: DispatcherStatus }[] = [];
    const allSent = new Promise<void>((resolve) =>
      r.attach(
        'n1',
        () => undefined,
        (status) => {
          forwarded.push({ at: Date.now(), status });
          if (status.sent === 20 && status.waiting === 0) resolve();
        },
      ),
    );
    for (let i = 0; i < 20; i++)
      await r.dispatcher.submit({ message: { msgtype: 'text', text: { content: `a${i}` } }, senderId: 'n1' });
    await allSent;
    assert.equal(forwarded[0]?.status.waiting, 1, 'the first change is forwarded at once');
    assert.ok(changes >= 40, `${changes} changes: one per alert accepted and one per answer`);
    assert.ok(forwarded.length < changes / 4, `${forwarded.length} forwarded for ${changes} changes`);
    for (let i = 1; i < forwarded.length; i++)
      assert.ok((forwarded[i]?.at ?? 0) - (forwarded[i - 1]?.at ?? 0) >= interval - 2);
    await r.close();
  });
});
