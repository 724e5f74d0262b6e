import assert from 'node:assert/strict';
import { validateEvent } from '../../../nodes/core/events/validate';
import { eventExamples } from '../../support/event-examples';

describe('canonical POS event validation', () => {
  for (const [type, example] of Object.entries(eventExamples)) {
    it(`accepts the ${type} example`, () => {
      const result = validateEvent(example);
      assert.equal(result.ok, true, JSON.stringify(result));
    });
  }

  it('keeps fields a POS adds beyond the schema', () => {
    const event = { ...eventExamples['transaction.completed'], terminal: 'T2' };
    const result = validateEvent(event);
    assert.ok(result.ok);
    assert.equal((result.event as Record<string, unknown>).terminal, 'T2');
  });

  it('passes unknown event types with their data', () => {
    const result = validateEvent({
      id: 'evt_9',
      event: 'shift.closed',
      timestamp: '2026-11-20T22:00:00+08:00',
      storeId: 'TW-TPE-003',
      data: { cashierId: 'K7', float: 5000 },
    });
    assert.ok(result.ok);
    assert.deepEqual(result.event.data, { cashierId: 'K7', float: 5000 });
  });

  it('accepts money as a decimal string', () => {
    const order = eventExamples['transaction.completed'];
    const result = validateEvent({ ...order, data: { ...order.data, total: '128.50' } });
    assert.equal(result.ok, true);
  });

  it('gives an id to an event that has none', () => {
    const { id: _id, ...withoutId } = eventExamples['inventory.changed'];
    const result = validateEvent(withoutId, () => 'sha256:abc');
    assert.ok(result.ok);
    assert.equal(result.event.id, 'sha256:abc');
  });

  const order = eventExamples['transaction.completed'];
  const bad: [string, unknown, string][] = [
    ['a list', [], '(event)'],
    ['no timestamp offset', { ...order, timestamp: '2026-11-20 08:30' }, 'timestamp'],
    ['a numeric store id', { ...order, storeId: 7 }, 'storeId'],
    ['a store id over 200 characters', { ...order, storeId: 'S'.repeat(201) }, 'storeId'],
    ['a missing total', { ...order, data: { ...order.data, total: undefined } }, 'data.total'],
    ['"12,5" as money', { ...order, data: { ...order.data, total: '12,5' } }, 'data.total'],
    [
      'a bad item quantity',
      { ...order, data: { ...order.data, items: [{ sku: 'A', name: 'A', quantity: 'two', unitPrice: 1 }] } },
      'data.items[0].quantity',
    ],
    [
      'a latitude out of range',
      {
        ...eventExamples['vehicle.position'],
        data: { ...eventExamples['vehicle.position'].data, lat: 114.17 },
      },
      'data.lat',
    ],
    ['unknown type without data', { ...order, event: 'shift.closed', data: 'x' }, 'data'],
  ];
  for (const [name, input, path] of bad) {
    it(`names the first bad field for ${name}: ${path}`, () => {
      const result = validateEvent(input);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.path, path);
    });
  }
});
