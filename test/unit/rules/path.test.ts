import assert from 'node:assert/strict';
import { compileGetter, formatField, parseField } from '../../../nodes/core/rules/path';

const msg = {
  topic: 'transaction.completed',
  payload: {
    event: 'transaction.completed',
    storeId: 'HK-MK-001',
    data: {
      total: 128.5,
      items: [{ sku: 'MILK-TEA-L', quantity: 2 }],
      customer: { tier: 'VIP' },
      'a.b': 'dotted',
      門市: '旺角',
      nothing: null,
    },
  },
  pos: { scheme: 'generic' },
};

function read(field: string): unknown {
  const path = parseField(field);
  assert.ok(path, `${field} should parse`);
  return compileGetter(path)(msg);
}

describe('fields', () => {
  const reads: [string, unknown][] = [
    ['event', 'transaction.completed'],
    ['event type', 'transaction.completed'],
    ['storeId', 'HK-MK-001'],
    ['data.total', 128.5],
    [' data.total ', 128.5],
    ['data.customer.tier', 'VIP'],
    ['data.items[0].sku', 'MILK-TEA-L'],
    ['data.items[0]["quantity"]', 2],
    ['data["a.b"]', 'dotted'],
    ["data['a.b']", 'dotted'],
    ['data.門市', '旺角'],
    ['data.items.length', 1],
    ['storeId.length', 9],
    ['msg.topic', 'transaction.completed'],
    ['msg.pos.scheme', 'generic'],
    ['msg.payload.data.total', 128.5],
    ['data.items[1].sku', undefined],
    ['data.customer.tier.name', undefined],
    ['data.nothing', null],
    ['data.nothing.deeper', undefined],
    ['data.constructor', undefined],
    ['data.__proto__', undefined],
    ['data.total.toFixed', undefined],
    ['data.a.b.c.d.e.f', undefined],
  ];
  for (const [field, expected] of reads) {
    it(`${field} reads ${JSON.stringify(expected)}`, () => assert.deepEqual(read(field), expected));
  }

  it('reads from any value without throwing', () => {
    const get = compileGetter(parseField('data.total') ?? assert.fail());
    for (const value of [undefined, null, 1, 'text', [], { payload: null }, { payload: 'x' }]) {
      assert.equal(get(value), undefined);
    }
  });

  for (const field of [
    '',
    '   ',
    'data..total',
    '.data',
    'data.',
    'data[',
    'data[x]',
    'data["x]',
    'msg',
    'data total.[0',
    'a b c.',
  ]) {
    it(`rejects ${JSON.stringify(field)}`, () => assert.equal(parseField(field), undefined));
  }

  it('writes a path back canonically', () => {
    assert.equal(formatField(parseField('data.items[0]["sku"]') ?? assert.fail()), 'data.items[0].sku');
    assert.equal(formatField(parseField('msg.topic') ?? assert.fail()), 'msg.topic');
    assert.equal(formatField(parseField("data['a.b']") ?? assert.fail()), 'data["a.b"]');
  });
});
