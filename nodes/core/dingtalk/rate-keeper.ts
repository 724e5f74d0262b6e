// Keeps a robot's rate budget across redeploys: its recent sends and a throttle in force are saved (through a
// RateStateStore) at once after a change, then at most every RATE_SAVE_MS, and taken up by the next dispatcher.
import type { Clock, TimerHandle } from '../kernel/clock';
import type { SlidingWindowLimiter } from './limiter';
import type { RateState, RateStateStore } from './rate-state';

/** The robot's rate state is saved at once, then at most this often (a burst is saved once it has left). */
const RATE_SAVE_MS = 250;

export class RateKeeper {
  private dirty = false;
  private savedAt = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;

  /** @param throttledUntil when the throttle in force lets go, if one is */
  constructor(
    private readonly store: RateStateStore | undefined,
    private readonly clock: Clock,
    private readonly limiter: SlidingWindowLimiter,
    private readonly throttledUntil: () => number | undefined,
  ) {}

  /** What an earlier dispatcher of this robot left (its sends are restored into the limiter), if anything. */
  restore(now: number): RateState | undefined {
    let saved: RateState | undefined;
    try {
      saved = this.store?.load();
    } catch {
      saved = undefined;
    }
    if (saved) this.limiter.restore(saved.sends, now);
    return saved;
  }

  /** Notes a change to the budget: saved at once, or RATE_SAVE_MS after the last save. */
  changed(): void {
    if (!this.store) return;
    this.dirty = true;
    if (this.timer) return;
    const wait = this.savedAt + RATE_SAVE_MS - this.clock.now();
    if (wait <= 0) {
      this.save();
      return;
    }
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.save();
    }, wait);
  }

  /** Saves what is pending now and stops the timer (on close). */
  flush(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.save();
  }

  private save(): void {
    if (!this.store || !this.dirty) return;
    const now = this.clock.now();
    const state: RateState = { sends: this.limiter.recent(now) };
    const throttledUntil = this.throttledUntil();
    if (throttledUntil !== undefined) state.throttledUntil = throttledUntil;
    try {
      this.store.save(state);
      this.dirty = false;
      this.savedAt = now;
    } catch {
      // no room to write it: the budget is kept in memory, and saved with the next change
    }
  }
}
