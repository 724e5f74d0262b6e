// Feeds a rule set the current flow/global context values before each message, in message order. Reads go
// through a callback, so asynchronous context stores work; a store that answers synchronously (Node-RED's default
// memory store) costs no extra turn of the event loop. While a read is outstanding, later messages wait in order.

import type { ContextRef, RuleSet } from './compile';
import type { RuleProblem } from './definitions';

/** Reads one context value; must call back exactly once (with undefined when the read failed). */
export type ContextRead = (ref: ContextRef, callback: (value: unknown) => void) => void;

export class ContextFeed<T> {
  private readonly queue: T[] = [];
  private waiting = false;

  constructor(
    private readonly rules: Pick<RuleSet, 'contextRefs' | 'setContext'>,
    private readonly read: ContextRead,
    /** Called with a problem the first time a value is unusable (the condition is false meanwhile). */
    private readonly onProblem: (problem: RuleProblem) => void,
    /** Called for each item once its values are in place, in the order the items were pushed. */
    private readonly deliver: (item: T) => void,
  ) {}

  push(item: T): void {
    if (this.rules.contextRefs.length === 0) this.deliver(item);
    else if (this.waiting) this.queue.push(item);
    else this.feed(item);
  }

  /** Items still waiting for a read (when the node closes). */
  drain(): T[] {
    return this.queue.splice(0);
  }

  private feed(item: T): void {
    const refs = this.rules.contextRefs;
    let outstanding = refs.length;
    let synchronous = true;
    refs.forEach((ref, index) => {
      let settled = false;
      const settle = (value: unknown) => {
        if (settled) return;
        settled = true;
        const problem = this.rules.setContext(index, value);
        if (problem) this.onProblem(problem);
        if (--outstanding > 0) return;
        this.deliver(item);
        if (!synchronous) {
          this.waiting = false;
          this.next();
        }
      };
      try {
        this.read(ref, settle);
      } catch {
        settle(undefined);
      }
    });
    synchronous = false;
    if (outstanding > 0) this.waiting = true;
  }

  private next(): void {
    while (!this.waiting) {
      const item = this.queue.shift();
      if (item === undefined) return;
      this.feed(item);
    }
  }
}
