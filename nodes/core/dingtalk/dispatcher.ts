import { randomUUID } from 'node:crypto';
import type { RobotAddress } from './address';
import { type Classification, classifyAnswer } from './classify';
import { type Clock, systemClock, type TimerHandle } from './clock';
import { type DigestEntry, digestEntryFor, packDigest } from './digest';
import { SlidingWindowLimiter } from './limiter';
import { LocalOutbox, type OutboxAlert, type OutboxBatch, type OutboxStore } from './outbox';
import { REASONS, type ReasonCode } from './reasons';
import type { DingTalkMessage } from './schema';
import { buildRequestUrl } from './sign';
import { checkBodySize, MAX_BODY_BYTES } from './size';
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
  /** How long the robot pauses after DingTalk throttles it (default 600,000 ms). */
  throttlePauseMs?: number;
  /** Retries after the first attempt, for retryable outcomes only (default 3). */
  retries?: number;
  /** First retry delay (default 500 ms), doubling each time, ±50% jitter. */
  retryBaseMs?: number;
  /** Cap on one retry delay (default 30,000 ms). */
  retryMaxMs?: number;
  /** Per-request timeout (default 10,000 ms). */
  timeoutMs?: number;
  /** The robot's keywords: digests carry the first in their heading. */
  keywords?: readonly string[];
  /** The digest heading for `count` alerts (default "`count` alerts"). */
  digestHeading?: (count: number) => string;
  /** Merge a backlog into digests (default true); false sends every alert alone at the rate. */
  digest?: boolean;
  maxBodyBytes?: number;
  /** How long close() waits for a request in flight (default 2,000 ms). */
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
  /** Alerts in the request now in flight or awaiting retry. */
  inFlight: number;
  /** Set while the robot is paused after DingTalk throttled it (ms since epoch). */
  throttledUntil?: number;
  /** Set while the message at the head waits to be retried. */
  retryAt?: number;
  /** The last failure (refusal or retryable error), for status text. */
  lastProblem?: { reason: ReasonCode; text: string; at: number };
  /** Messages sent within the current window, and the limit. */
  windowUsed: number;
  limit: number;
}

interface Job {
  batch: OutboxBatch;
  alerts: OutboxAlert[];
  persisted: boolean;
  attempts: number;
  retries: number;
  nextAt: number;
  requestMs: number;
}

type Plan = { wait: number } | { alerts: OutboxAlert[]; message: DingTalkMessage };

/**
 * One robot's delivery engine, shared by every dingtalk-send node that uses the robot. It owns the queue,
 * the sliding-window limiter, the throttle pause, retries with backoff, digest merging and the outbox, and
 * reports each accepted alert's final result exactly once through `onResult`.
 */
