// The delivery engine under long trouble: an outbox that could not be opened, hours-long outages, a
// bounded outbox, and a robot's rate budget that outlives one deploy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeliveryResult,
  type DingTalkMessage,
  Dispatcher,
  type DispatcherOptions,
  type FailedResult,
  FileRateState,
  LocalOutbox,
  type OutboxStore,
  type OwedWork,
  type RobotAddress,
} from '../../../nodes/core/dingtalk';
import { ManualClock } from '../../support/manual-clock';
import { answer, fakeDingTalk, manualDingTalk, OK, type Seen } from './fake-transport';

const address: RobotAddress = {
  endpoint: 'https://oapi.dingtalk.com/robot/send',
  accessToken: 'tok0123456789',
  host: 'oapi.dingtalk.com',
};
const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });
const contents = (seen: Seen[]) =>
  seen.map((s) => (s.message.msgtype === 'text' ? s.message.text.content : ''));
const failed = (results: DeliveryResult[]) => results.filter((r): r is FailedResult => r.status === 'failed');
const DOWN = { error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } };
const MIN = 60_000;

function setup(
  reply?: Parameters<typeof fakeDingTalk>[1],
  options: Partial<DispatcherOptions> = {},
): { clock: ManualClock; seen: Seen[]; d: Dispatcher; results: DeliveryResult[] } {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const { transport, seen } = fakeDingTalk(clock, reply);
  const d = new Dispatcher({ address, transport, clock, random: () => 0.5, ...options });
  const results: DeliveryResult[] = [];
  d.onResult((r) => results.push(r));
  return { clock, seen, d, results };
}

/** An outbox whose open fails while `full` is set, as on a full disk; otherwise a memory outbox owing `owed`. */
class FlakyOutbox implements OutboxStore {
  readonly durable = true;
  full = true;
  opens = 0;
  private readonly inner = new LocalOutbox();
  constructor(private readonly owed: OwedWork) {}
  async open(): Promise<OwedWork> {
    this.opens++;
    if (this.full) throw new Error('ENOSPC: no space left on device');
    await this.inner.open();
    return this.owed;
  }
  enqueue: OutboxStore['enqueue'] = (a) => this.inner.enqueue(a);
  startBatch: OutboxStore['startBatch'] = (b) => this.inner.startBatch(b);
  finishBatch: OutboxStore['finishBatch'] = (id, r) => this.inner.finishBatch(id, r);
  close = () => this.inner.close();
}

