// The delivery engine under long trouble: an outbox that could not be opened, hours-long outages, a
// bounded outbox, and a robot's rate budget that outlives one deploy.
import assert from 'node:assert/strict';
import {
  type DeliveryResult,
  type DingTalkMessage,
  Dispatcher,
  type DispatcherOptions,
  LocalOutbox,
  ManualClock,
  type OutboxStore,
  type OwedWork,
  type RobotAddress,
} from '../../../nodes/core/dingtalk';
import { fakeDingTalk, type Seen } from './fake-transport';

const address: RobotAddress = {
  endpoint: 'https://oapi.dingtalk.com/robot/send',
  accessToken: 'tok0123456789',
  host: 'oapi.dingtalk.com',
};
const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });

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
        alerts: [{ id: 'old', seq: 1, acceptedAt: 0, message, entry: { id: 'old', line: 'owed' } }],
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
});
