// A clock for tests: time moves only when the test says so, and timers fire in time order as it passes.
import type { Clock, TimerHandle } from '../../../nodes/core/stock/clock';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(public nowMs = Date.parse('2026-11-20T08:00:00+08:00')) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.nowMs + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way (including ones they set). */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fn();
    }
    this.nowMs = end;
  }

  get pending(): number {
    return this.timers.length;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
