// Webhooks whose bodies finish arriving in one turn of the event loop are decided and answered together, in
// the check phase that follows (setImmediate). Answering a burst with back-to-back socket writes, after all
// of its bodies were read, rather than interleaving reads, checks and writes, is what lets pos-in keep up
// with a busy till network (bench/pos-in.ts; the figures are in BENCHMARKS.md).

export class TurnBatcher<T> {
  private items: T[] = [];
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    this.items.push(item);
    this.pending ??= setImmediate(this.run);
  }

  /** Hands over what is waiting now rather than in the next check phase (on close). */
  drain(): void {
    if (this.pending === undefined) return;
    clearImmediate(this.pending);
    this.run();
  }

  private readonly run = (): void => {
    this.pending = undefined;
    const items = this.items;
    this.items = [];
    this.flush(items);
  };
}
