import type { Node, NodeStatus } from './node-red';

/** A status, or a function that renders it: rendered only when it is actually shown. */
export type StatusSource = NodeStatus | (() => NodeStatus);

/**
 * Shows a node's status without paying for it on every message: the latest status is applied at most once
 * per `intervalMs`, and the last one always lands. Pass counters as a function so that their text (a locale
 * lookup) is rendered only when shown. Red statuses show at once: an ops person should see a failure
 * immediately.
 */
export class StatusReporter {
  private pending: StatusSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastShown = 0;

  constructor(
    private readonly node: Pick<Node, 'status'>,
    private readonly intervalMs = 500,
  ) {}

  show(status: StatusSource): void {
    const now = Date.now();
    const urgent = typeof status !== 'function' && 'fill' in status && status.fill === 'red';
    if (urgent || now - this.lastShown >= this.intervalMs) {
      this.apply(status, now);
      return;
    }
    this.pending = status;
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        if (this.pending) this.apply(this.pending, Date.now());
      },
      this.intervalMs - (now - this.lastShown),
    );
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private apply(status: StatusSource, now: number): void {
    this.pending = undefined;
    this.lastShown = now;
    this.node.status(typeof status === 'function' ? status() : status);
  }
}
