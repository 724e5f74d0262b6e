import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildRequestUrl,
  type DeliveryResult,
  type DingTalkMessage,
  Dispatcher,
  type DispatcherOptions,
  type FailedResult,
  LocalOutbox,
  MAX_BODY_BYTES,
  type RobotAddress,
  type SentResult,
  signTimestamp,
} from '../../../nodes/core/dingtalk';
import { ManualClock, settle } from '../../support/manual-clock';
import { answer, fakeDingTalk, OK, type Seen } from './fake-transport';

const address: RobotAddress = {
  endpoint: 'https://oapi.dingtalk.com/robot/send',
  accessToken: 'tok0123456789',
  host: 'oapi.dingtalk.com',
};
const SECRET = 'SEC0123456789abcdef0123456789abcdef';
const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });

function setup(
  reply?: Parameters<typeof fakeDingTalk>[1],
  options: Partial<DispatcherOptions> = {},
): { clock: ManualClock; seen: Seen[]; d: Dispatcher; results: DeliveryResult[] } {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const { transport, seen } = fakeDingTalk(clock, reply);
  const d = new Dispatcher({ address, secret: SECRET, transport, clock, random: () => 0.5, ...options });
  const results: DeliveryResult[] = [];
  d.onResult((r) => results.push(r));
  return { clock, seen, d, results };
}

const sent = (results: DeliveryResult[]) => results.filter((r): r is SentResult => r.status === 'sent');

