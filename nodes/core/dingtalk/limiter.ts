/** Settings of a sliding-window limiter. */
export interface SlidingWindowOptions {
  /** Sends allowed within any window (DingTalk: 20). */
  limit: number;
  /** DingTalk's window length in ms (60,000); tests and fault suites shorten it. */
  windowMs: number;
  /**
   * How much longer than `windowMs` the limiter remembers each send (default `arrivalMarginMs(windowMs)`);
   * 0 keeps the window exact.
   */
  arrivalMarginMs?: number;
}

/**
 * The arrival margin for a window: 3% of it, between 100 ms and 2 s (60 s → 1.8 s, 3 s → 100 ms).
 *
 * DingTalk counts a message when it arrives; the limiter counts it when it leaves. The two moments differ by
 * the time the request takes to get there, and that differs from request to request (a slow TLS handshake,
 * a retransmission, requests queued behind each other on the connection pool). Without a margin the 21st
 * message, sent the instant the 1st leaves the limiter's window, can overtake the slower 1st and arrive while
 * DingTalk still counts the 1st: a 410100 and ten minutes of silence. Remembering every send a little longer
 * than DingTalk does absorbs that difference at a cost of 3% of the peak rate.
 */
export function arrivalMarginMs(windowMs: number): number {
  return Math.min(2_000, Math.max(100, Math.round(windowMs * 0.03)));
}

/**
 * A sliding-window limiter: at most `limit` sends within any `windowMs` as DingTalk counts them. It remembers
 * the time of each send (a ring of timestamps) for `windowMs` plus the arrival margin, so it never lets a
 * burst straddle two fixed minutes, and a send counted here when it leaves is still counted when DingTalk
 * counts it on arrival. The caller takes a slot at the moment a request leaves (retries too).
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  /** DingTalk's window. */
  readonly windowMs: number;
  /** How much longer than `windowMs` each send is remembered. */
  readonly marginMs: number;
  /** `windowMs + marginMs`: how long each send occupies its slot. */
  readonly spanMs: number;
  private times: number[] = [];
  private head = 0;

  constructor(options: SlidingWindowOptions) {
    this.limit = Math.max(1, Math.floor(options.limit));
    this.windowMs = Math.max(1, options.windowMs);
    const margin = options.arrivalMarginMs ?? arrivalMarginMs(this.windowMs);
    this.marginMs = Number.isFinite(margin) ? Math.max(0, margin) : 0;
    this.spanMs = this.windowMs + this.marginMs;
  }

  private expire(nowMs: number): void {
    const edge = nowMs - this.spanMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= edge) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Sends still occupying a slot now. */
  used(nowMs: number): number {
    this.expire(nowMs);
    return this.times.length - this.head;
  }

  /** Sends still allowed right now. */
  available(nowMs: number): number {
    return Math.max(0, this.limit - this.used(nowMs));
  }

  /** Takes one send if allowed; returns whether it did. */
  tryTake(nowMs: number): boolean {
    if (this.available(nowMs) === 0) return false;
    this.times.push(nowMs);
    return true;
  }

  /** The earliest time a send is allowed (now when one is). */
  nextFreeAt(nowMs: number): number {
    if (this.available(nowMs) > 0) return nowMs;
    const oldest = this.times[this.head + this.used(nowMs) - this.limit] ?? nowMs;
    return oldest + this.spanMs;
  }

  /** When the oldest send frees its slot (now if no slot is taken). */
  windowEndsAt(nowMs: number): number {
    this.expire(nowMs);
    const oldest = this.times[this.head];
    return oldest === undefined ? nowMs : oldest + this.spanMs;
  }

  /** The times of the sends still occupying a slot, oldest first (to carry the budget across a redeploy). */
  recent(nowMs: number): number[] {
    this.expire(nowMs);
    return this.times.slice(this.head);
  }

  /** Forgets every send. */
  reset(): void {
    this.times = [];
    this.head = 0;
  }

  /** Takes up the sends an earlier limiter of the same robot made (as `recent` gave them). */
  restore(sendTimes: readonly number[], nowMs: number): void {
    const edge = nowMs - this.spanMs;
    const kept = sendTimes.filter((t) => t > edge && t <= nowMs);
    this.times = [...kept, ...this.times.slice(this.head)].sort((a, b) => a - b);
    this.head = 0;
  }
}
