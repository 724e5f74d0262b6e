import assert from 'node:assert/strict';
import type { CallbackContext } from '../../../nodes/core/kernel/context';
import { ContextStockStateStore, type StoredStates } from '../../../nodes/core/stock/context-state-store';
import type { StockState } from '../../../nodes/core/stock/state';

/** A context like localfilesystem's: values copied in and out, callbacks on a later turn. */
class AsyncContext implements CallbackContext {
  readonly data = new Map<string, string>();
  sets = 0;
  fail: Error | undefined;
  get(key: string, store: string | undefined, cb: (err: Error | null | undefined, value?: unknown) => void) {
    const text = this.data.get(`${store}:${key}`);
    setImmediate(() => cb(null, text === undefined ? undefined : JSON.parse(text)));
  }
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null | undefined) => void) {
    this.sets++;
    const fail = this.fail;
    if (!fail) this.data.set(`${store}:${key}`, JSON.stringify(value));
    setImmediate(() => cb(fail ?? null));
  }
  keys(store: string | undefined, cb: (err: Error | null | undefined, keys: string[]) => void) {
    const prefix = `${store}:`;
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    setImmediate(() => cb(null, keys));
  }
  stored(store = 'file'): StoredStates | undefined {
    const text = this.data.get(`${store}:lowStock`);
    return text === undefined ? undefined : JSON.parse(text);
  }
}

const state = (sku: string, quantity = 1): StockState => ({
  storeId: 'HK-01',
  sku,
  quantity,
  unit: 'kg',
  phase: 'alerting',
  since: 1,
  notifiedAt: 1,
  updatedAt: 1,
});

describe('stock states in a node context', () => {
  it('writes the changes of one turn together, to the named store', async () => {
    const context = new AsyncContext();
    const store = new ContextStockStateStore(context, 'file');
    const writes = [store.put(state('A')), store.put(state('B')), store.put(state('A', 2))];
    await Promise.all(writes);
    assert.equal(context.sets, 1);
    assert.deepEqual(context.stored(), { v: 1, items: [state('A', 2), state('B')] });
    await store.delete('HK-01', 'A');
    assert.deepEqual(context.stored()?.items, [state('B')]);
    await store.clear();
    assert.deepEqual(context.stored()?.items, []);
  });

  it('loads what an earlier instance wrote, skipping malformed entries', async () => {
    const context = new AsyncContext();
    context.data.set(
      'file:lowStock',
      JSON.stringify({ v: 1, items: [state('A'), { sku: 'B' }, null, { ...state('C'), phase: 'odd' }] }),
    );
    const store = new ContextStockStateStore(context, 'file');
    assert.deepEqual(await store.load(), [state('A')]);
    await store.put(state('D'));
    assert.deepEqual(
      context.stored()?.items.map((s) => s.sku),
      ['A', 'D'],
    );
  });

  it('loads nothing from an empty context', async () => {
    assert.deepEqual(await new ContextStockStateStore(new AsyncContext(), undefined).load(), []);
  });

  it('flushes pending changes at once on close', async () => {
    const context = new AsyncContext();
    const store = new ContextStockStateStore(context, 'file');
    void store.put(state('A'));
    await store.close();
    assert.equal(context.stored()?.items.length, 1);
  });

  it('rejects a failed write, and writes everything with the next change', async () => {
    const context = new AsyncContext();
    const store = new ContextStockStateStore(context, 'file');
    context.fail = new Error('disk full');
    await assert.rejects(store.put(state('A')), /disk full/);
    context.fail = undefined;
    await store.put(state('B'));
    assert.deepEqual(
      context.stored()?.items.map((s) => s.sku),
      ['A', 'B'],
    );
  });

  it('rejects a failed load', async () => {
    const context = new AsyncContext();
    context.get = (_key, _store, cb) => cb(new Error('unreadable'));
    await assert.rejects(new ContextStockStateStore(context, 'file').load(), /unreadable/);
  });
});
