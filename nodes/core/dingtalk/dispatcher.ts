// One robot's delivery engine: the façade over its parts. The work owed (delivery-queue), what a new request
// carries (backlog-planner), one request (request-runner), the throttle/outage hold (robot-hold), the rate
// budget across redeploys (rate-keeper) and the counts and results (delivery-ledger); the options and results
// are declared in dispatcher-contract. Here: the outbox's life, scheduling, and what each answer means.
import { type Clock, systemClock, type TimerHandle } from '../kernel/clock';
import { type BacklogSettings, planNext } from './backlog-planner';
import { classifyAnswer } from './classify';
import { type Carrier, DeliveryLedger, type Verdict } from './delivery-ledger';
import { DeliveryQueue, type Job, newJob, oldestAcceptedAt } from './delivery-queue';
import { digestEntryFor } from './digest';
import {
  type DeliveryResult,
  type DispatcherOptions,
  type DispatcherSettings,
  type DispatcherStatus,
  dispatcherSettings,
  type SenderCounts,
  type SubmitInput,
} from './dispatcher-contract';
import { SlidingWindowLimiter } from './limiter';
import { LocalOutbox, type OutboxAlert, type OutboxBatch, type OutboxStore } from './outbox';
import { RateKeeper } from './rate-keeper';
import { REASONS, type ReasonCode } from './reasons';
import { type RequestContext, retryDelay, sendRequest } from './request-runner';
import { RobotHold } from './robot-hold';
import { checkBodySize } from './size';

/**
 * One robot's delivery engine, shared by every dingtalk-send node that uses the robot. It owns the queue,
 * the sliding-window limiter, the throttle pause, retries with backoff, digest merging and the outbox, and
 * reports each accepted alert's final result exactly once through `onResult`.
 *
 * Pipelining: up to `maxInFlight` requests ("jobs": one alert, or a digest of several) hold a slot at once,
 * each either out waiting for DingTalk's answer or waiting for its own retry; each takes a slot of the
 * limiter at the moment it leaves (retries and resends too), so the rate holds however many are out.
 *
 * Order: every message leaves for the first time in acceptance order (a digest carries consecutive alerts),
 * and a request put back (recovered from the outbox after a restart, refused by a throttled DingTalk) leaves
 * again before anything still queued, oldest first. With several in flight that is all that is guaranteed
 * about arrival: requests race on the wire, so DingTalk may receive (and the group show) a message after up
 * to maxInFlight − 1 later ones that left beside it; a message waiting for its retry keeps its slot but not
 * its place (the other slots go on, so later messages overtake it); and answers, with the results on the
 * nodes' outputs, come in the order DingTalk gives them. `maxInFlight: 1` keeps strict order end to end (a
 * retry then holds back everything behind it).
 */
export class Dispatcher {
  private readonly o: DispatcherSettings;
  private readonly clock: Clock;
  private readonly store: OutboxStore;
  readonly limiter: SlidingWindowLimiter;
  private readonly work = new DeliveryQueue();
  private readonly ledger = new DeliveryLedger();
  private readonly hold: RobotHold;
  private readonly rate: RateKeeper;
  private readonly requests: RequestContext;
  private readonly backlog: BacklogSettings;
  /** One promise per request out (settles when its answer has been handled). */
  private readonly running = new Set<Promise<void>>();
  /** Jobs whose request was still out at close: their answers are ignored (reported or owed already). */
  private readonly abandoned = new Set<Job>();
  private timer: TimerHandle | undefined;
  /** Set while a failed outbox open waits to be tried again. */
  private reopenTimer: TimerHandle | undefined;
  private openFailures = 0;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private ready: Promise<void> | undefined;
  private lastProblem: DispatcherStatus['lastProblem'];
  private readonly resultListeners = new Set<(r: DeliveryResult) => void>();
  private readonly statusListeners = new Set<(s: DispatcherStatus) => void>();

