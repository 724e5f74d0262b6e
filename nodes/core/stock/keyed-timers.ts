// Per-key timers for the stock monitor (a delay or a reminder per SKU at a store), on the kernel Clock.
import type { Clock, TimerHandle } from '../kernel/clock';

/** Node's timers overflow past 2^31 − 1 ms (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** At most one timer per key (a SKU at a store): scheduling a key again replaces its timer. */
export class KeyedTimers<K> {
  private readonly handles = new Map<K, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** Runs `fn` at `atMs` on the clock (at once, on the next turn, if that time has passed). */
  schedule(key: K, atMs: number, fn: () => void): void {
    this.cancel(key);
    const arm = () => {
      const wait = Math.max(0, atMs - this.clock.now());
      const handle = this.clock.setTimer(
        () => {
          if (this.handles.get(key) !== handle) return;
          if (wait > MAX_TIMEOUT_MS) {
            arm();
            return;
          }
          this.handles.delete(key);
          fn();
        },
        Math.min(wait, MAX_TIMEOUT_MS),
      );
      this.handles.set(key, handle);
    };
    arm();
  }

  cancel(key: K): void {
    const handle = this.handles.get(key);
    if (handle === undefined) return;
    this.clock.clearTimer(handle);
    this.handles.delete(key);
  }

  cancelAll(): void {
    for (const handle of this.handles.values()) this.clock.clearTimer(handle);
    this.handles.clear();
  }

  has(key: K): boolean {
    return this.handles.has(key);
  }

  get size(): number {
    return this.handles.size;
  }
}