describe('dingtalk delivery under long trouble', () => {
  describe('an outbox that could not be opened', () => {
    it('opens again by itself once space returns, resends what it owes and accepts new alerts', async () => {
      const message = text('owed');
      const owed: OwedWork = {
        batches: [],
        alerts: [
          {
            id: 'old',
            seq: 1,
            acceptedAt: new ManualClock().now(),
            message,
            entry: { id: 'old', line: 'owed' },
          },
        ],
      };
      const store = new FlakyOutbox(owed);
      const { clock, seen, d, results } = setup(undefined, { store });
      await assert.rejects(d.start());
      await assert.rejects(d.submit({ message: text('while full') }));
      store.full = false;
      await clock.advance(60_000);
      assert.deepEqual(
        seen.map((s) => (s.message.msgtype === 'text' ? s.message.text.content : '')),
        ['owed'],
        'the owed alert is resent without a restart',
      );
      await d.submit({ message: text('after') });
      await clock.advance(0);
      assert.deepEqual(
        results.map((r) => [r.id === 'old' ? 'old' : 'new', r.status]),
        [
          ['old', 'sent'],
          ['new', 'sent'],
        ],
      );
      await d.close();
    });
  });

  describe('an hours-long outage', () => {
    it('after the quick retries waits on the slow schedule (1, 5, 30, 30 minutes) and delivers when DingTalk is back', async () => {
      const clock = new ManualClock();
      const backAt = clock.now() + 2 * 60 * MIN;
      const { seen, d, results } = setup((s) => (s.at < backAt ? DOWN : OK), { clock });
      await d.start();
      const t0 = clock.now();
      await d.submit({ message: text('low stock') });
      await clock.advance(10_000);
      assert.deepEqual(
        seen.map((s) => s.at - t0),
        [0, 500, 1_500, 3_500],
        'the quick retries (3 × from 500 ms)',
      );
      assert.equal(results.length, 0, 'still owed, not failed');
      const status = d.status();
      assert.equal(status.waiting, 1);
      assert.equal(status.outage?.nextTryAt, t0 + 3_500 + MIN, 'the status says when the next try is');
      await clock.advance(3 * 60 * MIN);
      assert.deepEqual(
        seen.slice(4).map((s) => Math.round((s.at - t0 - 3_500) / MIN)),
        [1, 6, 36, 66, 96, 126],
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['sent'],
      );
      assert.equal(d.status().outage, undefined);
      await d.close();
    });

    it('holds new alerts back while it waits (one try at a time), then sends them together', async () => {
      const clock = new ManualClock();
      let down = true;
      const { seen, d, results } = setup(() => (down ? DOWN : OK), { clock, maxInFlight: 1 });
      await d.start();
      await d.submit({ message: text('first') });
      await clock.advance(10_000);
      for (let i = 0; i < 5; i++) await d.submit({ message: text(`later ${i}`) });
      await clock.advance(30_000);
      assert.equal(seen.length, 4, 'nothing new leaves while the robot waits for its next try');
      down = false;
      await clock.advance(MIN);
      assert.equal(results.filter((r) => r.status === 'sent').length, 6);
      await d.close();
    });

    it('a temporary failure while DingTalk throttles the robot keeps its quick retries and the throttle', async () => {
      const clock = new ManualClock();
      const dt = manualDingTalk(clock);
      const d = new Dispatcher({
        address,
        transport: dt.transport,
        clock,
        random: () => 0.5,
        digest: false,
        maxInFlight: 2,
        throttlePauseMs: 5_000,
      });
      const results: DeliveryResult[] = [];
      d.onResult((r) => results.push(r));
      await d.start();
      await d.submit({ message: text('a0') });
      await d.submit({ message: text('a1') });
      await clock.advance(0);
      dt.take('a0').answer(answer(410100, 'send too fast'));
      await clock.advance(0);
      dt.take('a1').answer({ status: 503, body: 'busy' }); // left before the throttle
      await clock.advance(0);
      assert.ok(d.status().throttledUntil, 'still throttled');
      assert.equal(d.status().outage, undefined, 'not an outage: the 503 has its quick retries');
      for (let i = 0; i < 3; i++) {
        await clock.advance(5_000);
        for (const h of [...dt.held]) h.answer(OK);
      }
      await clock.advance(0);
      assert.equal(results.filter((r) => r.status === 'sent').length, 2);
      await d.close();
    });

    it('fails an alert only at its maximum age, with reason expired', async () => {
      const clock = new ManualClock();
      const { d, results } = setup(() => DOWN, { clock, maxAgeMs: 2 * 60 * MIN });
      await d.start();
      const t0 = clock.now();
      await d.submit({ message: text('a') });
      await clock.advance(2 * 60 * MIN - 1);
      assert.equal(results.length, 0);
      await clock.advance(1);
      const [r] = failed(results);
      assert.equal(r?.reason, 'expired');
      assert.equal(clock.now() - t0, 2 * 60 * MIN);
      assert.equal(d.status().waiting, 0);
      await d.close();
    });

    it('a permanent error still goes to the failure output at once', async () => {
      const clock = new ManualClock();
      const { d, results } = setup(() => answer(300001, 'token is not exist'), { clock });
      await d.start();
      await d.submit({ message: text('a') });
      await clock.advance(0);
      assert.equal(failed(results)[0]?.reason, 'token_not_found');
      await d.close();
    });

    it('past its bound (alerts or bytes) the outbox refuses new alerts at once with outbox_full', async () => {
      const clock = new ManualClock();
      const byCount = setup(() => DOWN, { clock, maxOutboxAlerts: 3 });
      await byCount.d.start();
      for (let i = 0; i < 5; i++) await byCount.d.submit({ message: text(`a${i}`) });
      await clock.advance(0);
      assert.deepEqual(
        failed(byCount.results).map((r) => [r.reason, r.attempts]),
        [
          ['outbox_full', 0],
          ['outbox_full', 0],
        ],
      );
      assert.ok(!contents(byCount.seen).includes('a3'));
      await byCount.d.close();

      const byBytes = setup(() => DOWN, { clock, maxOutboxBytes: 2_000 });
      await byBytes.d.start();
      for (let i = 0; i < 5; i++) await byBytes.d.submit({ message: text(`${i}`.repeat(500)) });
      await clock.advance(0);
      assert.ok(failed(byBytes.results).length >= 2);
      assert.ok(failed(byBytes.results).every((r) => r.reason === 'outbox_full'));
      await byBytes.d.close();
    });
  });

  describe("the robot's rate budget across redeploys", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dt-rate-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a new dispatcher for the same robot remembers the sends of the last minute', async () => {
      const clock = new ManualClock();
      const file = join(dir, 'rate.json');
      const first = setup(undefined, { clock, digest: false, rateState: new FileRateState(file) });
      await first.d.start();
      for (let i = 0; i < 20; i++) await first.d.submit({ message: text(`a${i}`) });
      await clock.advance(0);
      assert.equal(first.seen.length, 20);
      const firstAt = (first.seen[0] as Seen).at;
      await clock.advance(20_000);
      await first.d.close(); // a redeploy
      assert.equal(statSync(file).mode & 0o777, 0o600);

      const second = setup(undefined, { clock, digest: false, rateState: new FileRateState(file) });
      await second.d.start();
      await second.d.submit({ message: text('21st') });
      await clock.advance(30_000);
      assert.equal(second.seen.length, 0, 'no 21st message within the minute');
      await clock.advance(15_000);
      assert.equal(second.seen.length, 1);
      assert.ok((second.seen[0] as Seen).at >= firstAt + 60_000);
      await second.d.close();
    });

    it('a throttle outlives a redeploy and ends when one probe a minute gets through', async () => {
      const clock = new ManualClock();
      const file = join(dir, 'rate.json');
      let throttledUntil = 0;
      const dingtalk = (s: Seen) => {
        if (s.at < throttledUntil) return answer(410100, 'send too fast');
        if (contents([s])[0] === 'tips over') {
          throttledUntil = s.at + 10 * MIN;
          return answer(410100, 'send too fast');
        }
        return OK;
      };
      const first = setup(dingtalk, { clock, rateState: new FileRateState(file), maxInFlight: 1 });
      await first.d.start();
      await first.d.submit({ message: text('tips over') });
      await clock.advance(0);
      const t0 = (first.seen[0] as Seen).at;
      assert.equal(first.d.status().throttledUntil, t0 + MIN, 'the next probe, a minute on');
      await clock.advance(50_000);
      await first.d.close(); // a redeploy 50 s later

      const second = setup(dingtalk, { clock, rateState: new FileRateState(file), maxInFlight: 1 });
      await second.d.start();
      assert.equal(second.d.status().throttledUntil, t0 + MIN, 'still throttled after the redeploy');
      for (let i = 0; i < 3; i++) await second.d.submit({ message: text(`b${i}`) });
      await clock.advance(0);
      assert.equal(second.seen.length, 0, 'nothing is resent at once');
      await clock.advance(15 * MIN);
      const tries = second.seen.map((s) => [Math.round((s.at - t0) / 1000), contents([s])[0]]);
      // one probe a minute while DingTalk refuses, the robot's own message first; then the rest at once
      assert.deepEqual(
        tries.slice(0, 9).map(([at]) => at),
        [60, 120, 180, 240, 300, 360, 420, 480, 540],
      );
      assert.deepEqual(tries.slice(9), [
        [600, 'b0'],
        [600, 'b1'],
        [600, 'b2'],
      ]);
      assert.equal(second.results.filter((r) => r.status === 'sent').length, 3);
      assert.equal(second.d.status().throttledUntil, undefined);
      await second.d.close();
    });
  });
});
