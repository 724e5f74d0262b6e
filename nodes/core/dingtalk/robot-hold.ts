// The robot's hold: while DingTalk throttles it, or while requests keep failing after their quick retries
// (DingTalk or the network is down: an outage), the robot holds everything back and tries one request at a
// time (a probe). How each answer moves the hold on is decided here; the dispatcher only reports answers.

export interface Hold {
  kind: 'throttled' | 'outage';
  /** When the next probe may leave. */
  nextAt: number;
  /** Failed probes in this outage: picks the wait from the slow schedule. */
  step: number;
  since: number;
}

export class RobotHold {
  private hold: Hold | undefined;

  /**
   * @param throttlePauseMs the wait before each probe while throttled
   * @param slowRetryMs the waits between probes in an outage (the last repeats)
   * @param onChange told when a hold starts or ends (the throttle is part of the saved rate state)
   */
  constructor(
    private readonly throttlePauseMs: number,
    private readonly slowRetryMs: readonly number[],
    private readonly onChange: () => void,
  ) {}

  get current(): Readonly<Hold> | undefined {
    return this.hold;
  }

  /** Takes up a throttle an earlier dispatcher of the robot saved (waiting at most one pause from now). */
  restoreThrottle(throttledUntil: number, now: number): void {
    this.hold = {
      kind: 'throttled',
      nextAt: Math.min(throttledUntil, now + this.throttlePauseMs),
      step: 0,
      since: now,
    };
  }

  /** When the next request may leave, if the robot is held and it is not time yet. */
  waitUntil(now: number): number | undefined {
    return this.hold && now < this.hold.nextAt ? this.hold.nextAt : undefined;
  }

  /** DingTalk accepted a request: a probe got through (DingTalk let go), or any did during an outage. */
  delivered(probe: boolean): void {
    if (this.hold && (probe || this.hold.kind === 'outage')) this.end();
  }

  /** DingTalk refused a request for the rate: hold (or hold on), and probe after a pause. */
  throttled(now: number): void {
    this.start('throttled', now);
  }

  /**
   * A request failed past its quick retries. Only a probe's failure moves the schedule on, or turns a throttle
   * into an outage: requests that left before the hold do not.
   */
  retriesSpent(probe: boolean, now: number): void {
    if (!this.hold || (probe && this.hold.kind === 'throttled')) this.start('outage', now);
    else if (probe) this.hold.nextAt = now + this.slowWait(++this.hold.step);
  }

  /** A permanent error is an answer from DingTalk: reachable again; while throttled, the next probe may go at once. */
  refused(probe: boolean, now: number): void {
    if (this.hold?.kind === 'outage') this.end();
    else if (this.hold && probe) this.hold.nextAt = now;
  }

  private start(kind: Hold['kind'], now: number): void {
    const wait = kind === 'throttled' ? this.throttlePauseMs : this.slowWait(0);
    const nextAt = now + wait;
    if (this.hold?.kind === kind) this.hold.nextAt = Math.max(this.hold.nextAt, nextAt);
    else this.hold = { kind, nextAt, step: 0, since: now };
    this.onChange();
  }

  private end(): void {
    this.hold = undefined;
    this.onChange();
  }

  /** The wait after the `step`-th failed try of an outage (the schedule's last entry repeats). */
  private slowWait(step: number): number {
    return this.slowRetryMs[Math.min(step, this.slowRetryMs.length - 1)] as number;
  }
}
