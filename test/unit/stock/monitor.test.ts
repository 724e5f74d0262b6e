import assert from 'node:assert/strict';
import { StockError } from '../../../nodes/core/stock/errors';
import {
  type MonitorOptions,
  type StockAlert,
  StockMonitor,
  type StockOutput,
} from '../../../nodes/core/stock/monitor';
import type { StockReading } from '../../../nodes/core/stock/reading';
import { TimeZone } from '../../../nodes/core/stock/schedule';
import { MemoryStockStateStore, type StockState } from '../../../nodes/core/stock/state';
import type { ThresholdRowInput } from '../../../nodes/core/stock/threshold-input';
import { ThresholdTable } from '../../../nodes/core/stock/thresholds';
import { ManualClock } from '../../support/manual-clock';

const HK = new TimeZone('Asia/Hong_Kong');
const T0 = Date.parse('2026-11-20T08:00:00+08:00');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function tableOf(rows: ThresholdRowInput[], defaults?: { threshold: number; unit: string; rearm?: number }) {
  const built = ThresholdTable.build(rows, defaults);
  assert.ok(built.ok);
  return built.table;
}

const milkTea = tableOf([{ sku: 'MT', name: 'Milk tea base', threshold: 5, unit: 'kg', rearm: 6 }]);

function setup(options: Partial<MonitorOptions> = {}) {
  const clock = new ManualClock(T0);
  const timed: StockOutput[] = [];
  const errors: unknown[] = [];
  const store = (options.store as MemoryStockStateStore | undefined) ?? new MemoryStockStateStore();
  const monitor = new StockMonitor({
    table: milkTea,
    clock,
    zone: HK,
    store,
    onOutput: (output) => timed.push(output),
    onError: (err) => errors.push(err),
    ...options,
  });
  const level = (quantity: number, unit: string | undefined = 'kg', sku = 'MT', storeId = 'HK-01') =>
    monitor.evaluate({ storeId, sku, quantity, unit, name: undefined });
  return { clock, monitor, timed, errors, store, level };
}

const alertOf = (output: StockOutput | undefined): StockAlert => {
  assert.equal(output?.port, 'alert');
  return output.payload as StockAlert;
};

