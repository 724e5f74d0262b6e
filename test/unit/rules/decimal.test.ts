import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareDecimals,
  compareNumber,
  decimalOfNumber,
  formatDecimal,
  parseDecimal,
  thresholdOf,
  ZERO,
} from '../../../nodes/core/rules/decimal';

function decimal(text: string) {
  const value = parseDecimal(text);
  assert.ok(value, `${text} should parse`);
  return value;
}

describe('decimal', () => {
  describe('parseDecimal', () => {
    const canonical: [string, string][] = [
      ['128.50', '128.5'],
      ['0128.500', '128.5'],
      ['-0.05', '-0.05'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['+7', '7'],
      ['1e3', '1000'],
      ['1.5E-3', '0.0015'],
      ['-0', '0'],
      ['0.000', '0'],
      ['  42 ', '42'],
      ['１２８．５０', '128.5'],
      ['1e40', '1e40'],
      ['123456789012345678901234567890.5', '123456789012345678901234567890.5'],
    ];
    for (const [text, expected] of canonical) {
      it(`reads ${JSON.stringify(text)} as ${expected}`, () =>
        assert.equal(formatDecimal(decimal(text)), expected));
    }
    for (const text of [
      '',
      ' ',
      '.',
      '-',
      'e5',
      '1e',
      '0x10',
      '1,000',
      '1_000',
      'Infinity',
      'NaN',
      '12abc',
      '1.2.3',
      '--1',
    ]) {
      it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseDecimal(text), undefined));
    }
  });

  describe('parseDecimal with thousands separators (stock counts, CSV cells)', () => {
    for (const [text, expected] of [
      ['1,200', '1200'],
      ['-12,345.5', '-12345.5'],
      ['１，２００', '1200'],
    ] as const) {
      it(`reads ${JSON.stringify(text)} as ${expected}`, () =>
        assert.equal(formatDecimal(parseDecimal(text, { grouping: true }) ?? ZERO), expected));
    }
    for (const text of ['4,5', '12,34', '1,2345', ',100']) {
      it(`rejects ${JSON.stringify(text)}`, () =>
        assert.equal(parseDecimal(text, { grouping: true }), undefined));
    }
  });

  describe('decimalOfNumber', () => {
    it('reads whole numbers exactly, beyond 15 digits', () => {
      assert.equal(formatDecimal(decimalOfNumber(9007199254740991) ?? decimal('0')), '9007199254740991');
    });
    it('drops float noise past 15 significant digits', () => {
      assert.equal(formatDecimal(decimalOfNumber(0.1 + 0.2) ?? decimal('1')), '0.3');
      assert.equal(formatDecimal(decimalOfNumber(1.1 * 3) ?? decimal('1')), '3.3');
    });
    it('has no decimal for NaN and infinities', () => {
      assert.equal(decimalOfNumber(Number.NaN), undefined);
      assert.equal(decimalOfNumber(Number.POSITIVE_INFINITY), undefined);
    });
  });

  describe('compareDecimals', () => {
    const ordered = [
      '-1e10',
      '-100',
      '-0.5',
      '-0.05',
      '0',
      '0.0001',
      '0.3',
      '0.30000000000000004',
      '1',
      '99.99',
      '100',
      '1e21',
    ];
    it('orders decimals exactly', () => {
      for (let i = 0; i < ordered.length; i++) {
        for (let j = 0; j < ordered.length; j++) {
          const expected = i < j ? -1 : i > j ? 1 : 0;
          assert.equal(
            compareDecimals(decimal(ordered[i] as string), decimal(ordered[j] as string)),
            expected,
            `${ordered[i]} vs ${ordered[j]}`,
          );
        }
      }
    });
  });

  describe('compareNumber', () => {
    it('is NaN for anything that is not a number', () => {
      const t = thresholdOf(decimal('1'));
      for (const value of [undefined, null, Number.NaN, 'abc', '', true, [], {}, '0x1']) {
        assert.ok(Number.isNaN(compareNumber(value, t)), String(value));
      }
    });
    it('handles thresholds and values beyond double range exactly', () => {
      assert.equal(compareNumber('1e400', thresholdOf(decimal('1e399'))), 1);
      assert.equal(compareNumber(1e300, thresholdOf(decimal('1e400'))), -1);
      assert.equal(compareNumber('-1e400', thresholdOf(decimal('-1e400'))), 0);
    });

    // The fast path (float comparison when far apart) must agree with the exact comparison everywhere,
    // particularly near the threshold. Compare with BigInt arithmetic on random decimals around thresholds.
    const toBig = (text: string): [bigint, number] => {
      const d = decimal(text);
      if (d.sign === 0) return [0n, 0];
      return [BigInt(d.sign) * BigInt(d.digits), d.digits.length - d.exponent];
    };
    const exactCompare = (a: string, b: string): number => {
      const [x, xs] = toBig(a);
      const [y, ys] = toBig(b);
      const scale = Math.max(xs, ys);
      const l = x * 10n ** BigInt(scale - xs);
      const r = y * 10n ** BigInt(scale - ys);
      return l < r ? -1 : l > r ? 1 : 0;
    };
    const decimalText = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 20 }))
      .map(([negative, units, scale]) => {
        const digits = units.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        return negative ? `-${text}` : text;
      });

    it('agrees with exact arithmetic for text values (property)', () => {
      fc.assert(
        fc.property(decimalText, decimalText, fc.integer({ min: -3, max: 3 }), (a, b, nudge) => {
          // Half of the cases put the value right next to the threshold.
          const value = nudge === 0 ? b : nudge === 1 ? `${b}1` : a;
          const expected = exactCompare(value, b);
          assert.equal(compareNumber(value, thresholdOf(decimal(b))), expected);
        }),
        { numRuns: 3000 },
      );
    });

    it('agrees with exact arithmetic on the 15-digit reading for number values (property)', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(0.1 + 0.2)),
          decimalText,
          fc.boolean(),
          (value, b, nearby) => {
            const threshold = nearby ? formatDecimal(decodeNumber(value)) : b;
            const expected = exactCompare(formatDecimal(decodeNumber(value)), threshold);
            assert.equal(compareNumber(value, thresholdOf(decimal(threshold))), expected);
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});

function decodeNumber(value: number) {
  const d = decimalOfNumber(value);
  assert.ok(d);
  return d;
}
