/**
 * A token bucket per source address: `perSecond` requests a second on average, bursts up to `burst`.
 * Idle buckets are forgotten so that a scan from many addresses cannot grow memory without bound.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.ceil(perSecond)),
  ) {}

  /** Returns 0 when the request may pass, else the seconds to wait (for Retry-After). */
  take(source: string, nowMs: number): number {
    this.sweep(nowMs);
    const bucket = this.buckets.get(source) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
    bucket.at = nowMs;
    this.buckets.set(source, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [source, bucket] of this.buckets) {
      if (nowMs - bucket.at > fullAfterMs) this.buckets.delete(source);
    }
  }
}