describe('stock monitor', () => {
  describe('crossings', () => {
    it('says nothing while the stock is above the threshold', () => {
      const { level } = setup();
      for (const q of [20, 10, 6, 5]) assert.equal(level(q).output, undefined);
    });

    it('alerts once when the stock falls below, with the documented fields', async () => {
      const { level, clock } = setup();
      level(7);
      const output = level(4.2).output;
      assert.equal(output?.topic, 'stock.low');
      assert.deepEqual(alertOf(output), {
        storeId: 'HK-01',
        sku: 'MT',
        name: 'Milk tea base',
        quantity: 4.2,
        threshold: 5,
        rearm: 6,
        unit: 'kg',
        shortfall: 0.8,
        outOfStock: false,
        reason: 'crossed',
        since: '2026-11-20T08:00:00+08:00',
        at: '2026-11-20T08:00:00+08:00',
        lowForMs: 0,
        received: { quantity: 4.2, unit: 'kg' },
      });
      await clock.advance(MINUTE);
      assert.equal(level(3).output, undefined);
      assert.equal(level(4.9).output, undefined);
    });

    it('alerts when the very first level it hears of is already low', () => {
      assert.equal(setup().level(1).output?.topic, 'stock.low');
    });

    it('keeps stores apart', () => {
      const { level } = setup();
      assert.ok(level(4, 'kg', 'MT', 'A').output);
      assert.ok(level(4, 'kg', 'MT', 'B').output);
      assert.equal(level(3, 'kg', 'MT', 'A').output, undefined);
    });
  });

  describe('hysteresis', () => {
    it('re-arms only at the re-arm level, then alerts again', () => {
      const { level } = setup();
      assert.ok(level(4).output);
      assert.equal(level(5.5).output, undefined, 'above the threshold but below re-arm: nothing');
      assert.equal(level(4.5).output, undefined, 'dipping again before re-arming: no second alert');
      const restocked = level(6).output;
      assert.equal(restocked?.port, 'restocked');
      assert.equal(restocked?.topic, 'stock.restocked');
      assert.deepEqual(restocked?.payload, {
        storeId: 'HK-01',
        sku: 'MT',
        name: 'Milk tea base',
        quantity: 6,
        threshold: 5,
        rearm: 6,
        unit: 'kg',
        since: '2026-11-20T08:00:00+08:00',
        at: '2026-11-20T08:00:00+08:00',
        lowForMs: 0,
        received: { quantity: 6, unit: 'kg' },
      });
      assert.equal(level(7).output, undefined);
      assert.equal(level(4).output?.topic, 'stock.low');
    });

    it('re-arms at the threshold itself when no re-arm level is set', () => {
      const { level } = setup({ table: tableOf([{ sku: 'MT', threshold: 5, unit: 'kg' }]) });
      assert.ok(level(4.99).output);
      assert.equal(level(5).output?.port, 'restocked');
    });

    it('without a restock in between, a long slide produces one alert', () => {
      const { level } = setup();
      const outputs = [5.2, 4.8, 4.1, 3.3, 2.6, 1.1, 0.4].map((q) => level(q).output).filter(Boolean);
      assert.equal(outputs.length, 1);
    });
  });

  describe('out of stock', () => {
    it('flags zero as out of stock', () => {
      const output = setup().level(0).output;
      assert.equal(output?.topic, 'stock.out');
      assert.equal(alertOf(output).outOfStock, true);
      assert.equal(alertOf(output).shortfall, 5);
    });

    it('alerts once more when a low SKU runs out, and only once', () => {
      const { level } = setup();
      assert.equal(alertOf(level(3).output).outOfStock, false);
      const ran = alertOf(level(0).output);
      assert.equal(ran.outOfStock, true);
      assert.equal(ran.reason, 'ran-out');
      assert.equal(level(0).output, undefined);
      assert.equal(level(1).output, undefined);
      assert.equal(level(0).output, undefined);
    });

    it('treats an oversold (negative) level as out of stock', () => {
      const alert = alertOf(setup().level(-2).output);
      assert.equal(alert.outOfStock, true);
      assert.equal(alert.quantity, -2);
      assert.equal(alert.shortfall, 7);
    });
  });

  describe('units', () => {
    it('converts grams to compare with a threshold in kg', () => {
      const { level } = setup();
      assert.equal(level(5000, 'g').output, undefined);
      assert.ok(level(4999, 'g').output);
    });

    it('compares 4200 g with 5 kg and reports 4.2 kg short by 0.8 kg', () => {
      const alert = alertOf(setup().level(4200, 'g').output);
      assert.equal(alert.quantity, 4.2);
      assert.equal(alert.unit, 'kg');
      assert.equal(alert.shortfall, 0.8);
      assert.deepEqual(alert.received, { quantity: 4200, unit: 'g' });
    });

    it('is exact at a fractional threshold', () => {
      const { level } = setup({ table: tableOf([{ sku: 'MT', threshold: 4.5, unit: 'kg' }]) });
      assert.equal(level(8.2 - 3.7).output, undefined, '4.499999999999999 is 4.5');
      assert.equal(level(4500, 'g').output, undefined);
      assert.ok(level(4499, 'g').output);
    });

    it('converts litres and millilitres', () => {
      const { level } = setup({ table: tableOf([{ sku: 'MILK', threshold: 2, unit: 'L', rearm: 3 }]) });
      assert.equal(level(2000, 'ml', 'MILK').output, undefined);
      assert.equal(alertOf(level(1999, 'ml', 'MILK').output).quantity, 1.999);
      assert.equal(level(3000, 'ml', 'MILK').output?.port, 'restocked');
    });

    it('refuses a level in pcs against a threshold in kg, and keeps its state', () => {
      const { level, monitor } = setup();
      assert.ok(level(4).output);
      assert.throws(
        () => level(3, 'pcs'),
        (err: unknown) =>
          err instanceof StockError &&
          err.code === 'unit-mismatch' &&
          err.message ===
            'Stock level of MT at HK-01 is in pcs, which cannot be compared with its threshold in kg',
      );
      assert.deepEqual(monitor.counts(), { waiting: 0, low: 1, out: 0 });
    });

    it('takes the threshold unit when the level has none (a bare number)', () => {
      const { monitor } = setup();
      const output = monitor.evaluate({
        storeId: '',
        sku: 'MT',
        quantity: 4,
        unit: undefined,
        name: undefined,
      }).output;
      assert.deepEqual(alertOf(output).received, { quantity: 4, unit: 'kg' });
    });

    it('compares as given when the threshold has no unit', () => {
      const { level, monitor } = setup({ table: tableOf([], { threshold: 10, unit: '' }) });
      assert.equal(level(10, 'pcs', 'CUP').output, undefined);
      const alert = alertOf(level(9, 'box', 'LID').output);
      assert.equal(alert.unit, 'box');
      assert.equal(alert.threshold, 10);
      assert.equal(
        alertOf(
          monitor.evaluate({ storeId: '', sku: 'STRAW', quantity: 9, unit: undefined, name: undefined })
            .output,
        ).unit,
        '',
      );
    });

    it('ignores a SKU no threshold applies to', () => {
      const result = setup().level(0, 'kg', 'OTHER');
      assert.equal(result.watched, false);
      assert.equal(result.output, undefined);
    });
  });

  describe('delay before alerting', () => {
    it('alerts only when the stock stays low for the whole delay, with the latest level', async () => {
      const { level, clock, timed } = setup({ delayMs: 10 * MINUTE });
      assert.equal(level(4).output, undefined);
      await clock.advance(5 * MINUTE);
      assert.equal(level(3.5).output, undefined);
      await clock.advance(5 * MINUTE - 1);
      assert.equal(timed.length, 0);
      await clock.advance(1);
      assert.equal(timed.length, 1);
      const alert = alertOf(timed[0]);
      assert.equal(alert.quantity, 3.5);
      assert.equal(alert.since, '2026-11-20T08:00:00+08:00');
      assert.equal(alert.at, '2026-11-20T08:10:00+08:00');
      assert.equal(alert.lowForMs, 10 * MINUTE);
    });

    it('does not alert when the level recovers within the delay (a stock count in progress)', async () => {
      const { level, clock, timed, monitor } = setup({ delayMs: 10 * MINUTE });
      level(0);
      await clock.advance(3 * MINUTE);
      assert.equal(level(5).output, undefined, 'back at the threshold: the delay is cancelled');
      await clock.advance(HOUR);
      assert.equal(timed.length, 0);
      assert.equal(clock.pending, 0);
      assert.deepEqual(monitor.counts(), { waiting: 0, low: 0, out: 0 });
    });

    it('restarts the delay when the level falls again', async () => {
      const { level, clock, timed } = setup({ delayMs: 10 * MINUTE });
      level(4);
      await clock.advance(8 * MINUTE);
      level(5.5);
      level(4);
      await clock.advance(8 * MINUTE);
      assert.equal(timed.length, 0);
      await clock.advance(2 * MINUTE);
      assert.equal(timed.length, 1);
    });

    it('flags out of stock when the level is zero at the end of the delay', async () => {
      const { level, clock, timed } = setup({ delayMs: MINUTE });
      level(2);
      level(0);
      await clock.advance(MINUTE);
      assert.equal(timed[0]?.topic, 'stock.out');
    });
  });

  describe('reminders', () => {
    it('reminds every interval while the stock stays low, and stops on restock', async () => {
      const { level, clock, timed } = setup({ reminderMs: 2 * HOUR });
      assert.ok(level(4).output);
      await clock.advance(2 * HOUR - 1);
      assert.equal(timed.length, 0);
      await clock.advance(1);
      assert.equal(alertOf(timed[0]).reason, 'reminder');
      assert.equal(alertOf(timed[0]).lowForMs, 2 * HOUR);
      level(3);
      await clock.advance(2 * HOUR);
      assert.equal(timed.length, 2);
      assert.equal(alertOf(timed[1]).quantity, 3);
      assert.equal(level(6).output?.port, 'restocked');
      await clock.advance(10 * HOUR);
      assert.equal(timed.length, 2);
      assert.equal(clock.pending, 0);
    });

    it('skips a reminder while the level is above the threshold but not re-armed', async () => {
      const { level, clock, timed } = setup({ reminderMs: HOUR });
      level(4);
      level(5.5);
      await clock.advance(HOUR);
      assert.equal(timed.length, 0);
      level(4.5);
      await clock.advance(HOUR);
      assert.equal(timed.length, 1);
    });

    it('counts the reminder interval from the end of the delay', async () => {
      const { level, clock, timed } = setup({ delayMs: 10 * MINUTE, reminderMs: HOUR });
      level(4);
      await clock.advance(10 * MINUTE);
      assert.equal(timed.length, 1);
      await clock.advance(HOUR);
      assert.equal(timed.length, 2);
      assert.equal(alertOf(timed[1]).at, '2026-11-20T09:10:00+08:00');
    });

    it('reports the out-of-stock flag of the moment in each reminder', async () => {
      const { level, clock, timed } = setup({ reminderMs: HOUR });
      level(4);
      level(0);
      await clock.advance(HOUR);
      assert.equal(alertOf(timed[0]).outOfStock, true);
      assert.equal(timed[0]?.topic, 'stock.out');
    });
  });

  describe('state across a redeploy or restart', () => {
    it('remembers an alert: no second alert, and restocked when it recovers', async () => {
      const first = setup();
      assert.ok(first.level(4).output);
      first.monitor.close();
      const second = setup({ store: first.store });
      await second.monitor.start();
      assert.equal(second.level(3).output, undefined);
      assert.equal(second.level(6).output?.port, 'restocked');
    });

    it('takes states handed over by the previous instance and writes them to its store', async () => {
      const first = setup();
      first.level(4);
      const handed = first.monitor.snapshot();
      first.monitor.close();
      const emptyStore = new MemoryStockStateStore();
      const second = setup({ store: emptyStore });
      await second.monitor.start(handed);
      assert.equal(second.level(3).output, undefined);
      assert.equal(emptyStore.states.size, 1);
    });

    it('carries a running delay on, and fires one that ran out while stopped', async () => {
      const first = setup({ delayMs: 10 * MINUTE });
      first.level(4);
      await first.clock.advance(5 * MINUTE);
      first.monitor.close();
      assert.equal(first.timed.length, 0);

      const second = setup({ store: first.store, delayMs: 10 * MINUTE });
      await second.clock.advance(first.clock.now() + 2 * MINUTE - second.clock.now());
      await second.monitor.start();
      await second.clock.advance(3 * MINUTE - 1);
      assert.equal(second.timed.length, 0);
      await second.clock.advance(1);
      assert.equal(second.timed.length, 1);

      const third = setup({ delayMs: 10 * MINUTE });
      third.level(4);
      third.monitor.close();
      const fourth = setup({ store: third.store, delayMs: 10 * MINUTE });
      await fourth.clock.advance(third.clock.now() + HOUR - fourth.clock.now());
      await fourth.monitor.start();
      await fourth.clock.advance(0);
      assert.equal(fourth.timed.length, 1);
      assert.equal(alertOf(fourth.timed[0]).lowForMs, HOUR);
    });

    it('carries reminders on from the last one sent', async () => {
      const first = setup({ reminderMs: HOUR });
      first.level(4);
      await first.clock.advance(30 * MINUTE);
      first.monitor.close();
      const second = setup({ store: first.store, reminderMs: HOUR });
      await second.clock.advance(first.clock.now() - second.clock.now());
      await second.monitor.start();
      await second.clock.advance(30 * MINUTE);
      assert.equal(second.timed.length, 1);
    });

    it('drops remembered SKUs that are no longer watched, and malformed states', async () => {
      const store = new MemoryStockStateStore();
      const now = Date.now();
      const base = { storeId: 'A', quantity: 1, unit: 'kg', phase: 'alerting', since: now, updatedAt: now };
      await store.put({ ...base, sku: 'GONE' } as StockState);
      await store.put({ ...base, sku: 'MT', quantity: 'x' } as unknown as StockState);
      await store.put({ ...base, sku: 'MT2', storeId: 'B' } as StockState);
      const { monitor } = setup({
        store,
        table: tableOf([
          { sku: 'MT', threshold: 5, unit: 'kg' },
          { sku: 'MT2', threshold: 5, unit: 'kg' },
        ]),
      });
      await monitor.start();
      assert.deepEqual(
        monitor.snapshot().map((s) => s.sku),
        ['MT2'],
      );
      assert.equal(store.states.has('A\u001fGONE'), false);
    });

    it('writes each change to the store', async () => {
      const { level, store } = setup();
      level(4);
      assert.equal(store.states.get('HK-01\u001fMT')?.phase, 'alerting');
      level(3);
      assert.equal(store.states.get('HK-01\u001fMT')?.quantity, 3);
      level(6);
      assert.equal(store.states.size, 0);
    });

    it('reports a failing store once per failure, and keeps working', async () => {
      const failure = new Error('disk full');
      const store = new MemoryStockStateStore();
      store.put = () => Promise.reject(failure);
      const { level, errors } = setup({ store });
      assert.ok(level(4).output);
      level(3);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(errors, [failure]);
    });
  });

  describe('reset', () => {
    it('forgets everything: a low level alerts again, with no restocked event', () => {
      const { level, monitor, store } = setup({ reminderMs: HOUR });
      level(4);
      level(4, 'kg', 'MT', 'B');
      assert.equal(monitor.reset(), 2);
      assert.equal(store.states.size, 0);
      assert.ok(level(4).output);
    });

    it('forgets one SKU, or one store', () => {
      const { level, monitor } = setup({
        table: tableOf([], { threshold: 5, unit: 'kg' }),
      });
      level(1, 'kg', 'MT', 'A');
      level(1, 'kg', 'SUGAR', 'A');
      level(1, 'kg', 'MT', 'B');
      assert.equal(monitor.reset({ sku: 'MT', storeId: 'A' }), 1);
      assert.equal(monitor.reset({ sku: 'MT' }), 1);
      assert.equal(monitor.reset({ storeId: 'A' }), 1);
      assert.deepEqual(monitor.counts(), { waiting: 0, low: 0, out: 0 });
    });

    it('cancels running delays', async () => {
      const { level, monitor, clock, timed } = setup({ delayMs: MINUTE });
      level(4);
      monitor.reset();
      await clock.advance(HOUR);
      assert.equal(timed.length, 0);
    });
  });

  describe('threshold table at run time', () => {
    it('applies a new table to the next level, and forgets SKUs no longer watched', () => {
      const { level, monitor } = setup();
      level(4);
      level(1, 'kg', 'SUGAR');
      monitor.setTable(tableOf([{ sku: 'SUGAR', threshold: 2, unit: 'kg' }]));
      assert.equal(monitor.snapshot().length, 0, 'MT is no longer watched; SUGAR had no state');
      assert.ok(level(1, 'kg', 'SUGAR').output);
    });
  });

  describe('digest and counts', () => {
    it('lists everything below its threshold, by store, out of stock first', async () => {
      const { level, monitor, clock } = setup({
        delayMs: MINUTE,
        table: tableOf(
          [
            { sku: 'MT', name: 'Milk tea base', threshold: 5, unit: 'kg', rearm: 6 },
            { sku: 'CUP', threshold: 100, unit: 'pcs' },
          ],
          { threshold: 1, unit: 'kg' },
        ),
      });
      level(4, 'kg', 'MT', 'B');
      level(50, 'pcs', 'CUP', 'A');
      level(0, 'kg', 'MT', 'A');
      await clock.advance(MINUTE);
      level(0.5, 'kg', 'SUGAR', 'A');
      level(5.5, 'kg', 'MT', 'B'); // above the threshold, not re-armed: not low any more
      assert.deepEqual(monitor.counts(), { waiting: 1, low: 2, out: 1 });
      const digest = monitor.digest();
      assert.equal(digest.at, '2026-11-20T08:01:00+08:00');
      assert.equal(digest.count, 3);
      assert.equal(digest.outOfStock, 1);
      assert.equal(digest.stores, 1);
      assert.deepEqual(
        digest.items.map((i) => [i.storeId, i.sku, i.quantity, i.unit, i.shortfall, i.outOfStock, i.alerted]),
        [
          ['A', 'MT', 0, 'kg', 5, true, true],
          ['A', 'CUP', 50, 'pcs', 50, false, true],
          ['A', 'SUGAR', 0.5, 'kg', 0.5, false, false],
        ],
      );
      assert.equal(digest.items[0]?.name, 'Milk tea base');
      assert.equal(monitor.digest({ storeId: 'B' }).count, 0);
    });

    it('is empty when nothing is low', () => {
      assert.deepEqual(setup().monitor.digest().items, []);
    });
  });

  it('stops its timers on close', async () => {
    const { level, monitor, clock, timed } = setup({ delayMs: MINUTE, reminderMs: HOUR });
    level(4);
    level(4, 'kg', 'MT', 'B');
    monitor.close();
    assert.equal(clock.pending, 0);
    await clock.advance(HOUR);
    assert.equal(timed.length, 0);
  });

  it('names the SKU from the row, else from the stock level, else by its code', () => {
    const { monitor } = setup({ table: tableOf([], { threshold: 5, unit: 'kg' }) });
    const reading = (sku: string, name?: string): StockReading => ({
      storeId: '',
      sku,
      quantity: 1,
      unit: 'kg',
      name,
    });
    assert.equal(alertOf(monitor.evaluate(reading('A', 'Sugar')).output).name, 'Sugar');
    assert.equal(alertOf(monitor.evaluate(reading('B')).output).name, 'B');
  });
});
