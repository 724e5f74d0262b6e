// DingTalk's per-robot limit as the stand-in enforces it: at most `limit` accepted messages in any sliding
// window of `windowMs`; the message past the limit is refused (not queued) and the robot then stays throttled
// for `throttleMs`, refusing everything, before the count starts afresh.

export interface RateOptions {
  limit: number;
  windowMs: number;
  throttleMs: number;
}

export class RobotRate {
  private accepted: number[] = [];
  private throttledUntil = 0;

  constructor(private readonly options: RateOptions) {}

  /** The end of the current throttle, or undefined when the robot is not throttled at `nowMs`. */
  throttledAt(nowMs: number): number | undefined {
    return nowMs < this.throttledUntil ? this.throttledUntil : undefined;
  }

  /**
   * Decides one message at `nowMs`: true when it fits (and counts it), false when it tips the robot over
   * the limit or arrives while throttled.
   */
  admit(nowMs: number): boolean {
    if (this.throttledAt(nowMs) !== undefined) return false;
    const since = nowMs - this.options.windowMs;
    let drop = 0;
    while (drop < this.accepted.length && (this.accepted[drop] as number) <= since) drop++;
    if (drop > 0) this.accepted = this.accepted.slice(drop);
    if (this.accepted.length >= this.options.limit) {
      this.throttledUntil = nowMs + this.options.throttleMs;
      this.accepted = [];
      return false;
    }
    this.accepted.push(nowMs);
    return true;
  }

  reset(): void {
    this.accepted = [];
    this.throttledUntil = 0;
  }
}
