// The low-stock decision, free of Node-RED. Per store and SKU: one alert when the stock falls below its
// threshold (after an optional delay), one more if it then runs out, optional reminders while it stays low,
// and a restocked event when it climbs back to the re-arm level (hysteresis). State lives in memory and is
// written through a StockStateStore on every change; timers run on an injectable clock.
import { type Clock, systemClock } from '../kernel/clock';
import { StockError } from './errors';
import { KeyedTimers } from './keyed-timers';
import type { StockReading } from './reading';
import { TimeZone } from './schedule';
import {
  MemoryStockStateStore,
  type StockState,
  type StockStateStore,
  sanitiseState,
  stateKey,
} from './state';
import type { Threshold, ThresholdTable } from './thresholds';
import { fromMicro, plainNumber, toMicro, type Unit, unitOf } from './units';

/** Why an alert went out: the level crossed below the threshold, ran out after that, or is still low. */
export type AlertReason = 'crossed' | 'ran-out' | 'reminder';

/** Output 1. Quantities are in the threshold's unit (`unit`). */
export interface StockAlert {
  storeId: string;
  sku: string;
  name: string;
  quantity: number;
  threshold: number;
  rearm: number;
  unit: string;
  /** threshold − quantity (0 or more). */
  shortfall: number;
  /** The quantity is 0 or below. */
  outOfStock: boolean;
  reason: AlertReason;
  /** When the stock fell below the threshold. */
  since: string;
  at: string;
  lowForMs: number;
  /** The stock level as it arrived, before conversion. */
  received: { quantity: number; unit: string };
}

/** Output 2: the stock is back at the re-arm level after an alert. */
export interface StockRestocked {
  storeId: string;
  sku: string;
  name: string;
  quantity: number;
  threshold: number;
  rearm: number;
  unit: string;
  since: string;
  at: string;
  lowForMs: number;
  received: { quantity: number; unit: string };
}

export interface DigestItem {
  storeId: string;
  sku: string;
  name: string;
  quantity: number;
  threshold: number;
  unit: string;
  shortfall: number;
  outOfStock: boolean;
  since: string;
  /** False while the delay before alerting is still running. */
  alerted: boolean;
}

/** Output 3: everything below its threshold now. */
export interface StockDigest {
  at: string;
  count: number;
  outOfStock: number;
  stores: number;
  items: DigestItem[];
}

export type StockOutput =
  | { port: 'alert'; topic: 'stock.low' | 'stock.out'; payload: StockAlert }
  | { port: 'restocked'; topic: 'stock.restocked'; payload: StockRestocked };

export interface Evaluation {
  output: StockOutput | undefined;
  /** The counts of waiting, low and out-of-stock SKUs changed. */
  changed: boolean;
  /** False when no threshold applies to the SKU (no row for it and no default). */
  watched: boolean;
}

export interface StockCounts {
  /** Below the threshold, the delay still running. */
  waiting: number;
  /** Alerted, not out of stock, not re-armed yet. */
  low: number;
  /** Alerted and at 0 or below. */
  out: number;
}

export interface MonitorOptions {
  table: ThresholdTable;
  /** Wait this long below the threshold before alerting (0: alert at once). */
  delayMs?: number;
  /** Remind this often while the stock stays below the threshold (0: never). */
  reminderMs?: number;
  store?: StockStateStore;
  clock?: Clock;
  zone?: TimeZone;
  /** Alerts that a timer produces: the end of a delay, a reminder. */
  onOutput?: (output: StockOutput) => void;
  /** A state could not be written, or a timer met a level it can no longer compare. */
  onError?: (err: unknown) => void;
  /** The counts changed outside evaluate (a timer, a reset). */
  onChange?: () => void;
}

interface Level {
  micro: number;
  threshold: number;
  rearm: number;
  /** The unit the alert reports in: the threshold's, or the stock level's when the threshold has none. */
  unit: Unit;
}

const QUIET: Evaluation = { output: undefined, changed: false, watched: true };
const UNWATCHED: Evaluation = { output: undefined, changed: false, watched: false };
const noop = () => {};

type Kind = keyof StockCounts;
const kindOf = (state: StockState): Kind =>
  state.phase === 'pending' ? 'waiting' : state.quantity <= 0 ? 'out' : 'low';