  constructor(options: DispatcherOptions) {
    this.o = dispatcherSettings(options);
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new LocalOutbox();
    this.limiter = new SlidingWindowLimiter({ limit: this.o.ratePerWindow, windowMs: this.o.windowMs });
    this.hold = new RobotHold(this.o.throttlePauseMs, this.o.slowRetryMs, () => this.rate.changed());
    this.rate = new RateKeeper(options.rateState, this.clock, this.limiter, () =>
      this.hold.current?.kind === 'throttled' ? this.hold.current.nextAt : undefined,
    );
    this.backlog = { ...this.o, keywords: options.keywords, digestHeading: options.digestHeading };
    this.requests = {
      address: options.address,
      secret: options.secret,
      transport: options.transport,
      store: this.store,
      clock: this.clock,
      timeoutMs: this.o.timeoutMs,
      retryBaseMs: this.o.retryBaseMs,
      closed: () => this.state === 'closed',
      storeFailed: () => this.noteProblem('store_error'),
    };
    // Take up what an earlier dispatcher of this robot left: its recent sends and a throttle in force.
    const now = this.clock.now();
    const saved = this.rate.restore(now);
    if (saved?.throttledUntil !== undefined) this.hold.restoreThrottle(saved.throttledUntil, now);
  }

  /** Requests this dispatcher may have out at once. */
  get maxInFlight(): number {
    return this.o.maxInFlight;
  }

  /**
   * Opens the outbox and resumes what it still owes: in-flight requests first (same msgUuid), then the queue.
   * When the outbox cannot be opened (a full disk) the promise rejects, and the dispatcher tries again by
   * itself (and on each submit) until it can, so that it recovers when space returns without a restart.
   */
  start(): Promise<void> {
    if (this.state === 'closed')
      return this.ready ?? Promise.reject(new Error('the DingTalk dispatcher is closed'));
    if (!this.ready) {
      this.state = 'starting';
      this.clearReopen();
      const opening = this.store.open().then((owed) => {
        for (const { batch, alerts } of owed.batches) {
          const seq = alerts.reduce((min, a) => Math.min(min, a.seq), Number.POSITIVE_INFINITY);
          this.work.recover(newJob(batch, alerts, Number.isFinite(seq) ? seq : 0, true));
          for (const a of alerts) this.ledger.owe(a);
          for (const a of alerts) this.seq = Math.max(this.seq, a.seq);
        }
        for (const a of owed.alerts) {
          this.work.push(a);
          this.seq = Math.max(this.seq, a.seq);
          this.ledger.owe(a);
        }
        if (this.state === 'starting') this.state = 'started';
        this.openFailures = 0;
        this.emitStatus();
        this.pump();
      });
      this.ready = opening;
      opening.catch(() => this.openFailed(opening));
    }
    return this.ready;
  }

  /** Forgets a failed open and schedules the next try: 1 s, doubling up to a minute. */
  private openFailed(opening: Promise<void>): void {
    if (this.ready !== opening || this.state === 'closed') return;
    this.ready = undefined;
    this.state = 'new';
    this.noteProblem('store_error');
    this.emitStatus();
    const delay = Math.min(60_000, 1_000 * 2 ** this.openFailures++);
    this.reopenTimer = this.clock.setTimer(() => {
      this.reopenTimer = undefined;
      if (this.state === 'new') this.start().catch(() => undefined);
    }, delay);
  }

  private clearReopen(): void {
    if (this.reopenTimer) this.clock.clearTimer(this.reopenTimer);
    this.reopenTimer = undefined;
  }

