/** Settings of a sliding-window limiter. */
export interface SlidingWindowOptions {
  /** Sends allowed within any window (DingTalk: 20). */
  limit: number;
  /** Window length in ms (DingTalk: 60,000); tests and fault suites shorten it. */
  windowMs: number;
}

/**
 * A sliding-window limiter: at most `limit` sends within any `windowMs`. It remembers the time of each send
 * in the current window (a ring of timestamps), so it never lets a burst straddle two fixed minutes.
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private times: number[] = [];
  private head = 0;

  constructor(options: SlidingWindowOptions) {
    this.limit = Math.max(1, Math.floor(options.limit));
    this.windowMs = Math.max(1, options.windowMs);
  }

  private expire(nowMs: number): void {
    const edge = nowMs - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= edge) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Sends within the window ending now. */
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
    return oldest + this.windowMs;
  }

  /** When the oldest send in the window leaves it (now if the window is empty). */
  windowEndsAt(nowMs: number): number {
    this.expire(nowMs);
    const oldest = this.times[this.head];
    return oldest === undefined ? nowMs : oldest + this.windowMs;
  }

  /** Forgets every send (after a throttle pause DingTalk's window has reset). */
  reset(): void {
    this.times = [];
    this.head = 0;
  }
}
