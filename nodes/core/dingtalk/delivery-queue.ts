// The dispatcher's model of the work it owes: accepted alerts not yet in a request (the queue), requests to
// send again before them (resend), and requests holding one of the maxInFlight slots (active). A "job" is one
// request: one alert, or a digest of several.
import type { Classification } from './classify';
import type { OutboxAlert, OutboxBatch } from './outbox';

export interface Job {
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

/** A job that has not left yet: `persisted` when its batch is in the outbox already (recovered from it). */
export function newJob(batch: OutboxBatch, alerts: OutboxAlert[], seq: number, persisted: boolean): Job {
  return {
    batch,
    alerts,
    seq,
    persisted,
    attempts: 0,
    retries: 0,
    nextAt: 0,
    requestMs: 0,
    sending: false,
    probe: false,
  };
}

/** When the oldest of a job's alerts was accepted. */
export const oldestAcceptedAt = (job: Job): number =>
  job.alerts.reduce((min, a) => Math.min(min, a.acceptedAt), Number.POSITIVE_INFINITY);

export class DeliveryQueue {
  /** Accepted alerts not yet in a request, in acceptance order (from head on). */
  private readonly alerts: OutboxAlert[] = [];
  private head = 0;
  /**
   * Requests to send again before the queue, oldest first: recovered from the outbox (in flight when the last
   * run stopped) or refused by a throttled DingTalk. Each keeps its body and msgUuid.
   */
  readonly resend: Job[] = [];
  /** Jobs holding a slot: out now, or waiting for their retry. At most maxInFlight. */
  readonly active: Job[] = [];

  /** Alerts in the queue, oldest first (a view: do not keep it). */
  waitingAlerts(): readonly OutboxAlert[] {
    return this.alerts.slice(this.head);
  }

  /** How many alerts wait in the queue. */
  get waiting(): number {
    return this.alerts.length - this.head;
  }

  /** The oldest alert in the queue. */
  first(): OutboxAlert | undefined {
    return this.alerts[this.head];
  }

  push(alert: OutboxAlert): void {
    this.alerts.push(alert);
  }

  /** Takes the `count` oldest alerts off the queue. */
  take(count: number): OutboxAlert[] {
    const taken = this.alerts.slice(this.head, this.head + count);
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.alerts.length) {
      this.alerts.splice(0, this.head);
      this.head = 0;
    }
    return taken;
  }

  /** Takes the alerts accepted at or before `deadline` off the front of the queue. */
  takeAcceptedBy(deadline: number): OutboxAlert[] {
    let count = 0;
    for (let a = this.alerts[this.head]; a && a.acceptedAt <= deadline; a = this.alerts[this.head + count])
      count++;
    return this.take(count);
  }

  /** Queues a recovered request for resending, keeping the resend list in acceptance order. */
  recover(job: Job): void {
    this.resend.push(job);
    this.resend.sort((a, b) => a.seq - b.seq);
  }

  /** Frees a job's slot and queues it for resending, in acceptance order among the others. */
  putBack(job: Job): void {
    this.release(job);
    job.nextAt = 0;
    let i = this.resend.length;
    while (i > 0 && (this.resend[i - 1] as Job).seq > job.seq) i--;
    this.resend.splice(i, 0, job);
  }

  /** Gives a job a slot (once). */
  occupy(job: Job): void {
    if (!this.active.includes(job)) this.active.push(job);
  }

  release(job: Job): void {
    const i = this.active.indexOf(job);
    if (i >= 0) this.active.splice(i, 1);
  }

  /** Alerts waiting to leave: the queue and what waits to be sent again (not those in flight or awaiting retry). */
  get queued(): number {
    return this.waiting + this.resend.reduce((n, j) => n + j.alerts.length, 0);
  }

  /** Empties everything and returns every alert it held, in acceptance order. */
  drain(): OutboxAlert[] {
    const left = [
      ...this.active.flatMap((j) => j.alerts),
      ...this.resend.flatMap((j) => j.alerts),
      ...this.alerts.slice(this.head),
    ].sort((a, b) => a.seq - b.seq);
    this.active.length = 0;
    this.resend.length = 0;
    this.alerts.length = 0;
    this.head = 0;
    return left;
  }
}