export class Dispatcher {
  private readonly o: Required<
    Omit<
      DispatcherOptions,
      'secret' | 'store' | 'clock' | 'keywords' | 'digestHeading' | 'address' | 'transport'
    >
  >;
  private readonly clock: Clock;
  private readonly store: OutboxStore;
  readonly limiter: SlidingWindowLimiter;
  private readonly queue: OutboxAlert[] = [];
  private qHead = 0;
  private readonly owed: Job[] = [];
  private current: Job | undefined;
  private running: Promise<void> | undefined;
  /** A job whose alerts were reported `closed` while its request was still out: its answer is ignored. */
  private abandoned: Job | undefined;
  private timer: TimerHandle | undefined;
  private pausedUntil = 0;
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
      throttlePauseMs: options.throttlePauseMs ?? 600_000,
      retries: Math.max(0, options.retries ?? 3),
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      digest: options.digest ?? true,
      maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
      closeGraceMs: options.closeGraceMs ?? 2_000,
      newId: options.newId ?? randomUUID,
    };
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new LocalOutbox();
    this.limiter = new SlidingWindowLimiter({ limit: rate, windowMs: this.o.windowMs });
  }

  /** Opens the outbox and resumes what it still owes: in-flight requests first (same msgUuid), then the queue. */
  start(): Promise<void> {
    if (!this.ready) {
      this.state = 'starting';
      this.ready = this.store.open().then((owed) => {
        for (const { batch, alerts } of owed.batches) {
          this.owed.push({
            batch,
            alerts,
            persisted: true,
            attempts: 0,
            retries: 0,
            nextAt: 0,
            requestMs: 0,
          });
          for (const a of alerts) this.count(a.senderId, 'waiting', 1);
          for (const a of alerts) this.seq = Math.max(this.seq, a.seq);
        }
        for (const a of owed.alerts) {
          this.queue.push(a);
          this.seq = Math.max(this.seq, a.seq);
          this.count(a.senderId, 'waiting', 1);
        }
        if (this.state === 'starting') this.state = 'started';
        this.emitStatus();
        this.pump();
      });
    }
    return this.ready;
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
    const tooBig = checkBodySize(input.message, this.o.maxBodyBytes);
    if (tooBig) {
      this.count(alert.senderId, 'waiting', 1);
      queueMicrotask(() =>
        this.settle([alert], { reason: 'too_large', text: REASONS.too_large }, 0, undefined),
      );
      return { id };
    }
    await this.store.enqueue(alert);
    this.queue.push(alert);
    this.count(alert.senderId, 'waiting', 1);
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
    const s: DispatcherStatus = {
      ...this.totals,
      inFlight: this.current?.alerts.length ?? 0,
      windowUsed: this.limiter.used(now),
      limit: this.limiter.limit,
    };
    if (this.pausedUntil > now) s.throttledUntil = this.pausedUntil;
    if (this.current && this.current.nextAt > now && this.current.retries > 0)
      s.retryAt = this.current.nextAt;
    if (this.lastProblem) s.lastProblem = this.lastProblem;
    return s;
  }

  /** One sender's counts. */
  senderCounts(senderId: string): SenderCounts {
    return { ...(this.bySender.get(senderId) ?? { sent: 0, failed: 0, waiting: 0 }) };
  }

  /** Alerts waiting in the queue (not counting the one in flight). */
  get queued(): number {
    return this.queue.length - this.qHead + this.owed.reduce((n, j) => n + j.alerts.length, 0);
  }

  /**
   * Stops: no new requests; waits up to closeGraceMs for the one in flight. With a durable outbox everything
   * unsettled stays owed for the next start; with a memory outbox it is reported failed (`closed`).
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarting = this.ready;
    this.state = 'closed';
    this.clearTimer();
    if (wasStarting) await wasStarting.catch(() => undefined);
    if (this.running) {
      let handle: TimerHandle | undefined;
      await Promise.race([
        this.running,
        new Promise<void>((resolve) => {
          handle = this.clock.setTimer(resolve, this.o.closeGraceMs);
        }),
      ]);
      if (handle) this.clock.clearTimer(handle);
    }
    if (!this.store.durable) {
      if (this.running && this.current) this.abandoned = this.current;
      const left = [
        ...(this.current ? this.current.alerts : []),
        ...this.owed.flatMap((j) => j.alerts),
        ...this.queue.slice(this.qHead),
      ];
      this.current = undefined;
      this.owed.length = 0;
      this.queue.length = 0;
      this.qHead = 0;
      if (left.length > 0) this.settle(left, { reason: 'closed', text: REASONS.closed }, 0, undefined);
    }
    await this.store.close();
  }

  // --- scheduling ---------------------------------------------------------------------------------------

  private pump(): void {
    if (this.state !== 'started' || this.running) return;
    this.clearTimer();
    const now = this.clock.now();
    if (now < this.pausedUntil) {
      this.wakeAt(this.pausedUntil);
      return;
    }
    let job = this.current;
    if (job && job.nextAt > now) {
      this.wakeAt(job.nextAt);
      return;
    }
    const available = this.limiter.available(now);
    if (!job && this.owed.length === 0 && this.qHead >= this.queue.length) return;
    if (available === 0) {
      this.wakeAt(this.limiter.nextFreeAt(now));
      return;
    }
    if (!job) {
      job = this.owed.shift();
      if (!job) {
        const plan = this.plan(now, available);
        if ('wait' in plan) {
          this.wakeAt(plan.wait);
          return;
        }
        const msgUuid = this.o.newId();
        const batch: OutboxBatch = {
          id: this.o.newId(),
          msgUuid,
          alertIds: plan.alerts.map((a) => a.id),
          message: { ...plan.message, msgUuid },
          createdAt: now,
        };
        job = {
          batch,
          alerts: plan.alerts,
          persisted: false,
          attempts: 0,
          retries: 0,
          nextAt: 0,
          requestMs: 0,
        };
      }
      this.current = job;
    }
    this.limiter.tryTake(now);
    this.lastSendAt = now;
    const running = this.run(job);
    this.running = running;
    running.then(
      () => {
        this.running = undefined;
        this.pump();
      },
      () => {
        this.running = undefined;
        this.pump();
      },
    );
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

  private async run(job: Job): Promise<void> {
    try {
      if (!job.persisted) {
        await this.store.startBatch(job.batch);
        job.persisted = true;
      }
    } catch {
      this.noteProblem('store_error');
      job.nextAt = this.clock.now() + this.o.retryBaseMs;
      return;
    }
    if (this.state === 'closed') return;
    const url = buildRequestUrl(this.options.address, this.options.secret, this.clock.now());
    const started = this.clock.now();
    const t0 = performance.now();
    job.attempts++;
    const answer = await this.options.transport({
      url,
      body: JSON.stringify(job.batch.message),
      timeoutMs: this.o.timeoutMs,
    });
    if (this.abandoned === job) return;
    job.requestMs = Math.max(this.clock.now() - started, performance.now() - t0);
    const verdict = classifyAnswer(answer);
    const now = this.clock.now();
    switch (verdict.outcome) {
      case 'ok':
        await this.finish(job, { delivered: true }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
      case 'throttled':
        this.pausedUntil = now + this.o.throttlePauseMs;
        job.nextAt = this.pausedUntil;
        this.noteProblem('throttled');
        this.emitStatus();
        return;
      case 'retry':
        this.noteProblem(verdict.reason);
        if (job.retries < this.o.retries) {
          job.retries++;
          job.nextAt = now + this.backoff(job.retries);
          this.emitStatus();
          return;
        }
        await this.finish(job, { delivered: false, reason: verdict.reason }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
      case 'fatal':
        this.noteProblem(verdict.reason);
        await this.finish(job, { delivered: false, reason: verdict.reason }).catch(() => undefined);
        this.settle(job.alerts, verdict, job.attempts, job);
        return;
    }
  }

  private async finish(
    job: Job,
    result: { delivered: true } | { delivered: false; reason: string },
  ): Promise<void> {
    if (this.current === job) this.current = undefined;
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

/**
 * Shares one dispatcher per robot (key: the dingtalk-robot config node id) among every node that uses it,
 * closing it when the last user releases it.
 */
export class DispatcherRegistry {
  private readonly entries = new Map<string, { dispatcher: Dispatcher; users: number }>();

  /** Returns the robot's dispatcher, creating (and starting) it on first use. */
  acquire(key: string, create: () => Dispatcher): Dispatcher {
    let entry = this.entries.get(key);
    if (!entry) {
      const dispatcher = create();
      void dispatcher.start().catch(() => undefined);
      entry = { dispatcher, users: 0 };
      this.entries.set(key, entry);
    }
    entry.users++;
    return entry.dispatcher;
  }

  /** The robot's dispatcher if one is running. */
  get(key: string): Dispatcher | undefined {
    return this.entries.get(key)?.dispatcher;
  }

  /** Drops one user; the last one closes the dispatcher. */
  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.users--;
    if (entry.users > 0) return;
    this.entries.delete(key);
    await entry.dispatcher.close();
  }
}
