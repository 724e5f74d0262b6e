import assert from 'node:assert/strict';
import { StockError } from '../../../nodes/core/stock/errors';
import { readingsFrom } from '../../../nodes/core/stock/reading';

const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'evt_1',
  event: 'inventory.changed',
  timestamp: '2026-11-20T08:30:00+08:00',
  storeId: 'HK-MK-001',
  data,
  ...extra,
});

const fails = (code: string) => (err: unknown) => err instanceof StockError && err.code === code;

describe('stock levels from messages', () => {
  it('reads an inventory.changed event', () => {
    assert.deepEqual(
      readingsFrom(
        event({ sku: 'MT', quantity: 4.2, unit: 'kg', name: 'Milk tea base', previousQuantity: 6 }),
      ),
      {
        readings: [{ storeId: 'HK-MK-001', sku: 'MT', quantity: 4.2, unit: 'kg', name: 'Milk tea base' }],
        ignored: 0,
      },
    );
  });

  it('passes over other POS events', () => {
    assert.deepEqual(readingsFrom({ ...event({}), event: 'transaction.completed' }), {
      readings: [],
      ignored: 1,
    });
  });

  it('reads an object with sku and quantity, and a store from it or from msg.storeId', () => {
    assert.deepEqual(readingsFrom({ sku: 'MT', quantity: '4.5', unit: 'kg', storeId: 'A' }).readings, [
      { storeId: 'A', sku: 'MT', quantity: 4.5, unit: 'kg', name: undefined },
    ]);
    assert.equal(readingsFrom({ sku: 'MT', quantity: 4 }, { storeId: 'B' }).readings[0]?.storeId, 'B');
  });

  it('reads a bare number with msg.topic as the SKU', () => {
    assert.deepEqual(
      readingsFrom(4.5, { topic: 'MT', storeId: 'A', unit: 'kg', name: 'Milk tea' }).readings,
      [{ storeId: 'A', sku: 'MT', quantity: 4.5, unit: 'kg', name: 'Milk tea' }],
    );
    assert.deepEqual(readingsFrom(3, { topic: 'MT' }).readings, [
      { storeId: '', sku: 'MT', quantity: 3, unit: undefined, name: undefined },
    ]);
  });

  it('reads text with a unit: "4200 g"', () => {
    assert.deepEqual(readingsFrom('4200 g', { topic: 'MT', unit: 'kg' }).readings[0], {
      storeId: '',
      sku: 'MT',
      quantity: 4200,
      unit: 'g',
      name: undefined,
    });
  });

  it('reads a stock count: an array of events and objects', () => {
    const parsed = readingsFrom([
      event({ sku: 'MT', quantity: 1, unit: 'kg' }),
      { sku: 'CUP', quantity: 20, unit: 'pcs', storeId: 'HK-MK-001' },
      { ...event({}), event: 'transaction.refunded' },
    ]);
    assert.deepEqual(
      parsed.readings.map((r) => r.sku),
      ['MT', 'CUP'],
    );
    assert.equal(parsed.ignored, 1);
  });

  it('says what is wrong with input that is not a stock level', () => {
    assert.throws(() => readingsFrom(4), fails('missing-sku'));
    assert.throws(() => readingsFrom(true), fails('not-a-reading'));
    assert.throws(() => readingsFrom('lots', { topic: 'MT' }), fails('not-a-reading'));
    assert.throws(() => readingsFrom({ hello: 1 }), fails('not-a-reading'));
    assert.throws(() => readingsFrom(event({ quantity: 1, unit: 'kg' })), fails('invalid-reading'));
    assert.throws(
      () => readingsFrom(event({ sku: 'MT', quantity: 'many', unit: 'kg' })),
      fails('invalid-quantity'),
    );
    assert.throws(() => readingsFrom(event({ sku: 'MT', unit: 'kg' })), fails('invalid-quantity'));
    assert.throws(() => readingsFrom({ ...event({}), data: null }), fails('invalid-reading'));
    assert.throws(() => readingsFrom(Number.NaN, { topic: 'MT' }), fails('invalid-quantity'));
  });
});
