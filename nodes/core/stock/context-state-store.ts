// The stock states in a Node-RED context (through a structural interface, so the core imports nothing of
// Node-RED): one key holding every state, written after each change through the callback API, so that
// asynchronous stores (localfilesystem, or a Redis context plugin) work. Changes within one turn of the event
// loop are written together, in order.
import type { CallbackContext } from '../kernel/context';
import { type StockState, type StockStateStore, sanitiseState, stateKey } from './state';

/** What is stored under the key: versioned, so a later format can read an older one. */
export interface StoredStates {
  v: 1;
  items: StockState[];
}

export const CONTEXT_KEY = 'lowStock';

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class ContextStockStateStore implements StockStateStore {
  private readonly states = new Map<string, StockState>();
  private batch: Batch | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: CallbackContext,
    /** The context store's name (as in settings.js contextStorage); undefined for the default one. */
    private readonly storeName: string | undefined,
    private readonly key = CONTEXT_KEY,
  ) {}

  load(): Promise<StockState[]> {
    return new Promise((resolve, reject) => {
      this.context.get(this.key, this.storeName, (err, value) => {
        if (err) {
          reject(err);
          return;
        }
        this.states.clear();
        const items = (value as Partial<StoredStates> | undefined)?.items;
        if (Array.isArray(items)) {
          for (const item of items) {
            const state = sanitiseState(item);
            if (state) this.states.set(stateKey(state.storeId, state.sku), state);
          }
        }
        resolve([...this.states.values()]);
      });
    });
  }

  put(state: StockState): Promise<void> {
    this.states.set(stateKey(state.storeId, state.sku), state);
    return this.schedule();
  }

  delete(storeId: string, sku: string): Promise<void> {
    return this.states.delete(stateKey(storeId, sku)) ? this.schedule() : this.writing;
  }

  clear(): Promise<void> {
    this.states.clear();
    return this.schedule();
  }

  flush(): Promise<void> {
    if (this.batch) this.write();
    return this.writing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  private schedule(): Promise<void> {
    if (!this.batch) {
      this.batch = newBatch();
      setImmediate(() => this.write());
    }
    return this.batch.promise;
  }

  private write(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    // A fresh object each time: the memory store keeps the reference, and states are never mutated in place.
    const value: StoredStates = { v: 1, items: [...this.states.values()] };
    const written = this.writing.then(
      () =>
        new Promise<void>((resolve, reject) => {
          this.context.set(this.key, value, this.storeName, (err) => (err ? reject(err) : resolve()));
        }),
    );
    written.then(batch.resolve, batch.reject);
    // The chain carries on after a failed write: the next batch holds every state again.
    this.writing = written.catch(() => undefined);
  }
}
