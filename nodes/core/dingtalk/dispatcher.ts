import { randomUUID } from 'node:crypto';
import { type Clock, systemClock, type TimerHandle } from '../kernel/clock';
import type { RobotAddress } from './address';
import { type Classification, classifyAnswer, type TransportAnswer } from './classify';
import { type DigestEntry, digestEntryFor, packDigest } from './digest';
import { SlidingWindowLimiter } from './limiter';
import { LocalOutbox, type OutboxAlert, type OutboxBatch, type OutboxStore } from './outbox';
import type { RateState, RateStateStore } from './rate-state';
import { REASONS, type ReasonCode } from './reasons';
import type { DingTalkMessage } from './schema';
import { buildRequestUrl } from './sign';
import { bodyBytes, checkBodySize, MAX_BODY_BYTES } from './size';
import type { Transport } from './transport';

/** Settings of one robot's dispatcher. Only address and transport are required. */
export interface DispatcherOptions {
  address: RobotAddress;
  /** The SEC… signing secret; every request is signed afresh when set. */
  secret?: string;
  transport: Transport;
  /** The outbox (default: in memory, not durable). */
  store?: OutboxStore;
  clock?: Clock;
  /** Random in [0, 1) for backoff jitter (default Math.random). */
  random?: () => number;
  /** Messages per window (default 20). */
  ratePerWindow?: number;
  /** Window length in ms (default 60,000). */
  windowMs?: number;
  /** Messages per window sent one by one before backlog pacing and digests start (default half the rate). */
  burst?: number;
  /**
   * While DingTalk throttles the robot, the wait before each probe: one request that tells whether DingTalk
   * has let go (default 60,000 ms). A refused probe waits again; it never restarts a fixed pause.
   */
  throttlePauseMs?: number;
  /** Quick retries after the first attempt, for retryable outcomes only (default 3). */
  retries?: number;
  /** First retry delay (default 500 ms), doubling each time, ±50% jitter. */
  retryBaseMs?: number;
  /** Cap on one retry delay (default 30,000 ms). */
  retryMaxMs?: number;
  /** Per-request timeout (default 10,000 ms). */
  timeoutMs?: number;
  /**
   * After the quick retries, the waits between tries while requests keep failing (default 1, 5 and 30
   * minutes; the last repeats). Meanwhile the robot tries one request at a time and the rest wait.
   */
  slowRetryMs?: readonly number[];
  /** An alert not delivered this long after it was accepted fails with `expired` (default 24 hours). */
  maxAgeMs?: number;
  /** Alerts the outbox may owe at once; past it a new alert fails at once with `outbox_full` (default 10,000). */
  maxOutboxAlerts?: number;
  /** Bytes of alerts the outbox may owe at once; past it as for maxOutboxAlerts (default 64 MiB). */
  maxOutboxBytes?: number;
  /** Keeps the robot's recent sends and a throttle in force across redeploys (default: memory only). */
  rateState?: RateStateStore;
  /** The robot's keywords: digests carry the first in their heading. */
  keywords?: readonly string[];
  /** The digest heading for `count` alerts (default "`count` alerts"). */
  digestHeading?: (count: number) => string;
  /** Merge a backlog into digests (default true); false sends every alert alone at the rate. */
  digest?: boolean;
  maxBodyBytes?: number;
  /**
   * Requests one robot may have out at once, waiting for DingTalk's answer or for their retry (default 4).
   * See DEFAULT_MAX_IN_FLIGHT; 1 sends strictly one after another.
   */
  maxInFlight?: number;
  /** How long close() waits for the requests in flight (default 2,000 ms). */
  closeGraceMs?: number;
  /** Id factory for alerts, batches and msgUuid (default crypto.randomUUID). */
  newId?: () => string;
}

/** One alert handed to the dispatcher. */
export interface SubmitInput {
  message: DingTalkMessage;
  /** The dingtalk-send node that accepted it (its results are tagged with this). */
  senderId?: string;
  /** JSON-serialisable data the adapter wants back with the result (kept in the outbox). */
  context?: unknown;
  /** The alert id (default a new UUID). */
  id?: string;
}