export class StockMonitor {
  private table: ThresholdTable;
  private readonly states = new Map<string, StockState>();
  private readonly timers: KeyedTimers<string>;
  private readonly clock: Clock;
  private readonly zone: TimeZone;
  private readonly store: StockStateStore;
  private readonly delayMs: number;
  private readonly reminderMs: number;
  private readonly onOutput: (output: StockOutput) => void;
  private readonly onError: (err: unknown) => void;
  private readonly onChange: () => void;
  private readonly tally: StockCounts = { waiting: 0, low: 0, out: 0 };
  private lastStoreError: unknown;
  private closed = false;

  constructor(options: MonitorOptions) {
    this.table = options.table;
    this.clock = options.clock ?? systemClock;
    this.zone = options.zone ?? new TimeZone();
    this.store = options.store ?? new MemoryStockStateStore();
    this.delayMs = Math.max(0, options.delayMs ?? 0);
    this.reminderMs = Math.max(0, options.reminderMs ?? 0);
    this.onOutput = options.onOutput ?? noop;
    this.onError = options.onError ?? noop;
    this.onChange = options.onChange ?? noop;
    this.timers = new KeyedTimers(this.clock);
  }

  /**
   * Takes up the remembered states: `handedOver` (from the instance this one replaces, on a redeploy) or else
   * whatever the store holds (after a restart, with a persistent store). Delays and reminders carry on where
   * they were; one whose time passed meanwhile fires at once.
   */
  async start(handedOver?: readonly StockState[]): Promise<void> {
    const states = handedOver ?? (await this.store.load());
    for (const input of states) {
      const state = sanitiseState(input);
      if (!state) continue;
      const key = stateKey(state.storeId, state.sku);
      if (!this.table.resolve(state.storeId, state.sku)) {
        if (!handedOver) this.store.delete(state.storeId, state.sku).catch(this.storeFailed);
        continue;
      }
      this.save(key, state, handedOver !== undefined);
      if (state.phase === 'pending') this.scheduleDelay(key, state);
      else this.scheduleReminder(key, state);
    }
  }

  /** Decides on one stock level. Throws a StockError for a level it cannot compare (kg against pcs). */
  evaluate(reading: StockReading): Evaluation {
    const { storeId, sku } = reading;
    const key = stateKey(storeId, sku);
    const state = this.states.get(key);
    const threshold = this.table.resolve(storeId, sku);
    if (!threshold) {
      if (!state) return UNWATCHED;
      this.forget(key, state);
      return { output: undefined, changed: true, watched: false };
    }
    const level = this.measure(threshold, storeId, sku, reading.quantity, reading.unit);
    const below = level.micro < level.threshold;
    if (!state) {
      if (!below) return QUIET;
      const now = this.clock.now();
      const pending: StockState = {
        storeId,
        sku,
        name: reading.name,
        quantity: reading.quantity,
        unit: reading.unit,
        phase: 'pending',
        since: now,
        updatedAt: now,
      };
      if (this.delayMs > 0) {
        this.save(key, pending);
        this.scheduleDelay(key, pending);
        return { output: undefined, changed: true, watched: true };
      }
      return {
        output: this.raise(key, pending, threshold, level, 'crossed', now),
        changed: true,
        watched: true,
      };
    }

    const now = this.clock.now();
    if (state.phase === 'pending' && !below) {
      // Back above the threshold before the delay ran out (a stock count in progress): no alert.
      this.forget(key, state);
      return { output: undefined, changed: true, watched: true };
    }
    if (state.phase === 'alerting' && level.micro >= level.rearm) {
      this.forget(key, state);
      return { output: this.restocked(state, threshold, level, reading, now), changed: true, watched: true };
    }
    const updated: StockState = {
      ...state,
      name: reading.name ?? state.name,
      quantity: reading.quantity,
      unit: reading.unit,
      updatedAt: now,
    };
    if (state.phase === 'alerting' && level.micro <= 0 && !state.notifiedOut) {
      return {
        output: this.raise(key, updated, threshold, level, 'ran-out', now),
        changed: true,
        watched: true,
      };
    }
    if (updated.quantity === state.quantity && updated.unit === state.unit && updated.name === state.name) {
      return QUIET;
    }
    const before = kindOf(state);
    this.save(key, updated);
    return before === kindOf(updated) ? QUIET : { output: undefined, changed: true, watched: true };
  }

