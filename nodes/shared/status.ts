import { type Clock, systemClock, type TimerHandle } from '../core/kernel/clock';
import type { Node, NodeStatus } from './node-red';

/** A status, or a function that renders it: rendered only when it is actually shown. */
export type StatusSource = NodeStatus | (() => NodeStatus);

/**
 * Every node's status changes at most this often: twice a second is quicker than anyone reads a status, and a
 * status costs a locale lookup and an editor update, too much to pay per message at thousands a second.
 */
export const STATUS_INTERVAL_MS = 500;

/**
 * Shows a node's status without paying for it on every message: the latest status is applied at most once
 * per STATUS_INTERVAL_MS, and the last one always lands. Pass counters as a function so that their text (a
 * locale lookup) is rendered only when shown. Red statuses, and those passed to `showNow` (an event worth
 * seeing), show at once: an ops person should see a failure immediately.
 */
export class StatusReporter {
  private pending: StatusSource | undefined;
  private timer: TimerHandle | undefined;
  private lastShown = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly node: Pick<Node, 'status'>,
    private readonly clock: Clock = systemClock,
  ) {}

  show(status: StatusSource): void {
    const now = this.clock.now();
    const urgent = typeof status !== 'function' && 'fill' in status && status.fill === 'red';
    if (urgent || now - this.lastShown >= STATUS_INTERVAL_MS) {
      this.showNow(status);
      return;
    }
    this.pending = status;
    this.timer ??= this.clock.setTimer(
      () => {
        this.timer = undefined;
        if (this.pending) this.showNow(this.pending);
      },
      STATUS_INTERVAL_MS - (now - this.lastShown),
    );
  }

  /** Shows a status at once, replacing any that waits. */
  showNow(status: StatusSource): void {
    this.pending = undefined;
    this.lastShown = this.clock.now();
    this.node.status(typeof status === 'function' ? status() : status);
  }

  close(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
