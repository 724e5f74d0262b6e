// Several requests in flight per robot (the dispatcher's maxInFlight): answers in any order, retries per
// message, throttling, crash recovery and the rate limit, on a fake clock with a DingTalk whose answers the
// test gives one by one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_MAX_IN_FLIGHT,
  type DeliveryResult,
  type DingTalkMessage,
  Dispatcher,
  type DispatcherOptions,
  type FailedResult,
  LocalOutbox,
  type OutboxAlert,
  type OutboxBatch,
  type RobotAddress,
  type SentResult,
  type Transport,
  type TransportAnswer,
} from '../../../nodes/core/dingtalk';
import { ManualClock } from '../../support/manual-clock';
import { answer, contentOf, fakeDingTalk, manualDingTalk, OK, type Seen } from './fake-transport';

const address: RobotAddress = {
  endpoint: 'https://oapi.dingtalk.com/robot/send',
  accessToken: 'tok0123456789',
  host: 'oapi.dingtalk.com',
};
const SECRET = 'SEC0123456789abcdef0123456789abcdef';
const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });
const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `a${from + i}`);
const THROTTLED = answer(410100, 'send too fast');

function dispatcher(
  clock: ManualClock,
  transport: Transport,
  options: Partial<DispatcherOptions> = {},
): { d: Dispatcher; results: DeliveryResult[] } {
  const d = new Dispatcher({
    address,
    secret: SECRET,
    transport,
    clock,
    random: () => 0.5,
    ratePerWindow: 100_000,
    digest: false,
    ...options,
  });
  const results: DeliveryResult[] = [];
  d.onResult((r) => results.push(r));
  return { d, results };
}

async function submitAll(d: Dispatcher, ids: string[], senderId?: string): Promise<void> {
  for (const id of ids)
    await d.submit({ message: text(id), id, ...(senderId ? { senderId } : {}), context: { id } });
}

const held = (dt: ReturnType<typeof manualDingTalk>) => dt.held.map((h) => contentOf(h.seen));
const uuidOf = (seen: Seen[], content: string) => seen.find((s) => contentOf(s) === content)?.message.msgUuid;
const summary = (results: DeliveryResult[]) =>
  results.map((r) => `${r.id}:${r.status === 'sent' ? 'sent' : r.reason}`);

function exactlyOnce(results: DeliveryResult[], ids: string[]): void {
  assert.deepEqual(
    results.map((r) => r.id).sort(),
    [...ids].sort(),
    'every accepted alert is reported exactly once',
  );
}

type OutboxRecord =
  | { t: 'a'; alert: OutboxAlert }
  | { t: 'b'; batch: OutboxBatch }
  | { t: 'd'; b: string }
  | { t: 'f'; b: string; reason: string };

const journal = (file: string): OutboxRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxRecord);