  /** Replaces the threshold table; SKUs it no longer watches are forgotten. */
  setTable(table: ThresholdTable): void {
    this.table = table;
    let changed = false;
    for (const [key, state] of this.states) {
      if (!table.resolve(state.storeId, state.sku)) {
        this.forget(key, state);
        changed = true;
      }
    }
    if (changed) this.onChange();
  }

  get thresholds(): ThresholdTable {
    return this.table;
  }

  /** Forgets every state, or those of one store and/or SKU; returns how many. No restocked events. */
  reset(filter: { storeId?: string | undefined; sku?: string | undefined } = {}): number {
    let count = 0;
    if (filter.storeId === undefined && filter.sku === undefined) {
      count = this.states.size;
      this.timers.cancelAll();
      this.states.clear();
      this.tally.waiting = this.tally.low = this.tally.out = 0;
      this.store.clear().catch(this.storeFailed);
    } else {
      for (const [key, state] of this.states) {
        if (filter.storeId !== undefined && state.storeId !== filter.storeId) continue;
        if (filter.sku !== undefined && state.sku !== filter.sku) continue;
        this.forget(key, state);
        count++;
      }
    }
    if (count > 0) this.onChange();
    return count;
  }

  /** Everything below its threshold now (alerted or still in its delay), by store, out of stock first. */
  digest(filter: { storeId?: string | undefined } = {}): StockDigest {
    const now = this.clock.now();
    const items: DigestItem[] = [];
    for (const state of this.states.values()) {
      if (filter.storeId !== undefined && state.storeId !== filter.storeId) continue;
      const threshold = this.table.resolve(state.storeId, state.sku);
      if (!threshold) continue;
      let level: Level;
      try {
        level = this.measure(threshold, state.storeId, state.sku, state.quantity, state.unit);
      } catch {
        continue;
      }
      if (!(level.micro < level.threshold)) continue;
      items.push({
        storeId: state.storeId,
        sku: state.sku,
        name: threshold.name || state.name || state.sku,
        quantity: fromMicro(level.micro, level.unit),
        threshold: threshold.value,
        unit: level.unit.symbol,
        shortfall: fromMicro(level.threshold - level.micro, level.unit),
        outOfStock: level.micro <= 0,
        since: this.zone.iso(state.since),
        alerted: state.phase === 'alerting',
      });
    }
    items.sort(
      (a, b) =>
        compare(a.storeId, b.storeId) || Number(b.outOfStock) - Number(a.outOfStock) || compare(a.sku, b.sku),
    );
    return {
      at: this.zone.iso(now),
      count: items.length,
      outOfStock: items.filter((item) => item.outOfStock).length,
      stores: new Set(items.map((item) => item.storeId)).size,
      items,
    };
  }

  counts(): StockCounts {
    return { ...this.tally };
  }

  /** Every state, for handing over to the next instance on a redeploy. */
  snapshot(): StockState[] {
    return [...this.states.values()];
  }

  /** Stops every timer. The store is the caller's to flush and close. */
  close(): void {
    this.closed = true;
    this.timers.cancelAll();
  }

  private measure(
    threshold: Threshold,
    storeId: string,
    sku: string,
    quantity: number,
    unitText: string | undefined,
  ): Level {
    const given = unitOf(unitText);
    const unit = threshold.unit;
    if (unit) {
      const used = given ?? unit;
      if (used.dimension !== unit.dimension) {
        throw new StockError('unit-mismatch', {
          sku,
          store: storeId || '-',
          unit: used.symbol,
          thresholdUnit: unit.symbol,
        });
      }
      return {
        micro: toMicro(quantity, used, sku),
        threshold: threshold.valueMicro,
        rearm: threshold.rearmMicro,
        unit,
      };
    }
    const used = given ?? plainNumber;
    return {
      micro: toMicro(quantity, used, sku),
      threshold: toMicro(threshold.value, used, sku),
      rearm: toMicro(threshold.rearm, used, sku),
      unit: used,
    };
  }

  private raise(
    key: string,
    state: StockState,
    threshold: Threshold,
    level: Level,
    reason: AlertReason,
    now: number,
  ): StockOutput {
    const out = level.micro <= 0;
    const next: StockState = {
      ...state,
      phase: 'alerting',
      notifiedAt: now,
      notifiedOut: state.notifiedOut === true || out,
      notifications: (state.notifications ?? 0) + 1,
      updatedAt: now,
    };
    this.save(key, next);
    this.scheduleReminder(key, next);
    return this.alert(next, threshold, level, reason, now);
  }