describe('dingtalk dispatcher', () => {
  it('sends an alert signed for the moment of sending and reports it sent', async () => {
    const { clock, seen, d, results } = setup();
    await d.start();
    const { id } = await d.submit({ message: text('hello'), senderId: 'n1', context: { _msgid: 'm1' } });
    await clock.advance(0);
    assert.equal(seen.length, 1);
    const s = seen[0] as Seen;
    assert.equal(s.url.searchParams.get('access_token'), 'tok0123456789');
    assert.equal(s.url.searchParams.get('timestamp'), String(s.at));
    assert.equal(s.url.searchParams.get('sign'), signTimestamp(SECRET, s.at).base64);
    assert.equal(s.message.msgtype === 'text' && s.message.text.content, 'hello');
    assert.match(s.message.msgUuid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(results.length, 1);
    const r = results[0] as SentResult;
    assert.equal(r.status, 'sent');
    assert.deepEqual(
      {
        id: r.id,
        senderId: r.senderId,
        context: r.context,
        errcode: r.errcode,
        attempts: r.attempts,
        digestCount: r.digestCount,
      },
      { id, senderId: 'n1', context: { _msgid: 'm1' }, errcode: 0, attempts: 1, digestCount: 1 },
    );
    assert.equal(r.msgUuid, s.message.msgUuid);
    assert.deepEqual(d.senderCounts('n1'), { sent: 1, failed: 0, waiting: 0 });
    await d.close();
  });

  it('retries -1 with exponential backoff, re-signing each time and reusing msgUuid', async () => {
    const { clock, seen, d, results } = setup((_s, n) => (n < 4 ? answer(-1, '系统繁忙') : OK));
    await d.start();
    await d.submit({ message: text('x') });
    await clock.advance(0);
    const t0 = (seen[0] as Seen).at;
    await clock.advance(10_000);
    assert.deepEqual(
      seen.map((s) => s.at - t0),
      [0, 500, 1500, 3500],
    );
    assert.equal(new Set(seen.map((s) => s.message.msgUuid)).size, 1);
    assert.equal(new Set(seen.map((s) => s.url.searchParams.get('sign'))).size, 4);
    assert.equal((results[0] as SentResult).attempts, 4);
    await d.close();
  });

  it('jitters the backoff', async () => {
    let r = 0;
    const rnd = [0, 0.999];
    const { clock, seen, d } = setup(
      (_s, n) => (n < 3 ? { error: { code: 'ECONNRESET', message: 'x' } } : OK),
      {
        random: () => rnd[r++ % 2] as number,
      },
    );
    await d.start();
    await d.submit({ message: text('x') });
    await clock.advance(10_000);
    const gaps = seen.slice(1).map((s, i) => s.at - (seen[i] as Seen).at);
    assert.deepEqual(gaps, [250, 1499]);
    await d.close();
  });

  it('after 3 quick retries waits on the slow schedule, and fails only at its maximum age, saying why', async () => {
    const { clock, seen, d, results } = setup(() => ({ status: 503, body: 'down' }), {
      maxAgeMs: 30 * 60_000,
    });
    await d.start();
    await d.submit({ message: text('x'), senderId: 's' });
    await clock.advance(60_000);
    assert.equal(seen.length, 4);
    assert.equal(results.length, 0, 'still owed');
    assert.equal(d.status().lastProblem?.reason, 'server_error');
    await clock.advance(30 * 60_000);
    assert.equal(seen.length, 6, 'tries after 1 and 6 minutes; the next (36) is past the maximum age');
    const f = results[0] as FailedResult;
    assert.deepEqual([f.status, f.reason, f.attempts, f.httpStatus], ['failed', 'expired', 6, 503]);
    assert.deepEqual(d.senderCounts('s'), { sent: 0, failed: 1, waiting: 0 });
    await d.close();
  });

  for (const [name, reply, reason] of [
    ['signature mismatch', answer(310000, 'sign not match'), 'sign_mismatch'],
    ['keyword missing', answer(310000, '关键词不匹配'), 'keyword_missing'],
    ['unknown token', answer(300001, 'token is not exist'), 'token_not_found'],
    ['an unknown errcode', answer(777, '?'), 'unknown_errcode'],
  ] as const) {
    it(`does not retry ${name}`, async () => {
      const { clock, seen, d, results } = setup(() => reply);
      await d.start();
      await d.submit({ message: text('x') });
      await clock.advance(60_000);
      assert.equal(seen.length, 1);
      assert.equal((results[0] as FailedResult).reason, reason);
      assert.equal(d.status().lastProblem?.reason, reason);
      await d.close();
    });
  }

  it('holds the robot when DingTalk throttles, probes once a minute, then sends what waited', async () => {
    const { clock, seen, d, results } = setup((_s, n) => (n <= 2 ? answer(410100, 'send too fast') : OK));
    await d.start();
    await d.submit({ message: text('first') });
    await clock.advance(0);
    const throttledAt = (seen[0] as Seen).at;
    assert.equal(d.status().throttledUntil, throttledAt + 60_000);
    for (let i = 0; i < 30; i++) await d.submit({ message: text(`later ${i}`) });
    await clock.advance(59_000);
    assert.equal(seen.length, 1, 'nothing is sent during the pause');
    assert.equal(d.status().waiting, 31);
    await clock.advance(1_000);
    assert.equal(seen.length, 2, 'one probe');
    assert.equal(seen[1]?.message.msgUuid, seen[0]?.message.msgUuid, 'the throttled message is resent as is');
    assert.equal(
      d.status().throttledUntil,
      throttledAt + 120_000,
      'refused: one more pause, not ten minutes',
    );
    await clock.advance(120_000);
    assert.equal((seen[2] as Seen).at, throttledAt + 120_000);
    assert.equal(sent(results).length, 31);
    assert.equal(d.status().throttledUntil, undefined);
    assert.ok(seen.length <= 1 + 20);
    await d.close();
  });

  it('keeps to the rate: never more than N requests within any window', async () => {
    const { clock, seen, d, results } = setup(undefined, {
      ratePerWindow: 5,
      windowMs: 10_000,
      digest: false,
    });
    await d.start();
    for (let i = 0; i < 23; i++) await d.submit({ message: text(`a${i}`) });
    await clock.advance(60_000);
    assert.equal(sent(results).length, 23);
    assert.equal(seen.length, 23);
    for (let i = 5; i < seen.length; i++)
      assert.ok((seen[i] as Seen).at - (seen[i - 5] as Seen).at >= 10_000);
    assert.deepEqual(
      seen.map((s) => (s.message.msgtype === 'text' ? s.message.text.content : '')),
      Array.from({ length: 23 }, (_, i) => `a${i}`),
    );
    await d.close();
  });

  function checkCarried(seen: Seen[], results: DeliveryResult[], total: number): void {
    assert.equal(sent(results).length, total);
    assert.equal(new Set(results.map((r) => r.id)).size, total);
    const carried = seen.reduce(
      (n, s) =>
        n +
        (s.message.msgtype === 'markdown'
          ? s.message.markdown.title.match(/^(\d+)/)?.[1]
            ? Number(s.message.markdown.title.match(/^(\d+)/)?.[1])
            : 1
          : 1),
      0,
    );
    assert.equal(carried, total);
    for (const s of seen) assert.ok(s.bytes <= MAX_BODY_BYTES, `${s.bytes}`);
    for (let i = 20; i < seen.length; i++)
      assert.ok((seen[i] as Seen).at - (seen[i - 20] as Seen).at >= 60_000);
  }

  it('a burst of 1,000 alerts at once reaches the group as at most 20 messages carrying all of them', async () => {
    const { clock, seen, d, results } = setup();
    await d.start();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        d.submit({
          message: text(
            `库存不足 Low stock: MILK-TEA-L at store HK-MK-${String(i).padStart(3, '0')}, 3 pcs left`,
          ),
        }),
      ),
    );
    await clock.advance(180_000);
    assert.ok(seen.length <= 20, `${seen.length} messages`);
    if (process.env.DT_VERBOSE)
      console.log(
        seen.map((s) => [
          s.at - (seen[0] as Seen).at,
          s.bytes,
          s.message.msgtype === 'markdown' ? s.message.markdown.title : 1,
        ]),
      );
    checkCarried(seen, results, 1000);
    const digestCounts = sent(results).map((r) => r.digestCount);
    assert.ok(Math.max(...digestCounts) > 50);
  });

  it('a burst of 1,000 alerts spread over a minute reaches the group as at most 20 messages', async () => {
    const { clock, seen, d, results } = setup();
    await d.start();
    for (let i = 0; i < 1000; i++) {
      await d.submit({ message: text(`Refund 退款 order ${10_000 + i} at HK-MK-001: HKD ${i}.50`) });
      await clock.advance(60);
    }
    await clock.advance(180_000);
    assert.ok(seen.length <= 20, `${seen.length} messages`);
    if (process.env.DT_VERBOSE)
      console.log(
        seen.map((s) => [
          s.at - (seen[0] as Seen).at,
          s.bytes,
          s.message.msgtype === 'markdown' ? s.message.markdown.title : 1,
        ]),
      );
    checkCarried(seen, results, 1000);
  });

  it('normal traffic goes out one by one, at once', async () => {
    const { clock, seen, d } = setup();
    await d.start();
    for (let i = 0; i < 10; i++) {
      await d.submit({ message: text(`a${i}`) });
      await clock.advance(5_000);
    }
    assert.equal(seen.length, 10);
    assert.ok(seen.every((s) => s.message.msgtype === 'text'));
    await d.close();
  });

  it('merges a backlog for a robot with keywords, keeping the keyword in every digest', async () => {
    const { clock, seen, d } = setup(undefined, { keywords: ['ALERT'], digestHeading: (n) => `${n} 条告警` });
    await d.start();
    await Promise.all(Array.from({ length: 60 }, (_, i) => d.submit({ message: text(`【ALERT】 a${i}`) })));
    await clock.advance(120_000);
    const digests = seen.filter((s) => s.message.msgtype === 'markdown');
    assert.ok(digests.length >= 1);
    for (const s of digests)
      assert.ok(s.message.msgtype === 'markdown' && s.message.markdown.text.includes('ALERT'));
    await d.close();
  });

  it('shares one limiter among all senders of a robot and reports to each', async () => {
    const { clock, seen, d, results } = setup(undefined, {
      ratePerWindow: 4,
      windowMs: 10_000,
      digest: false,
    });
    await d.start();
    for (let i = 0; i < 6; i++) {
      await d.submit({ message: text(`a${i}`), senderId: 'A' });
      await d.submit({ message: text(`b${i}`), senderId: 'B' });
    }
    await clock.advance(1);
    assert.equal(seen.length, 4);
    assert.equal(d.status().waiting, 8);
    await clock.advance(60_000);
    assert.deepEqual(d.senderCounts('A'), { sent: 6, failed: 0, waiting: 0 });
    assert.deepEqual(d.senderCounts('B'), { sent: 6, failed: 0, waiting: 0 });
    assert.equal(results.filter((r) => r.senderId === 'A').length, 6);
    await d.close();
  });

  it('reports a message over the byte limit as failed without sending it', async () => {
    const { clock, seen, d, results } = setup();
    await d.start();
    await d.submit({ message: text('货'.repeat(7000)) });
    await clock.advance(0);
    assert.equal(seen.length, 0);
    assert.equal((results[0] as FailedResult).reason, 'too_large');
  });

  it('with a memory outbox, reports what waits as failed on close', async () => {
    const { clock, d, results } = setup(undefined, { ratePerWindow: 1, windowMs: 60_000, digest: false });
    await d.start();
    for (let i = 0; i < 3; i++) await d.submit({ message: text(`a${i}`) });
    await clock.advance(0);
    await d.close();
    assert.deepEqual(
      results.map((r) => (r.status === 'failed' ? r.reason : r.status)),
      ['sent', 'closed', 'closed'],
    );
    await assert.rejects(d.submit({ message: text('late') }));
  });

  describe('durable outbox', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dt-dispatch-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('after a crash, resends the in-flight message with the same msgUuid, then the rest; never resends what was accepted (one in flight)', async () => {
      const file = join(dir, 'outbox.jsonl');
      const clock = new ManualClock();
      // first life: 2 accepted, the 3rd request hangs (DingTalk may or may not have it), 4 more wait
      const first = setup((_s, n) => (n <= 2 ? OK : 'hang'), {
        clock,
        store: new LocalOutbox({ file }),
        ratePerWindow: 100,
        digest: false,
        maxInFlight: 1,
      });
      await first.d.start();
      for (let i = 0; i < 7; i++)
        await first.d.submit({ message: text(`a${i}`), senderId: 'n1', context: { i } });
      await clock.advance(0);
      assert.equal(first.seen.length, 3);
      assert.equal(sent(first.results).length, 2);
      const hungUuid = first.seen[2]?.message.msgUuid;
      // crash: first.d is dropped, never closed

      const second = setup(undefined, {
        clock,
        store: new LocalOutbox({ file }),
        ratePerWindow: 100,
        digest: false,
      });
      await second.d.start();
      assert.equal(second.d.status().waiting, 5);
      await clock.advance(0);
      assert.deepEqual(
        second.seen.map((s) => (s.message.msgtype === 'text' ? s.message.text.content : '')),
        ['a2', 'a3', 'a4', 'a5', 'a6'],
      );
      assert.equal(second.seen[0]?.message.msgUuid, hungUuid);
      assert.deepEqual(
        second.results.map((r) => [r.status, r.context]),
        [2, 3, 4, 5, 6].map((i) => ['sent', { i }]),
      );
      await second.d.close();

      const third = setup(undefined, { clock, store: new LocalOutbox({ file }) });
      await third.d.start();
      await clock.advance(60_000);
      assert.equal(third.seen.length, 0, 'nothing owed after everything was accepted');
      await third.d.close();
    });

    it('keeps waiting alerts across a clean restart', async () => {
      const file = join(dir, 'outbox.jsonl');
      const clock = new ManualClock();
      const first = setup(undefined, {
        clock,
        store: new LocalOutbox({ file }),
        ratePerWindow: 1,
        digest: false,
      });
      await first.d.start();
      for (let i = 0; i < 3; i++) await first.d.submit({ message: text(`a${i}`) });
      await clock.advance(0);
      await first.d.close();
      assert.equal(first.results.length, 1, 'nothing reported failed: the rest is still owed');
      const second = setup(undefined, {
        clock,
        store: new LocalOutbox({ file }),
        ratePerWindow: 1,
        windowMs: 1000,
        digest: false,
      });
      await second.d.start();
      await clock.advance(5_000);
      assert.equal(sent(second.results).length, 2);
      await second.d.close();
    });
  });

  it('builds the same URL the dispatcher sends (sanity)', async () => {
    const { clock, seen, d } = setup();
    await d.start();
    await d.submit({ message: text('x') });
    await clock.advance(0);
    assert.equal((seen[0] as Seen).url.toString(), buildRequestUrl(address, SECRET, (seen[0] as Seen).at));
    await settle();
    await d.close();
  });
});