describe('dingtalk dispatcher: several requests in flight', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dt-pipe-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps up to ${DEFAULT_MAX_IN_FLIGHT} requests out by default, leaving in acceptance order`, async () => {
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport);
    await d.start();
    assert.equal(d.maxInFlight, 4);
    await submitAll(d, names(10));
    await clock.advance(0);
    assert.deepEqual(held(dt), names(4));
    const s = d.status();
    assert.deepEqual([s.requestsInFlight, s.inFlight, d.queued, s.waiting], [4, 4, 6, 10]);
    dt.take('a2').answer(OK);
    await clock.advance(0);
    assert.deepEqual(held(dt), ['a0', 'a1', 'a3', 'a4'], 'a freed slot takes the next in line');
    // answer the newest first, every time
    while (dt.held.length > 0) {
      dt.held[dt.held.length - 1]?.answer(OK);
      await clock.advance(0);
    }
    assert.deepEqual(dt.seen.map(contentOf), names(10), 'each left once, in acceptance order');
    assert.equal(dt.peak, 4);
    exactlyOnce(results, names(10));
    assert.ok(results.every((r) => r.status === 'sent'));
    assert.deepEqual(d.status().waiting, 0);
    await d.close();
  });

  it('with maxInFlight 1, sends strictly one after another', async () => {
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport, { maxInFlight: 1 });
    await d.start();
    await submitAll(d, names(3));
    for (let i = 0; i < 3; i++) {
      await clock.advance(0);
      assert.deepEqual(held(dt), [`a${i}`]);
      dt.take(`a${i}`).answer(OK);
    }
    await clock.advance(0);
    assert.deepEqual(
      results.map((r) => r.id),
      names(3),
    );
    assert.equal(dt.peak, 1);
    await d.close();
  });

  it('reports answers in the order they come, each exactly once, with the outbox records right', async () => {
    const file = join(dir, 'outbox.jsonl');
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport, { store: new LocalOutbox({ file }) });
    await d.start();
    await submitAll(d, names(6), 'n1');
    await clock.advance(0);
    assert.deepEqual(held(dt), names(4));
    // every request in flight is recorded before it leaves, with its msgUuid
    const batches = () => journal(file).flatMap((r) => (r.t === 'b' ? [r.batch] : []));
    assert.deepEqual(
      batches().map((b) => [b.alertIds, b.msgUuid, b.message.msgUuid]),
      dt.seen.map((s) => [[contentOf(s)], s.message.msgUuid, s.message.msgUuid]),
    );

    dt.take('a2').answer(OK);
    dt.take('a0').answer(answer(310000, 'keywords not in content'));
    await clock.advance(0);
    assert.deepEqual(summary(results), ['a2:sent', 'a0:keyword_missing']);
    assert.deepEqual(held(dt), ['a1', 'a3', 'a4', 'a5']);
    dt.take('a5').answer(OK);
    dt.take('a3').answer(OK);
    dt.take('a4').answer(answer(-1, '系统繁忙'));
    dt.take('a1').answer(OK);
    await clock.advance(0);
    assert.deepEqual(summary(results), ['a2:sent', 'a0:keyword_missing', 'a5:sent', 'a3:sent', 'a1:sent']);
    assert.equal(d.status().retryAt, clock.now() + 500, 'a4 waits for its retry');
    assert.deepEqual(d.senderCounts('n1'), { sent: 4, failed: 1, waiting: 1 });
    await clock.advance(500);
    assert.deepEqual(held(dt), ['a4']);
    assert.equal(dt.held[0]?.seen.message.msgUuid, uuidOf(dt.seen, 'a4'), 'a retry keeps its msgUuid');
    dt.take('a4').answer(OK);
    await clock.advance(0);
    exactlyOnce(results, names(6));
    for (const r of results) assert.equal(r.msgUuid, uuidOf(dt.seen, r.id), `${r.id} carries its msgUuid`);
    assert.equal((results.find((r) => r.id === 'a4') as SentResult).attempts, 2);

    const records = journal(file);
    assert.deepEqual(
      records.filter((r) => r.t === 'a').map((r) => (r.t === 'a' ? r.alert.id : '')),
      names(6),
      'every alert enqueued once, in order',
    );
    assert.equal(batches().length, 6, 'one batch record per message, none for the retry');
    const byAlert = new Map(batches().map((b) => [b.alertIds[0], b.id]));
    const ends = records.flatMap((r) => (r.t === 'd' || r.t === 'f' ? [r] : []));
    assert.deepEqual(
      ends.map((r) => [r.t, r.b, r.t === 'f' ? r.reason : undefined]),
      [
        ['d', byAlert.get('a2'), undefined],
        ['f', byAlert.get('a0'), 'keyword_missing'],
        ['d', byAlert.get('a5'), undefined],
        ['d', byAlert.get('a3'), undefined],
        ['d', byAlert.get('a1'), undefined],
        ['d', byAlert.get('a4'), undefined],
      ],
    );
    await d.close();
    const reopened = new LocalOutbox({ file });
    assert.deepEqual(await reopened.open(), { batches: [], alerts: [] }, 'nothing owed');
    await reopened.close();
  });

  it('retries each message on its own backoff while the others go on', async () => {
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport);
    await d.start();
    await submitAll(d, names(6));
    await clock.advance(0);
    const t0 = clock.now();
    dt.take('a0').answer({ status: 503, body: 'down' });
    for (const id of ['a1', 'a2', 'a3']) dt.take(id).answer(OK);
    await clock.advance(0);
    assert.deepEqual(held(dt), ['a4', 'a5'], 'later messages leave while a0 waits for its retry');
    assert.deepEqual([d.status().inFlight, d.status().requestsInFlight], [3, 2]);
    dt.take('a5').answer(OK);
    dt.take('a4').answer(OK);
    await clock.advance(499);
    assert.equal(dt.held.length, 0);
    await clock.advance(1);
    assert.deepEqual(held(dt), ['a0']);
    const [first, again] = dt.seen.filter((s) => contentOf(s) === 'a0') as [Seen, Seen];
    assert.equal(again.at - t0, 500);
    assert.equal(again.message.msgUuid, first.message.msgUuid);
    assert.notEqual(again.url.searchParams.get('timestamp'), first.url.searchParams.get('timestamp'));
    dt.take('a0').answer(OK);
    await clock.advance(0);
    assert.deepEqual(
      results.map((r) => r.id),
      ['a1', 'a2', 'a3', 'a5', 'a4', 'a0'],
    );
    assert.equal((results.at(-1) as SentResult).attempts, 2);
    await d.close();
  });

  it('on a throttle with several in flight, pauses and puts every refused request back, resending each once, in order', async () => {
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport, { throttlePauseMs: 10_000 });
    await d.start();
    await submitAll(d, names(6));
    await clock.advance(0);
    assert.deepEqual(held(dt), names(4));
    const uuids = names(4).map((id) => uuidOf(dt.seen, id));

    dt.take('a1').answer(THROTTLED);
    await clock.advance(0);
    const pausedAt = clock.now();
    assert.equal(d.status().throttledUntil, pausedAt + 10_000);
    assert.deepEqual(held(dt), ['a0', 'a2', 'a3'], 'nothing new leaves during the pause');
    dt.take('a3').answer(OK); // DingTalk took this one before it throttled the robot
    dt.take('a0').answer(answer(130101, 'send too fast, exceed 20 times per minute'));
    dt.take('a2').answer(OK);
    await clock.advance(0);
    assert.deepEqual(summary(results), ['a3:sent', 'a2:sent']);
    assert.deepEqual([d.queued, d.status().inFlight, d.status().waiting], [4, 0, 4]);

    await clock.advance(9_999);
    assert.equal(dt.seen.length, 4);
    await clock.advance(1);
    assert.deepEqual(held(dt), ['a0'], 'one probe, the oldest refused');
    dt.take('a0').answer(OK); // DingTalk has let go
    await clock.advance(0);
    assert.deepEqual(held(dt), ['a1', 'a4', 'a5'], 'the refused ones first, then the queue');
    assert.deepEqual(
      [dt.seen[4], dt.seen[5]].map((s) => s?.message.msgUuid),
      [uuids[0], uuids[1]],
      'resent as they were, same msgUuid',
    );
    assert.ok(dt.seen.slice(4).every((s) => s.at === pausedAt + 10_000));
    for (const id of ['a5', 'a4', 'a1']) dt.take(id).answer(OK);
    await clock.advance(0);
    exactlyOnce(results, names(6));
    assert.ok(results.every((r) => r.status === 'sent'));
    const times = (id: string) => dt.seen.filter((s) => contentOf(s) === id).length;
    assert.deepEqual(names(6).map(times), [2, 2, 1, 1, 1, 1], 'only the refused ones were sent twice');
    assert.equal(d.status().throttledUntil, undefined);
    await d.close();
  });

  it('after a crash with several in flight, resends each of them with its msgUuid and never what was delivered', async () => {
    const file = join(dir, 'outbox.jsonl');
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const first = dispatcher(clock, dt.transport, { store: new LocalOutbox({ file }) });
    await first.d.start();
    await submitAll(first.d, names(8), 'n1');
    await clock.advance(0);
    dt.take('a1').answer(OK);
    dt.take('a3').answer(OK);
    await clock.advance(0);
    dt.take('a5').answer(OK);
    await clock.advance(0);
    assert.deepEqual(held(dt), ['a0', 'a2', 'a4', 'a6'], 'four out when the process dies; a7 waits');
    const hung = new Map(held(dt).map((id) => [id, uuidOf(dt.seen, id)]));
    assert.deepEqual(summary(first.results), ['a1:sent', 'a3:sent', 'a5:sent']);
    // crash: the first dispatcher is dropped, never closed; its requests never get an answer

    const { transport, seen } = fakeDingTalk(clock);
    const second = dispatcher(clock, transport, { store: new LocalOutbox({ file }) });
    await second.d.start();
    assert.equal(second.d.status().waiting, 5);
    await clock.advance(0);
    assert.deepEqual(seen.map(contentOf), ['a0', 'a2', 'a4', 'a6', 'a7']);
    for (const [id, uuid] of hung) assert.equal(uuidOf(seen, id), uuid, `${id} resent with its msgUuid`);
    assert.deepEqual(
      second.results.map((r) => [r.id, r.status, r.senderId, r.context]),
      ['a0', 'a2', 'a4', 'a6', 'a7'].map((id) => [id, 'sent', 'n1', { id }]),
    );
    exactlyOnce([...first.results, ...second.results], names(8));
    await second.d.close();

    const third = fakeDingTalk(clock);
    const last = dispatcher(clock, third.transport, { store: new LocalOutbox({ file }) });
    await last.d.start();
    await clock.advance(60_000);
    assert.equal(third.seen.length, 0, 'nothing owed once everything was delivered');
    await last.d.close();
  });

  it('with a memory outbox, close reports every alert still out, waiting or queued as closed, once', async () => {
    const clock = new ManualClock();
    const dt = manualDingTalk(clock);
    const { d, results } = dispatcher(clock, dt.transport, { closeGraceMs: 100 });
    await d.start();
    await submitAll(d, names(7));
    await clock.advance(0);
    dt.take('a1').answer(OK);
    dt.take('a2').answer(answer(-1, 'busy'));
    await clock.advance(0);
    const closing = d.close();
    await clock.advance(100);
    await closing;
    assert.deepEqual(summary(results), [
      'a1:sent',
      'a0:closed',
      'a2:closed',
      'a3:closed',
      'a4:closed',
      'a5:closed',
      'a6:closed',
    ]);
    for (const h of [...dt.held]) h.answer(OK); // answers after close are ignored
    await clock.advance(0);
    assert.equal(results.length, 7);
  });

  it('keeps to the rate with several in flight and slow answers', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const transport: Transport = () => {
      seen.push(clock.now());
      return new Promise<TransportAnswer>((resolve) => clock.setTimer(() => resolve(OK), 700));
    };
    const { d, results } = dispatcher(clock, transport, { ratePerWindow: 5, windowMs: 10_000 });
    await d.start();
    await submitAll(d, names(23));
    await clock.advance(120_000);
    exactlyOnce(results, names(23));
    assert.equal(seen.length, 23);
    for (let i = 5; i < seen.length; i++)
      assert.ok((seen[i] as number) - (seen[i - 5] as number) >= 10_300, `${seen}`);
    await d.close();
  });

  it('still merges a backlog into digests with several in flight and slow answers', async () => {
    const clock = new ManualClock();
    const bodies: Seen['message'][] = [];
    const transport: Transport = (req) => {
      bodies.push(JSON.parse(req.body) as Seen['message']);
      return new Promise<TransportAnswer>((resolve) => clock.setTimer(() => resolve(OK), 300));
    };
    const { d, results } = dispatcher(clock, transport, { ratePerWindow: 20, digest: true });
    await d.start();
    await submitAll(d, names(500));
    await clock.advance(180_000);
    exactlyOnce(results, names(500));
    assert.ok(bodies.length <= 20, `${bodies.length} messages`);
    const text = bodies
      .map((m) => (m.msgtype === 'markdown' ? m.markdown.text : m.msgtype === 'text' ? m.text.content : ''))
      .join('\n');
    for (const id of names(500))
      assert.equal(text.match(new RegExp(`\\b${id}\\b`, 'g'))?.length, 1, `${id} carried once`);
    assert.ok(results.some((r) => r.digestCount > 1));
    await d.close();
  });

  it('property: within the limit, at most maxInFlight out, each alert reported once, first departures in order', async () => {
    const outcomeArb = fc.constantFrom('ok', 'ok', 'ok', 'busy', 'down', 'throttled', 'fatal');
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxInFlight: fc.integer({ min: 1, max: 6 }),
          rate: fc.integer({ min: 1, max: 6 }),
          digest: fc.boolean(),
          retries: fc.integer({ min: 0, max: 3 }),
          gaps: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 25 }),
          delays: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 8 }),
          outcomes: fc.array(outcomeArb, { maxLength: 30 }),
        }),
        async (p) => {
          const clock = new ManualClock();
          const windowMs = 1_000;
          const departures: { at: number; msgUuid: string }[] = [];
          const delivered = new Set<string>();
          let out = 0;
          let peak = 0;
          const transport: Transport = (req) => {
            const i = departures.length;
            const msgUuid = (JSON.parse(req.body) as { msgUuid: string }).msgUuid;
            assert.ok(!delivered.has(msgUuid), 'a delivered message is never sent again');
            departures.push({ at: clock.now(), msgUuid });
            peak = Math.max(peak, ++out);
            const outcome = p.outcomes[i] ?? 'ok';
            const reply: TransportAnswer =
              outcome === 'ok'
                ? OK
                : outcome === 'busy'
                  ? answer(-1, 'busy')
                  : outcome === 'down'
                    ? { status: 503, body: 'down' }
                    : outcome === 'throttled'
                      ? THROTTLED
                      : answer(400102, 'robot disabled');
            return new Promise<TransportAnswer>((resolve) =>
              clock.setTimer(
                () => {
                  out--;
                  if (outcome === 'ok') delivered.add(msgUuid);
                  resolve(reply);
                },
                p.delays[i % p.delays.length] as number,
              ),
            );
          };
          const { d, results } = dispatcher(clock, transport, {
            maxInFlight: p.maxInFlight,
            ratePerWindow: p.rate,
            windowMs,
            digest: p.digest,
            retries: p.retries,
            retryBaseMs: 100,
            throttlePauseMs: 3_000,
            slowRetryMs: [2_000, 10_000],
          });
          await d.start();
          const ids = names(p.gaps.length);
          for (const [i, gap] of p.gaps.entries()) {
            await d.submit({ message: text(ids[i] as string), id: ids[i] as string });
            await clock.advance(gap);
          }
          await clock.advance(600_000);

          exactlyOnce(results, ids);
          assert.ok(peak <= p.maxInFlight, `peak ${peak} > ${p.maxInFlight}`);
          const span = d.limiter.spanMs;
          for (let i = p.rate; i < departures.length; i++)
            assert.ok(
              (departures[i] as { at: number }).at - (departures[i - p.rate] as { at: number }).at >= span,
              'never more than the limit within the limiter window',
            );
          for (const r of results) {
            assert.ok(r.msgUuid);
            assert.equal(delivered.has(r.msgUuid), r.status === 'sent', `${r.id} ${r.status}`);
            if (r.status === 'failed') assert.notEqual((r as FailedResult).reason, 'throttled');
          }
          // first departures carry the alerts in acceptance order, each once
          const alertsOf = new Map<string, number[]>();
          for (const r of results) {
            const list = alertsOf.get(r.msgUuid as string) ?? [];
            list.push(Number(r.id.slice(1)));
            alertsOf.set(r.msgUuid as string, list);
          }
          const order: number[] = [];
          const first = new Set<string>();
          for (const { msgUuid } of departures) {
            if (first.has(msgUuid)) continue;
            first.add(msgUuid);
            order.push(...(alertsOf.get(msgUuid) ?? []).sort((a, b) => a - b));
          }
          assert.deepEqual(
            order,
            ids.map((_, i) => i),
          );
          assert.equal(d.status().waiting, 0);
          await d.close();
        },
      ),
      { numRuns: 80 },
    );
  });
});