  private alert(
    state: StockState,
    threshold: Threshold,
    level: Level,
    reason: AlertReason,
    now: number,
  ): StockOutput {
    const outOfStock = level.micro <= 0;
    return {
      port: 'alert',
      topic: outOfStock ? 'stock.out' : 'stock.low',
      payload: {
        storeId: state.storeId,
        sku: state.sku,
        name: threshold.name || state.name || state.sku,
        quantity: fromMicro(level.micro, level.unit),
        threshold: threshold.value,
        rearm: threshold.rearm,
        unit: level.unit.symbol,
        shortfall: fromMicro(Math.max(0, level.threshold - level.micro), level.unit),
        outOfStock,
        reason,
        since: this.zone.iso(state.since),
        at: this.zone.iso(now),
        lowForMs: now - state.since,
        received: { quantity: state.quantity, unit: state.unit ?? level.unit.symbol },
      },
    };
  }

  private restocked(
    state: StockState,
    threshold: Threshold,
    level: Level,
    reading: StockReading,
    now: number,
  ): StockOutput {
    return {
      port: 'restocked',
      topic: 'stock.restocked',
      payload: {
        storeId: state.storeId,
        sku: state.sku,
        name: threshold.name || reading.name || state.name || state.sku,
        quantity: fromMicro(level.micro, level.unit),
        threshold: threshold.value,
        rearm: threshold.rearm,
        unit: level.unit.symbol,
        since: this.zone.iso(state.since),
        at: this.zone.iso(now),
        lowForMs: now - state.since,
        received: { quantity: reading.quantity, unit: reading.unit ?? level.unit.symbol },
      },
    };
  }

  private scheduleDelay(key: string, state: StockState): void {
    this.timers.schedule(key, state.since + this.delayMs, () => this.delayOver(key));
  }

  private scheduleReminder(key: string, state: StockState): void {
    if (this.reminderMs > 0) {
      this.timers.schedule(key, (state.notifiedAt ?? state.since) + this.reminderMs, () => this.remind(key));
    } else this.timers.cancel(key);
  }

  /** The threshold and level of a remembered state, or undefined (and the state dropped) when it is moot. */
  private recheck(key: string, state: StockState): { threshold: Threshold; level: Level } | undefined {
    const threshold = this.table.resolve(state.storeId, state.sku);
    if (!threshold) {
      this.forget(key, state);
      this.onChange();
      return undefined;
    }
    try {
      return {
        threshold,
        level: this.measure(threshold, state.storeId, state.sku, state.quantity, state.unit),
      };
    } catch (err) {
      this.onError(err);
      return undefined;
    }
  }

  private delayOver(key: string): void {
    const state = this.states.get(key);
    if (this.closed || state?.phase !== 'pending') return;
    const checked = this.recheck(key, state);
    if (!checked) return;
    if (!(checked.level.micro < checked.level.threshold)) {
      this.forget(key, state);
      this.onChange();
      return;
    }
    const output = this.raise(key, state, checked.threshold, checked.level, 'crossed', this.clock.now());
    this.onChange();
    this.onOutput(output);
  }

  private remind(key: string): void {
    const state = this.states.get(key);
    if (this.closed || state?.phase !== 'alerting') return;
    const checked = this.recheck(key, state);
    const now = this.clock.now();
    if (checked && checked.level.micro < checked.level.threshold) {
      this.onOutput(this.raise(key, state, checked.threshold, checked.level, 'reminder', now));
      return;
    }
    // Above the threshold but not yet re-armed: no reminder this time; look again in one interval.
    if (this.states.get(key) === state) {
      this.timers.schedule(key, now + this.reminderMs, () => this.remind(key));
    }
  }

  private save(key: string, state: StockState, persist = true): void {
    const old = this.states.get(key);
    if (old) this.tally[kindOf(old)]--;
    this.states.set(key, state);
    this.tally[kindOf(state)]++;
    if (persist) this.store.put(state).catch(this.storeFailed);
  }

  private forget(key: string, state: StockState): void {
    this.timers.cancel(key);
    this.states.delete(key);
    this.tally[kindOf(state)]--;
    this.store.delete(state.storeId, state.sku).catch(this.storeFailed);
  }

  /** One report per failure: a batched write fails once for all the changes in it. */
  private readonly storeFailed = (err: unknown): void => {
    if (err === this.lastStoreError) return;
    this.lastStoreError = err;
    this.onError(err);
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