/** An alert DingTalk accepted (output 1). */
export interface SentResult {
  status: 'sent';
  id: string;
  senderId?: string;
  context?: unknown;
  errcode: number;
  errmsg?: string;
  /** HTTP requests made for the message that carried it. */
  attempts: number;
  /** From acceptance to DingTalk's answer. */
  latencyMs: number;
  /** The last request's round trip. */
  requestMs: number;
  msgUuid: string;
  /** How many alerts the message carried (1 unless it was a digest). */
  digestCount: number;
  batchId: string;
}

/** An alert that failed for good (output 2). */
export interface FailedResult {
  status: 'failed';
  id: string;
  senderId?: string;
  context?: unknown;
  reason: ReasonCode;
  /** The reason in plain English (adapters translate `reason`). */
  text: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  attempts: number;
  msgUuid?: string;
  digestCount: number;
  /** From acceptance to the final answer. */
  latencyMs: number;
}

/** The final result of one accepted alert. */
export type DeliveryResult = SentResult | FailedResult;

/** Per-sender counters. */
export interface SenderCounts {
  sent: number;
  failed: number;
  /** Accepted, not yet settled (queued or in flight). */
  waiting: number;
}

/** A robot's state for status displays. */
export interface DispatcherStatus extends SenderCounts {
  /** Alerts in requests now in flight or awaiting retry. */
  inFlight: number;
  /** Requests now out, waiting for DingTalk's answer (at most maxInFlight). */
  requestsInFlight: number;
  /** Set while DingTalk throttles the robot: when the next probe leaves (ms since epoch). */
  throttledUntil?: number;
  /** Set while requests keep failing after their quick retries: since when, and when the next try leaves. */
  outage?: { since: number; nextTryAt: number };
  /** Set while a message waits to be retried: the earliest retry. */
  retryAt?: number;
  /** The last failure (refusal or retryable error), for status text. */
  lastProblem?: { reason: ReasonCode; text: string; at: number };
  /** Messages sent within the current window, and the limit. */
  windowUsed: number;
  limit: number;
}

/**
 * Requests one robot may have out at once (the dispatcher's `maxInFlight` default).
 *
 * Why 4: with one request out, a robot sends at most one message per round trip (tens of milliseconds to
 * oapi.dingtalk.com over the internet, against well under one on loopback), and a burst of up to `burst`
 * alerts (sent one by one before digests start) trickles out each behind the other's answer. Four requests out cover that round trip for any raised
 * limit a deployment is likely to use, and let Node-RED's own message handling, not the wait for answers,
 * set the pace on loopback. It is kept small on purpose: it is how many requests a throttling DingTalk can
 * refuse at once (each is put back, none is lost), how far apart messages can arrive from the order they
 * left, and it matches the transport's keep-alive connections (the robot adapter opens one per request in
 * flight), so no request waits for a socket behind another. At DingTalk's real 20 a minute the limiter sets
 * the pace and the value makes no difference.
 */
export const DEFAULT_MAX_IN_FLIGHT = 4;

/** The slow schedule after the quick retries: 1, 5, then every 30 minutes. */
export const DEFAULT_SLOW_RETRY_MS: readonly number[] = [60_000, 300_000, 1_800_000];

/** The robot's rate state is saved at once, then at most this often (a burst is saved once it has left). */
const RATE_SAVE_MS = 250;

/**
 * The robot holds everything back and tries one request at a time (a probe): DingTalk throttles it, or
 * requests keep failing after their quick retries (DingTalk or the network is down).
 */
interface Hold {
  kind: 'throttled' | 'outage';
  /** When the next probe may leave. */
  nextAt: number;
  /** Failed probes in this outage: picks the wait from the slow schedule. */
  step: number;
  since: number;
}

interface Job {
  batch: OutboxBatch;
  alerts: OutboxAlert[];
  /** Acceptance order of its first alert: jobs leave and are resent in this order. */
  seq: number;
  persisted: boolean;
  attempts: number;
  retries: number;
  /** When it may leave again (a retry's backoff). */
  nextAt: number;
  requestMs: number;
  /** A request for it is out now. */
  sending: boolean;
  /** Its request left while the robot was held: its answer tells whether the hold is over. */
  probe: boolean;
  /** Its last retryable failure, reported with `expired` should it reach its maximum age. */
  lastFailure?: Classification;
}

