// What the monitor remembers per store and SKU, and the small asynchronous store that keeps it (the node's
// context here; Redis or a database could replace it without changing the monitor). Only SKUs that are low,
// or waiting out the delay, have a state: a SKU with none is stocked and armed.

export interface StockState {
  storeId: string;
  sku: string;
  /** The name the last stock level carried, if any. */
  name?: string | undefined;
  /** The last stock level as it came (in its own unit). */
  quantity: number;
  unit?: string | undefined;
  /** pending: below the threshold, waiting out the delay; alerting: the alert went out, not re-armed yet. */
  phase: 'pending' | 'alerting';
  /** When the stock fell below the threshold (ms since the epoch). */
  since: number;
  /** When the last alert or reminder went out. */
  notifiedAt?: number | undefined;
  /** Whether an out-of-stock alert went out in this episode (so running out alerts once more, not twice). */
  notifiedOut?: boolean | undefined;
  /** Alerts and reminders sent in this episode. */
  notifications?: number | undefined;
  updatedAt: number;
}

export interface StockStateStore {
  /** Everything stored, once at start. */
  load(): Promise<StockState[]>;
  put(state: StockState): Promise<void>;
  delete(storeId: string, sku: string): Promise<void>;
  clear(): Promise<void>;
  /** Resolves when every change so far is written. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const SEP = '\u001f';
export const stateKey = (storeId: string, sku: string): string => `${storeId}${SEP}${sku}`;

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** A stored state checked field by field (stores hold JSON written by older versions, or edited by hand). */
export function sanitiseState(input: unknown): StockState | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const s = input as Record<string, unknown>;
  if (typeof s.storeId !== 'string' || typeof s.sku !== 'string' || s.sku === '') return undefined;
  if (!finite(s.quantity) || !finite(s.since)) return undefined;
  if (s.phase !== 'pending' && s.phase !== 'alerting') return undefined;
  const state: StockState = {
    storeId: s.storeId,
    sku: s.sku,
    quantity: s.quantity,
    phase: s.phase,
    since: s.since,
    updatedAt: finite(s.updatedAt) ? s.updatedAt : s.since,
  };
  if (isString(s.name)) state.name = s.name;
  if (isString(s.unit)) state.unit = s.unit;
  if (finite(s.notifiedAt)) state.notifiedAt = s.notifiedAt;
  if (isBoolean(s.notifiedOut)) state.notifiedOut = s.notifiedOut;
  if (finite(s.notifications)) state.notifications = s.notifications;
  return state;
}

/** States in memory only: for tests, and for a node without persistence. */
export class MemoryStockStateStore implements StockStateStore {
  readonly states = new Map<string, StockState>();

  async load(): Promise<StockState[]> {
    return [...this.states.values()];
  }
  async put(state: StockState): Promise<void> {
    this.states.set(stateKey(state.storeId, state.sku), state);
  }
  async delete(storeId: string, sku: string): Promise<void> {
    this.states.delete(stateKey(storeId, sku));
  }
  async clear(): Promise<void> {
    this.states.clear();
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