  /**
   * Accepts an alert: resolves with its id once it is in the outbox (durable when the store is), after which
   * its final result is reported exactly once. Rejects only if the outbox cannot be written or after close.
   */
  async submit(input: SubmitInput): Promise<{ id: string }> {
    await this.start();
    if (this.state === 'closed') throw new Error('the DingTalk dispatcher is closed');
    const id = input.id ?? this.o.newId();
    const alert: OutboxAlert = {
      id,
      seq: ++this.seq,
      acceptedAt: this.clock.now(),
      message: input.message,
      entry: digestEntryFor(id, input.message),
    };
    if (input.senderId !== undefined) alert.senderId = input.senderId;
    if (input.context !== undefined) alert.context = input.context;
    const refusal: ReasonCode | undefined = checkBodySize(input.message, this.o.maxBodyBytes)
      ? 'too_large'
      : this.ledger.wouldOverflow(alert, this.o.maxOutboxAlerts, this.o.maxOutboxBytes)
        ? 'outbox_full'
        : undefined;
    if (refusal) {
      this.ledger.count(alert.senderId, 'waiting', 1);
      queueMicrotask(() => this.settle([alert], { reason: refusal, text: REASONS[refusal] }, 0, undefined));
      return { id };
    }
    this.ledger.owe(alert); // counted before the write, so that concurrent submits see the bound
    try {
      await this.store.enqueue(alert);
    } catch (err) {
      this.ledger.unowe(alert);
      this.ledger.count(alert.senderId, 'waiting', -1);
      throw err;
    }
    this.work.push(alert);
    this.emitStatus();
    this.pump();
    return { id };
  }

