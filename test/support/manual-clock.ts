// The one test clock: time moves only when a test says so, and timers fire in time order as it passes. Used
// by the unit, node and fault suites of every engine that takes a Clock (never shipped: nodes/ exports none).
import type { Clock, TimerHandle } from '../../nodes/core/kernel/clock';

interface Timer {
  at: number;
  fn: () => void;
  seq: number;
}

/** 2026-11-20 08:30 in Hong Kong. */
const DEFAULT_START_MS = Date.UTC(2026, 10, 20, 0, 30);

export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(startMs = DEFAULT_START_MS) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.time + Math.max(0, ms), fn, seq });
    return { id: seq };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id as number);
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** The time of the next pending timer, if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (in order, including timers they
   * set), and lets promise callbacks run after each one so that async work started by a timer completes before
   * the next fires.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let due: Timer | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= end && (!due || t.at < due.at || (t.at === due.at && t.seq < due.seq))) due = t;
      }
      if (!due) break;
      this.timers.delete(due.seq);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending promise callbacks (and one macrotask turn) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
