// The one time source of the core: every engine that waits (DingTalk retries and pacing, low-stock delays and
// reminders, the geofence's sweep) takes a Clock, so that tests run it on a manual clock (test/support).

/** A time source and timer factory. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms`; returns a handle for `clearTimer`. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque timer handle (compare by identity). */
export type TimerHandle = { readonly id: unknown };

/** The real clock: Date.now and unref'd Node timers (a pending timer never keeps the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { id: t };
  },
  clearTimer(handle) {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
};
