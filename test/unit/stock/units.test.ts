import assert from 'node:assert/strict';
import fc from 'fast-check';
import { numberFrom } from '../../../nodes/core/rules/decimal';
import { StockError } from '../../../nodes/core/stock/errors';
import {
  fromMicro,
  normaliseUnit,
  parseQuantityText,
  sameDimension,
  toMicro,
  unitOf,
} from '../../../nodes/core/stock/units';

const unit = (text: string) => {
  const found = unitOf(text);
  assert.ok(found, `no unit for ${text}`);
  return found;
};

describe('stock units', () => {
  describe('names', () => {
    for (const [written, symbol] of [
      ['kg', 'kg'],
      ['KG', 'kg'],
      [' Kg ', 'kg'],
      ['公斤', 'kg'],
      ['千克', 'kg'],
      ['g', 'g'],
      ['克', 'g'],
      ['grams', 'g'],
      ['mg', 'mg'],
      ['L', 'L'],
      ['l', 'L'],
      ['litre', 'L'],
      ['升', 'L'],
      ['ml', 'ml'],
      ['mL', 'ml'],
      ['毫升', 'ml'],
      ['pcs', 'pcs'],
      ['pc', 'pcs'],
      ['個', 'pcs'],
      ['个', 'pcs'],
      ['each', 'pcs'],
    ]) {
      it(`reads "${written}" as ${symbol}`, () => assert.equal(normaliseUnit(written), symbol));
    }

    it('keeps a unit it does not know as a unit of its own, case aside', () => {
      assert.equal(normaliseUnit(' box '), 'box');
      assert.ok(sameDimension(unit('box'), unit('BOX')));
      assert.ok(!sameDimension(unit('box'), unit('bag')));
      assert.ok(
        !sameDimension(unit('斤'), unit('kg')),
        '斤 differs between Hong Kong, Taiwan and the mainland',
      );
    });

    it('has no unit for empty text', () => {
      assert.equal(unitOf(''), undefined);
      assert.equal(unitOf('  '), undefined);
      assert.equal(unitOf(undefined), undefined);
    });

    it('converts within mass and within volume, never across', () => {
      assert.ok(sameDimension(unit('kg'), unit('g')));
      assert.ok(sameDimension(unit('L'), unit('ml')));
      assert.ok(!sameDimension(unit('kg'), unit('L')));
      assert.ok(!sameDimension(unit('kg'), unit('pcs')));
    });
  });

  describe('exact comparison', () => {
    it('4.5 kg is 4500 g', () => assert.equal(toMicro(4.5, unit('kg')), toMicro(4500, unit('g'))));
    it('1.5 L is 1500 ml', () => assert.equal(toMicro(1.5, unit('L')), toMicro(1500, unit('ml'))));
    it('float noise from upstream arithmetic does not put 4.5 kg below 4.5 kg', () => {
      const noisy = 8.2 - 3.7; // 4.499999999999999: 8.2 kg in stock, 3.7 kg used
      assert.notEqual(noisy, 4.5);
      assert.equal(toMicro(noisy, unit('kg')), toMicro(4.5, unit('kg')));
      assert.equal(toMicro(0.1 + 0.2, unit('kg')), toMicro(0.3, unit('kg')));
      assert.equal(toMicro(1.005, unit('kg')), toMicro(1005, unit('g')));
    });
    it('a real gram below is below', () => {
      assert.ok(toMicro(4499, unit('g')) < toMicro(4.5, unit('kg')));
      assert.ok(toMicro(4.499, unit('kg')) < toMicro(4.5, unit('kg')));
    });
    it('kg with three decimals equals the same grams, for any value a shop holds (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (grams) => {
          assert.equal(toMicro(grams / 1000, unit('kg')), toMicro(grams, unit('g')));
        }),
      );
    });
    it('reports back in a unit without float noise', () => {
      assert.equal(fromMicro(toMicro(4200, unit('g')), unit('kg')), 4.2);
      assert.equal(fromMicro(toMicro(5, unit('kg')) - toMicro(4.2, unit('kg')), unit('kg')), 0.8);
      assert.ok(Object.is(fromMicro(toMicro(-0, unit('kg')), unit('kg')), 0));
    });
    it('refuses quantities that are not numbers or too large to compare exactly', () => {
      assert.throws(
        () => toMicro(Number.NaN, unit('kg'), 'MT'),
        (err: unknown) => err instanceof StockError && err.code === 'invalid-quantity',
      );
      assert.throws(
        () => toMicro(1e10, unit('kg'), 'MT'),
        (err: unknown) => err instanceof StockError && err.code === 'quantity-too-large',
      );
    });
  });

  describe('numbers in text', () => {
    for (const [text, value] of [
      ['4.5', 4.5],
      [' 4.5 ', 4.5],
      ['.5', 0.5],
      ['-2', -2],
      ['1,200', 1200],
      ['1,200.5', 1200.5],
      ['１２８', 128],
      [7, 7],
    ] as [string | number, number][]) {
      it(`reads ${JSON.stringify(text)} as ${value}`, () => assert.equal(numberFrom(text), value));
    }
    for (const text of ['', 'abc', '4,5', '4.5 kg', '12,34', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      it(`refuses ${JSON.stringify(text)}`, () => assert.equal(numberFrom(text), undefined));
    }
    for (const [text, expected] of [
      ['4.5 kg', { value: 4.5, unit: 'kg' }],
      ['4.5kg', { value: 4.5, unit: 'kg' }],
      ['300 毫升', { value: 300, unit: '毫升' }],
      ['12', { value: 12, unit: undefined }],
      ['1,200 g', { value: 1200, unit: 'g' }],
    ] as const) {
      it(`splits "${text}"`, () => assert.deepEqual(parseQuantityText(text), expected));
    }
    it('does not read text that does not start with a number', () => {
      assert.equal(parseQuantityText('kg 4'), undefined);
      assert.equal(parseQuantityText(''), undefined);
    });
  });
});