  /** Subscribes to final results; returns the unsubscribe function. */
  onResult(listener: (result: DeliveryResult) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /** Subscribes to status changes (frequent: throttle the display); returns the unsubscribe function. */
  onStatus(listener: (status: DispatcherStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** The robot's counts and state now. */
  status(): DispatcherStatus {
    const now = this.clock.now();
    let inFlight = 0;
    let requestsInFlight = 0;
    let retryAt = Number.POSITIVE_INFINITY;
    for (const job of this.work.active) {
      inFlight += job.alerts.length;
      if (job.sending) requestsInFlight++;
      else if (job.retries > 0 && job.nextAt > now) retryAt = Math.min(retryAt, job.nextAt);
    }
    const s: DispatcherStatus = {
      ...this.ledger.totals,
      inFlight,
      requestsInFlight,
      windowUsed: this.limiter.used(now),
      limit: this.limiter.limit,
    };
    const hold = this.hold.current;
    if (hold?.kind === 'throttled') s.throttledUntil = hold.nextAt;
    if (hold?.kind === 'outage') s.outage = { since: hold.since, nextTryAt: hold.nextAt };
    if (Number.isFinite(retryAt)) s.retryAt = retryAt;
    if (this.lastProblem) s.lastProblem = this.lastProblem;
    return s;
  }

  /** One sender's counts. */
  senderCounts(senderId: string): SenderCounts {
    return this.ledger.senderCounts(senderId);
  }

  /** Alerts waiting to leave: the queue and what waits to be sent again (not those in flight or awaiting retry). */
  get queued(): number {
    return this.work.queued;
  }

  /**
   * Stops: no new requests; waits up to closeGraceMs for the requests in flight, and ignores answers that come
   * later. With a durable outbox everything unsettled stays owed for the next start (a request still out is
   * resent there with its msgUuid); with a memory outbox it is reported failed (`closed`).
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarting = this.ready;
    this.state = 'closed';
    this.clearTimer();
    this.clearReopen();
    this.rate.flush();
    if (wasStarting) await wasStarting.catch(() => undefined);
    if (this.running.size > 0) {
      let handle: TimerHandle | undefined;
      await Promise.race([
        Promise.all(this.running),
        new Promise<void>((resolve) => {
          handle = this.clock.setTimer(resolve, this.o.closeGraceMs);
        }),
      ]);
      if (handle) this.clock.clearTimer(handle);
    }
    for (const job of this.work.active) if (job.sending) this.abandoned.add(job);
    if (!this.store.durable) {
      const left = this.work.drain();
      if (left.length > 0) this.settle(left, { reason: 'closed', text: REASONS.closed }, 0, undefined);
    }
    await this.store.close();
  }

  // --- scheduling ---------------------------------------------------------------------------------------

  /** Sends whatever may leave now (up to maxInFlight, within the limiter), then sets the timer for the rest. */
  private pump(): void {
    if (this.state !== 'started') return;
    this.clearTimer();
    const expiresAt = this.expireOld(this.clock.now());
    for (;;) {
      const now = this.clock.now();
      const next = this.next(now);
      if (typeof next === 'object') {
        this.launch(next, now);
        continue;
      }
      const at = Math.min(next ?? Number.POSITIVE_INFINITY, expiresAt);
      if (Number.isFinite(at)) this.wakeAt(at);
      return;
    }
  }

  /**
   * What leaves now, in order: a retry that is due or a request to resend (the older first), then a new
   * request from the queue; or when to look again; or undefined when nothing is owed but answers.
   */
  private next(now: number): Job | number | undefined {
    const { active, resend } = this.work;
    if (this.hold.current) {
      const holdUntil = this.hold.waitUntil(now);
      if (holdUntil !== undefined) return holdUntil;
      if (active.some((j) => j.sending)) return undefined; // one probe at a time: its answer pumps
    }
    let job: Job | undefined;
    let retryAt = Number.POSITIVE_INFINITY;
    for (const j of active) {
      if (j.sending) continue;
      if (j.nextAt > now) retryAt = Math.min(retryAt, j.nextAt);
      else if (!job || j.seq < job.seq) job = j;
    }
    const slotFree = active.length < this.o.maxInFlight;
    const again = slotFree ? resend[0] : undefined;
    if (again && (!job || again.seq < job.seq)) job = again;
    if (!job && !(slotFree && this.work.waiting > 0)) return Number.isFinite(retryAt) ? retryAt : undefined;
    const available = this.limiter.available(now);
    if (available === 0) return this.limiter.nextFreeAt(now);
    if (job) {
      if (job === again) resend.shift();
      return job;
    }
    const plan = planNext(this.backlog, {
      now,
      head: this.work.first() as OutboxAlert,
      waiting: this.work.waiting,
      waitingAlerts: () => this.work.waitingAlerts(),
      available,
      windowEnd: this.limiter.windowEndsAt(now),
      lastSendAt: this.lastSendAt,
    });
    if ('wait' in plan) return Math.min(plan.wait, retryAt);
    const alerts = this.work.take(plan.count);
    const msgUuid = this.o.newId();
    const batch: OutboxBatch = {
      id: this.o.newId(),
      msgUuid,
      alertIds: alerts.map((a) => a.id),
      message: { ...plan.message, msgUuid },
      createdAt: now,
    };
    return newJob(batch, alerts, (alerts[0] as OutboxAlert).seq, false);
  }

  /** Sends a job's request now: it holds a slot until it is settled or put back, and takes a limiter slot. */
  private launch(job: Job, now: number): void {
    this.work.occupy(job);
    job.sending = true;
    job.probe = this.hold.current !== undefined;
    this.limiter.tryTake(now);
    this.lastSendAt = now;
    this.rate.changed();
    const running: Promise<void> = this.run(job)
      .catch(() => undefined)
      .then(() => {
        this.running.delete(running);
        this.pump();
      });
    this.running.add(running);
  }

  private wakeAt(at: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  // --- one request's answer -------------------------------------------------------------------------------

  /** Sends one request for `job` (recording it in the outbox first) and acts on the answer. */
  private async run(job: Job): Promise<void> {
    const sent = await sendRequest(job, this.requests);
    if (!sent || this.abandoned.has(job)) return;
    const { answer, started, t0 } = sent;
    job.requestMs = Math.max(this.clock.now() - started, performance.now() - t0);
    const verdict = classifyAnswer(answer);
    const now = this.clock.now();
    switch (verdict.outcome) {
      case 'ok':
        this.hold.delivered(job.probe);
        await this.finish(job, { delivered: true }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
      case 'throttled':
        // DingTalk refused it (not queued): hold the robot and put the request back, to be resent as it is
        // (same msgUuid) before anything newer. Every other request still out meets the same fate if DingTalk
        // refuses it too; one it accepted is settled as usual. After the pause one probe goes; a refused probe
        // waits one pause more, so the robot resumes within a pause of DingTalk letting go.
        this.hold.throttled(now);
        this.work.putBack(job);
        this.noteProblem('throttled');
        this.emitStatus();
        return;
      case 'retry':
        this.noteProblem(verdict.reason);
        job.lastFailure = verdict;
        if (job.retries < this.o.retries) {
          // While the robot is held the retry also waits for the hold's next try (one request at a time).
          job.retries++;
          job.nextAt = now + retryDelay(job.retries, this.o.retryBaseMs, this.o.retryMaxMs, this.o.random);
          this.emitStatus();
          return;
        }
        // Past the quick retries: the request waits (durably, in the outbox) on the slow schedule, until it
        // gets through, meets a permanent error or reaches its maximum age.
        this.work.putBack(job);
        this.hold.retriesSpent(job.probe, now);
        this.emitStatus();
        return;
      case 'fatal':
        this.hold.refused(job.probe, now);
        this.noteProblem(verdict.reason);
        await this.finish(job, { delivered: false, reason: verdict.reason }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
    }
  }

  /**
   * Fails every alert past its maximum age that no request now out carries (`expired`), and returns when the
   * next one will be (infinity when none waits).
   */
  private expireOld(now: number): number {
    const deadline = now - this.o.maxAgeMs;
    let next = Number.POSITIVE_INFINITY;
    for (const list of [this.work.active, this.work.resend]) {
      for (const job of [...list]) {
        if (job.sending) continue;
        const oldest = oldestAcceptedAt(job);
        if (oldest > deadline) {
          next = Math.min(next, oldest + this.o.maxAgeMs);
          continue;
        }
        const i = list.indexOf(job);
        if (i >= 0) list.splice(i, 1);
        void this.recordFailed(job.batch, job.persisted);
        const { errcode, errmsg, httpStatus } = job.lastFailure ?? {};
        const verdict = { reason: 'expired', text: REASONS.expired, errcode, errmsg, httpStatus } as const;
        this.settle(job.alerts, verdict, job.attempts, job);
      }
    }
    const old = this.work.takeAcceptedBy(deadline);
    if (old.length > 0) {
      const batch: OutboxBatch = {
        id: this.o.newId(),
        msgUuid: this.o.newId(),
        alertIds: old.map((a) => a.id),
        message: (old[0] as OutboxAlert).message,
        createdAt: now,
      };
      void this.recordFailed(batch, false);
      this.settle(old, { reason: 'expired', text: REASONS.expired }, 0, undefined);
    }
    const head = this.work.first();
    if (head) next = Math.min(next, head.acceptedAt + this.o.maxAgeMs);
    return next;
  }

  /** Records alerts as failed for good in the outbox (a batch that never left is recorded first). */
  private async recordFailed(batch: OutboxBatch, persisted: boolean): Promise<void> {
    try {
      if (!persisted) await this.store.startBatch(batch);
      await this.store.finishBatch(batch.id, { delivered: false, reason: 'expired' });
    } catch {
      // the outbox cannot be written: the alerts stay owed there, and a restart tries them once more
    }
  }

  private async finish(
    job: Job,
    result: { delivered: true } | { delivered: false; reason: string },
  ): Promise<void> {
    this.work.release(job);
    await this.store.finishBatch(job.batch.id, result);
  }

  /** Reports alerts' final results (exactly once each) to every result listener, then the status. */
  private settle(
    alerts: OutboxAlert[],
    verdict: Verdict,
    attempts: number,
    carrier: Carrier | undefined,
  ): void {
    const now = this.clock.now();
    for (const a of alerts) {
      const result = this.ledger.settle(a, alerts.length, verdict, attempts, carrier, now);
      for (const listener of this.resultListeners) {
        try {
          listener(result);
        } catch {
          // a listener's failure must not stop the others or the dispatcher
        }
      }
    }
    this.emitStatus();
  }

  private noteProblem(reason: ReasonCode): void {
    this.lastProblem = { reason, text: REASONS[reason], at: this.clock.now() };
  }

  private emitStatus(): void {
    if (this.statusListeners.size === 0) return;
    const s = this.status();
    for (const listener of this.statusListeners) {
      try {
        listener(s);
      } catch {
        // ignore listener failures
      }
    }
  }
}