type Plan = { wait: number } | { alerts: OutboxAlert[]; message: DingTalkMessage };

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
  private readonly o: Required<
    Omit<
      DispatcherOptions,
      'secret' | 'store' | 'clock' | 'keywords' | 'digestHeading' | 'address' | 'transport' | 'rateState'
    >
  >;
  private readonly clock: Clock;
  private readonly store: OutboxStore;
  readonly limiter: SlidingWindowLimiter;
  /** Accepted alerts not yet in a request, in acceptance order (from qHead on). */
  private readonly queue: OutboxAlert[] = [];
  private qHead = 0;
  /**
   * Requests to send again before the queue, oldest first: recovered from the outbox (in flight when the last
   * run stopped) or refused by a throttled DingTalk. Each keeps its body and msgUuid.
   */
  private readonly resend: Job[] = [];
  /** Jobs holding a slot: out now, or waiting for their retry. At most maxInFlight. */
  private readonly active: Job[] = [];
  /** One promise per request out (settles when its answer has been handled). */
  private readonly running = new Set<Promise<void>>();
  /** Jobs whose request was still out at close: their answers are ignored (reported or owed already). */
  private readonly abandoned = new Set<Job>();
  private timer: TimerHandle | undefined;
  /** Set while a failed outbox open waits to be tried again. */
  private reopenTimer: TimerHandle | undefined;
  private openFailures = 0;
  private hold: Hold | undefined;
  /** Bytes of the alerts owed (the outbox bound), and each alert's share. */
  private owedBytes = 0;
  private readonly alertBytes = new Map<string, number>();
  private rateDirty = false;
  private rateSavedAt = Number.NEGATIVE_INFINITY;
  private rateTimer: TimerHandle | undefined;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private ready: Promise<void> | undefined;
  private readonly totals: SenderCounts = { sent: 0, failed: 0, waiting: 0 };
  private readonly bySender = new Map<string, SenderCounts>();
  private lastProblem: DispatcherStatus['lastProblem'];
  private readonly resultListeners = new Set<(r: DeliveryResult) => void>();
  private readonly statusListeners = new Set<(s: DispatcherStatus) => void>();

  constructor(private readonly options: DispatcherOptions) {
    const rate = Math.max(1, Math.floor(options.ratePerWindow ?? 20));
    this.o = {
      random: options.random ?? Math.random,
      ratePerWindow: rate,
      windowMs: options.windowMs ?? 60_000,
      burst: Math.min(rate, Math.max(1, Math.floor(options.burst ?? rate / 2))),
      throttlePauseMs: options.throttlePauseMs ?? 60_000,
      retries: Math.max(0, options.retries ?? 3),
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      slowRetryMs: options.slowRetryMs?.length ? options.slowRetryMs : DEFAULT_SLOW_RETRY_MS,
      maxAgeMs: options.maxAgeMs ?? 86_400_000,
      maxOutboxAlerts: options.maxOutboxAlerts ?? 10_000,
      maxOutboxBytes: options.maxOutboxBytes ?? 64 * 1024 * 1024,
      digest: options.digest ?? true,
      maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
      maxInFlight: Math.max(1, Math.floor(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) || 1),
      closeGraceMs: options.closeGraceMs ?? 2_000,
      newId: options.newId ?? randomUUID,
    };
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new LocalOutbox();
    this.limiter = new SlidingWindowLimiter({ limit: rate, windowMs: this.o.windowMs });
    this.restoreRate();
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
          this.resend.push({
            batch,
            alerts,
            seq: Number.isFinite(seq) ? seq : 0,
            persisted: true,
            attempts: 0,
            retries: 0,
            nextAt: 0,
            requestMs: 0,
            sending: false,
            probe: false,
          });
          for (const a of alerts) this.owe(a);
          for (const a of alerts) this.seq = Math.max(this.seq, a.seq);
        }
        this.resend.sort((a, b) => a.seq - b.seq);
        for (const a of owed.alerts) {
          this.queue.push(a);
          this.seq = Math.max(this.seq, a.seq);
          this.owe(a);
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
      : this.totals.waiting >= this.o.maxOutboxAlerts ||
          this.owedBytes + bodyBytes(alert) > this.o.maxOutboxBytes
        ? 'outbox_full'
        : undefined;
    if (refusal) {
      this.count(alert.senderId, 'waiting', 1);
      queueMicrotask(() => this.settle([alert], { reason: refusal, text: REASONS[refusal] }, 0, undefined));
      return { id };
    }
    this.owe(alert); // counted before the write, so that concurrent submits see the bound
    try {
      await this.store.enqueue(alert);
    } catch (err) {
      this.unowe(alert);
      this.count(alert.senderId, 'waiting', -1);
      throw err;
    }
    this.queue.push(alert);
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
    for (const job of this.active) {
      inFlight += job.alerts.length;
      if (job.sending) requestsInFlight++;
      else if (job.retries > 0 && job.nextAt > now) retryAt = Math.min(retryAt, job.nextAt);
    }
    const s: DispatcherStatus = {
      ...this.totals,
      inFlight,
      requestsInFlight,
      windowUsed: this.limiter.used(now),
      limit: this.limiter.limit,
    };
    if (this.hold?.kind === 'throttled') s.throttledUntil = this.hold.nextAt;
    if (this.hold?.kind === 'outage') s.outage = { since: this.hold.since, nextTryAt: this.hold.nextAt };
    if (Number.isFinite(retryAt)) s.retryAt = retryAt;
    if (this.lastProblem) s.lastProblem = this.lastProblem;
    return s;
  }

  /** One sender's counts. */
  senderCounts(senderId: string): SenderCounts {
    return { ...(this.bySender.get(senderId) ?? { sent: 0, failed: 0, waiting: 0 }) };
  }

  /** Alerts waiting to leave: the queue and what waits to be sent again (not those in flight or awaiting retry). */
  get queued(): number {
    return this.queue.length - this.qHead + this.resend.reduce((n, j) => n + j.alerts.length, 0);
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
    if (this.rateTimer) this.clock.clearTimer(this.rateTimer);
    this.rateTimer = undefined;
    this.saveRate();
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
    for (const job of this.active) if (job.sending) this.abandoned.add(job);
    if (!this.store.durable) {
      const left = [
        ...this.active.flatMap((j) => j.alerts),
        ...this.resend.flatMap((j) => j.alerts),
        ...this.queue.slice(this.qHead),
      ].sort((a, b) => a.seq - b.seq);
      this.active.length = 0;
      this.resend.length = 0;
      this.queue.length = 0;
      this.qHead = 0;
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
    if (this.hold) {
      if (now < this.hold.nextAt) return this.hold.nextAt;
      if (this.active.some((j) => j.sending)) return undefined; // one probe at a time: its answer pumps
    }
    let job: Job | undefined;
    let retryAt = Number.POSITIVE_INFINITY;
    for (const j of this.active) {
      if (j.sending) continue;
      if (j.nextAt > now) retryAt = Math.min(retryAt, j.nextAt);
      else if (!job || j.seq < job.seq) job = j;
    }
    const slotFree = this.active.length < this.o.maxInFlight;
    const again = slotFree ? this.resend[0] : undefined;
    if (again && (!job || again.seq < job.seq)) job = again;
    if (!job && !(slotFree && this.qHead < this.queue.length))
      return Number.isFinite(retryAt) ? retryAt : undefined;
    const available = this.limiter.available(now);
    if (available === 0) return this.limiter.nextFreeAt(now);
    if (job) {
      if (job === again) this.resend.shift();
      return job;
    }
    const plan = this.plan(now, available);
    if ('wait' in plan) return Math.min(plan.wait, retryAt);
    const msgUuid = this.o.newId();
    const batch: OutboxBatch = {
      id: this.o.newId(),
      msgUuid,
      alertIds: plan.alerts.map((a) => a.id),
      message: { ...plan.message, msgUuid },
      createdAt: now,
    };
    return {
      batch,
      alerts: plan.alerts,
      seq: (plan.alerts[0] as OutboxAlert).seq,
      persisted: false,
      attempts: 0,
      retries: 0,
      nextAt: 0,
      requestMs: 0,
      sending: false,
      probe: false,
    };
  }

  /** Sends a job's request now: it holds a slot until it is settled or put back, and takes a limiter slot. */
  private launch(job: Job, now: number): void {
    if (!this.active.includes(job)) this.active.push(job);
    job.sending = true;
    job.probe = this.hold !== undefined;
    this.limiter.tryTake(now);
    this.lastSendAt = now;
    this.rateChanged();
    const running: Promise<void> = this.run(job)
      .catch(() => undefined)
      .then(() => {
        this.running.delete(running);
        this.pump();
      });
    this.running.add(running);
  }

  /** Chooses what to send next: the head alone, or (when the queue backs up) a digest, possibly later. */
  private plan(now: number, available: number): Plan {
    const waiting = this.queue.length - this.qHead;
    const head = this.queue[this.qHead] as OutboxAlert;
    const free = available - (this.o.ratePerWindow - this.o.burst);
    if (!this.o.digest || waiting <= free) return this.take(1, head.message);
    // Backlog: spread the sends left in this window over the rest of it, merging what waits meanwhile.
    const windowEnd = this.limiter.windowEndsAt(now);
    const last = Number.isFinite(this.lastSendAt) ? this.lastSendAt : now;
    const pacedAt = last + Math.max(0, windowEnd - last) / available;
    const entries: DigestEntry[] = [];
    for (let i = this.qHead; i < this.queue.length; i++) entries.push((this.queue[i] as OutboxAlert).entry);
    const budget = Math.floor(((this.o.maxBodyBytes - 2_500) * available) / waiting);
    const digest = packDigest(entries, {
      maxBytes: this.o.maxBodyBytes,
      ...(this.options.keywords ? { keywords: this.options.keywords } : {}),
      ...(this.options.digestHeading ? { heading: this.options.digestHeading } : {}),
      maxEntryBytes: Math.max(160, budget),
    });
    const full = digest.ids.length < waiting;
    if (!full && now < pacedAt) return { wait: pacedAt };
    if (digest.ids.length === 1) return this.take(1, head.message);
    return this.take(digest.ids.length, digest.message);
  }

  private take(count: number, message: DingTalkMessage): Plan {
    const alerts = this.queue.slice(this.qHead, this.qHead + count);
    this.qHead += count;
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
    return { alerts, message };
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

  // --- one request ----------------------------------------------------------------------------------------

  /** Sends one request for `job` (recording it in the outbox first) and acts on the answer. */
  private async run(job: Job): Promise<void> {
    const sent = await this.request(job);
    if (!sent || this.abandoned.has(job)) return;
    const { answer, started, t0 } = sent;
    job.requestMs = Math.max(this.clock.now() - started, performance.now() - t0);
    const verdict = classifyAnswer(answer);
    const now = this.clock.now();
    switch (verdict.outcome) {
      case 'ok':
        // A probe got through (DingTalk let go), or any request did during an outage (it is reachable again).
        if (this.hold && (job.probe || this.hold.kind === 'outage')) this.endHold();
        await this.finish(job, { delivered: true }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
      case 'throttled':
        // DingTalk refused it (not queued): hold the robot and put the request back, to be resent as it is
        // (same msgUuid) before anything newer. Every other request still out meets the same fate if DingTalk
        // refuses it too; one it accepted is settled as usual. After the pause one probe goes; a refused probe
        // waits one pause more, so the robot resumes within a pause of DingTalk letting go.
        this.startHold('throttled', now);
        this.putBack(job);
        this.noteProblem('throttled');
        this.emitStatus();
        return;
      case 'retry':
        this.noteProblem(verdict.reason);
        job.lastFailure = verdict;
        if (job.retries < this.o.retries) {
          // While the robot is held the retry also waits for the hold's next try (one request at a time).
          job.retries++;
          job.nextAt = now + this.backoff(job.retries);
          this.emitStatus();
          return;
        }
        // Past the quick retries: the request waits (durably, in the outbox) on the slow schedule, until it
        // gets through, meets a permanent error or reaches its maximum age. Only a probe's failure moves the
        // schedule on, or turns a throttle into an outage: requests that left before the hold do not.
        this.putBack(job);
        if (!this.hold || (job.probe && this.hold.kind === 'throttled')) this.startHold('outage', now);
        else if (job.probe) this.hold.nextAt = now + this.slowWait(++this.hold.step);
        this.emitStatus();
        return;
      case 'fatal':
        // An answer from DingTalk: reachable again; while throttled, the next probe may go at once.
        if (this.hold?.kind === 'outage') this.endHold();
        else if (this.hold && job.probe) this.hold.nextAt = now;
        this.noteProblem(verdict.reason);
        await this.finish(job, { delivered: false, reason: verdict.reason }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
    }
  }

  /** The request itself; the job counts as sending until it returns. Undefined when none could be sent. */
  private async request(
    job: Job,
  ): Promise<{ answer: TransportAnswer; started: number; t0: number } | undefined> {
    try {
      if (!job.persisted) {
        try {
          await this.store.startBatch(job.batch);
          job.persisted = true;
        } catch {
          this.noteProblem('store_error');
          job.nextAt = this.clock.now() + this.o.retryBaseMs;
          return undefined;
        }
      }
      if (this.state === 'closed') return undefined;
      const url = buildRequestUrl(this.options.address, this.options.secret, this.clock.now());
      const started = this.clock.now();
      const t0 = performance.now();
      job.attempts++;
      const answer = await this.options.transport({
        url,
        body: JSON.stringify(job.batch.message),
        timeoutMs: this.o.timeoutMs,
      });
      return { answer, started, t0 };
    } finally {
      job.sending = false;
    }
  }

  /** Frees a throttled job's slot and queues it for resending, in acceptance order among the others. */
  private putBack(job: Job): void {
    this.release(job);
    job.nextAt = 0;
    let i = this.resend.length;
    while (i > 0 && (this.resend[i - 1] as Job).seq > job.seq) i--;
    this.resend.splice(i, 0, job);
  }

  private startHold(kind: Hold['kind'], now: number): void {
    const wait = kind === 'throttled' ? this.o.throttlePauseMs : this.slowWait(0);
    const nextAt = now + wait;
    if (this.hold?.kind === kind) this.hold.nextAt = Math.max(this.hold.nextAt, nextAt);
    else this.hold = { kind, nextAt, step: 0, since: now };
    this.rateChanged();
  }

  private endHold(): void {
    this.hold = undefined;
    this.rateChanged();
  }

  /** The wait after the `step`-th failed try of an outage (the schedule's last entry repeats). */
  private slowWait(step: number): number {
    const schedule = this.o.slowRetryMs;
    return schedule[Math.min(step, schedule.length - 1)] as number;
  }

  /**
   * Fails every alert past its maximum age that no request now out carries (`expired`), and returns when the
   * next one will be (infinity when none waits).
   */
  private expireOld(now: number): number {
    const deadline = now - this.o.maxAgeMs;
    let next = Number.POSITIVE_INFINITY;
    for (const list of [this.active, this.resend]) {
      for (const job of [...list]) {
        if (job.sending) continue;
        const oldest = job.alerts.reduce((min, a) => Math.min(min, a.acceptedAt), Number.POSITIVE_INFINITY);
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
    const old: OutboxAlert[] = [];
    for (
      let head = this.queue[this.qHead];
      head && head.acceptedAt <= deadline;
      head = this.queue[this.qHead]
    ) {
      old.push(head);
      this.qHead++;
    }
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
    const head = this.queue[this.qHead];
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

  // --- the robot's rate budget across redeploys -------------------------------------------------------------

  /** Takes up what an earlier dispatcher of this robot left: its recent sends and a throttle in force. */
  private restoreRate(): void {
    let saved: RateState | undefined;
    try {
      saved = this.options.rateState?.load();
    } catch {
      saved = undefined;
    }
    if (!saved) return;
    const now = this.clock.now();
    this.limiter.restore(saved.sends, now);
    if (saved.throttledUntil !== undefined) {
      const nextAt = Math.min(saved.throttledUntil, now + this.o.throttlePauseMs);
      this.hold = { kind: 'throttled', nextAt, step: 0, since: now };
    }
  }

  /** Notes a change to the budget: saved at once, or RATE_SAVE_MS after the last save. */
  private rateChanged(): void {
    if (!this.options.rateState) return;
    this.rateDirty = true;
    if (this.rateTimer) return;
    const wait = this.rateSavedAt + RATE_SAVE_MS - this.clock.now();
    if (wait <= 0) {
      this.saveRate();
      return;
    }
    this.rateTimer = this.clock.setTimer(() => {
      this.rateTimer = undefined;
      this.saveRate();
    }, wait);
  }

  private saveRate(): void {
    if (!this.options.rateState || !this.rateDirty) return;
    const now = this.clock.now();
    const state: RateState = { sends: this.limiter.recent(now) };
    if (this.hold?.kind === 'throttled') state.throttledUntil = this.hold.nextAt;
    try {
      this.options.rateState.save(state);
      this.rateDirty = false;
      this.rateSavedAt = now;
    } catch {
      // no room to write it: the budget is kept in memory, and saved with the next change
    }
  }

  private release(job: Job): void {
    const i = this.active.indexOf(job);
    if (i >= 0) this.active.splice(i, 1);
  }

  private async finish(
    job: Job,
    result: { delivered: true } | { delivered: false; reason: string },
  ): Promise<void> {
    this.release(job);
    await this.store.finishBatch(job.batch.id, result);
  }

  /** Exponential backoff with ±50% jitter: base · 2^(n-1), capped. */
  private backoff(retry: number): number {
    const d = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (retry - 1));
    return Math.round(d * (0.5 + this.o.random()));
  }

  private settle(
    alerts: OutboxAlert[],
    verdict: Pick<Classification, 'reason' | 'text'> & Partial<Classification>,
    attempts: number,
    job: Job | undefined,
  ): void {
    const now = this.clock.now();
    const ok = verdict.outcome === 'ok';
    for (const a of alerts) {
      let result: DeliveryResult;
      if (ok && job) {
        result = {
          status: 'sent',
          id: a.id,
          errcode: verdict.errcode ?? 0,
          attempts,
          latencyMs: Math.max(0, now - a.acceptedAt),
          requestMs: job.requestMs,
          msgUuid: job.batch.msgUuid,
          digestCount: alerts.length,
          batchId: job.batch.id,
        };
        if (verdict.errmsg !== undefined) result.errmsg = verdict.errmsg;
      } else {
        result = {
          status: 'failed',
          id: a.id,
          reason: verdict.reason,
          text: verdict.text,
          attempts,
          digestCount: alerts.length,
          latencyMs: Math.max(0, now - a.acceptedAt),
        };
        if (verdict.errcode !== undefined) result.errcode = verdict.errcode;
        if (verdict.errmsg !== undefined) result.errmsg = verdict.errmsg;
        if (verdict.httpStatus !== undefined) result.httpStatus = verdict.httpStatus;
        if (job) result.msgUuid = job.batch.msgUuid;
      }
      if (a.senderId !== undefined) result.senderId = a.senderId;
      if (a.context !== undefined) result.context = a.context;
      this.unowe(a);
      this.count(a.senderId, 'waiting', -1);
      this.count(a.senderId, ok ? 'sent' : 'failed', 1);
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

  /** Counts an alert the outbox owes (waiting, and its bytes against the bound). */
  private owe(alert: OutboxAlert): void {
    const bytes = bodyBytes(alert);
    this.alertBytes.set(alert.id, bytes);
    this.owedBytes += bytes;
    this.count(alert.senderId, 'waiting', 1);
  }

  private unowe(alert: OutboxAlert): void {
    const bytes = this.alertBytes.get(alert.id);
    if (bytes === undefined) return;
    this.alertBytes.delete(alert.id);
    this.owedBytes -= bytes;
  }

  private count(senderId: string | undefined, key: keyof SenderCounts, delta: number): void {
    this.totals[key] += delta;
    if (senderId === undefined) return;
    let c = this.bySender.get(senderId);
    if (!c) {
      c = { sent: 0, failed: 0, waiting: 0 };
      this.bySender.set(senderId, c);
    }
    c[key] += delta;
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
