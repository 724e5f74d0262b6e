import assert from 'node:assert/strict';
import { parseDelimited, rowsFromCsv, rowsToCsv } from '../../../nodes/core/stock/csv';
import { StockError } from '../../../nodes/core/stock/errors';
import type { DefaultThresholdInput, ThresholdRowInput } from '../../../nodes/core/stock/threshold-input';
import { MAX_ROWS, ThresholdTable, tableUpdateFrom } from '../../../nodes/core/stock/thresholds';

function table(rows: ThresholdRowInput[], defaults?: DefaultThresholdInput): ThresholdTable {
  const built = ThresholdTable.build(rows, defaults);
  assert.ok(built.ok, JSON.stringify(!built.ok && built.problems));
  return built.table;
}

function problems(rows: ThresholdRowInput[], defaults?: DefaultThresholdInput) {
  const built = ThresholdTable.build(rows, defaults);
  assert.ok(!built.ok, 'expected problems');
  return built.problems.map((p) => [p.code, p.params]);
}

describe('threshold table', () => {
  describe('precedence: default → store → SKU → SKU at that store', () => {
    const t = table(
      [
        { sku: 'MT', name: 'Milk tea base', threshold: '5', unit: 'kg', rearm: '6' },
        { sku: 'MT', storeId: 'TW-01', threshold: '8', unit: 'kg' },
        { sku: '', storeId: 'HK-01', threshold: '3', unit: 'kg' },
        { sku: '*', storeId: 'HK-02', threshold: '2', unit: 'kg' },
      ],
      { threshold: '1', unit: 'kg' },
    );
    for (const [store, sku, scope, value] of [
      ['TW-01', 'MT', 'store-sku', 8],
      ['HK-01', 'MT', 'sku', 5],
      ['XX', 'MT', 'sku', 5],
      ['HK-01', 'SUGAR', 'store', 3],
      ['HK-02', 'SUGAR', 'store', 2],
      ['XX', 'SUGAR', 'default', 1],
      ['', 'SUGAR', 'default', 1],
    ] as const) {
      it(`${sku} at ${store || '(no store)'}: ${scope} (${value})`, () => {
        const hit = t.resolve(store, sku);
        assert.equal(hit?.scope, scope);
        assert.equal(hit?.value, value);
      });
    }
    it('a store row without a name takes the SKU row name', () => {
      assert.equal(t.resolve('TW-01', 'MT')?.name, 'Milk tea base');
    });
    it('re-arms at the threshold when no re-arm level is given', () => {
      assert.equal(t.resolve('TW-01', 'MT')?.rearm, 8);
      assert.equal(t.resolve('XX', 'MT')?.rearm, 6);
    });
    it('watches nothing without a row or a default', () => {
      assert.equal(table([{ sku: 'MT', threshold: 5, unit: 'kg' }]).resolve('A', 'OTHER'), undefined);
    });
  });

  it('takes fractional thresholds and the unit inside the threshold cell', () => {
    const t = table([
      { sku: 'A', threshold: '4.5', unit: 'kg' },
      { sku: 'B', threshold: '4.5 kg', rearm: '6 kg' },
      { sku: 'C', threshold: 0.25, unit: 'L' },
    ]);
    assert.equal(t.resolve('', 'A')?.value, 4.5);
    assert.equal(t.resolve('', 'B')?.unit?.symbol, 'kg');
    assert.equal(t.resolve('', 'B')?.rearm, 6);
    assert.equal(t.resolve('', 'C')?.valueMicro, 250_000_000);
  });

  it('normalises units and keeps the rows for the editor', () => {
    const t = table([{ sku: ' MT ', threshold: '5', unit: '公斤', name: ' Milk tea ' }], {
      threshold: 2,
      unit: 'pcs',
    });
    assert.deepEqual(t.rows, [
      { sku: 'MT', name: 'Milk tea', storeId: '', threshold: 5, unit: 'kg', rearm: undefined },
    ]);
    assert.deepEqual(t.defaults, { threshold: 2, unit: 'pcs', rearm: undefined });
  });

  it('skips rows left blank in the editor', () => {
    assert.equal(
      table([
        { sku: '', threshold: '' },
        { sku: 'A', threshold: 1 },
      ]).size,
      1,
    );
  });

  it('reports every problem with its row', () => {
    assert.deepEqual(
      problems([
        { sku: 'A', threshold: 'five', unit: 'kg' },
        { sku: 'B', threshold: '0', unit: 'kg' },
        { sku: 'C', threshold: '5', unit: 'kg', rearm: '4' },
        { storeId: '', threshold: '5', name: 'orphan' },
        { sku: 'D', threshold: '5', unit: 'kg' },
        { sku: 'D', threshold: '6', unit: 'kg', line: 12 },
        { sku: 'E', threshold: '4.5 kg', unit: 'g' },
      ]),
      [
        ['row-threshold', { row: 1, value: 'five' }],
        ['row-threshold', { row: 2, value: '0' }],
        ['row-rearm', { row: 3, value: '4', threshold: 5 }],
        ['row-no-key', { row: 4 }],
        ['row-duplicate', { row: 12, sku: 'D', store: '*', first: 5 }],
        ['row-threshold', { row: 7, value: '4.5 kg' }],
      ],
    );
  });

  it('checks the default', () => {
    assert.deepEqual(problems([], { threshold: '-1', unit: 'kg' }), [['default-threshold', { value: '-1' }]]);
    assert.deepEqual(problems([], { threshold: '5', unit: 'kg', rearm: '2' }), [
      ['default-rearm', { value: '2' }],
    ]);
    assert.equal(table([], { threshold: '', unit: 'kg' }).resolve('', 'X'), undefined);
  });

  it('limits the table size', () => {
    const rows = Array.from({ length: MAX_ROWS + 1 }, (_, i) => ({ sku: `S${i}`, threshold: 1 }));
    assert.equal(problems(rows)[0]?.[0], 'too-many-rows');
  });
});

describe('threshold CSV', () => {
  it('reads a header in any order, in English or Chinese', () => {
    const { rows, problems } = rowsFromCsv(
      '門市,貨號,品名,下限,單位,恢復\nHK-01,MT,奶茶底,4.5,kg,6\n,SUGAR,"Sugar, white",2,kg,\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(rows, [
      { line: 2, storeId: 'HK-01', sku: 'MT', name: '奶茶底', threshold: '4.5', unit: 'kg', rearm: '6' },
      { line: 3, storeId: '', sku: 'SUGAR', name: 'Sugar, white', threshold: '2', unit: 'kg', rearm: '' },
    ]);
  });

  it('reads columns by position without a header: SKU, name, threshold, unit, re-arm, store', () => {
    const { rows } = rowsFromCsv('MT,Milk tea base,5,kg,6,HK-01\nCUP,Cups,100,pcs');
    assert.deepEqual(rows[0], {
      line: 1,
      sku: 'MT',
      name: 'Milk tea base',
      threshold: '5',
      unit: 'kg',
      rearm: '6',
      storeId: 'HK-01',
    });
    assert.deepEqual(rows[1], { line: 2, sku: 'CUP', name: 'Cups', threshold: '100', unit: 'pcs' });
  });

  it('reads tab-separated text pasted from a spreadsheet, with CRLF and a BOM', () => {
    const { rows } = rowsFromCsv('\ufeffSKU\tName\tThreshold\tUnit\r\nMT\tMilk tea\t4.5\tkg\r\n\r\n');
    assert.deepEqual(rows, [{ line: 2, sku: 'MT', name: 'Milk tea', threshold: '4.5', unit: 'kg' }]);
  });

  it('reads semicolon-separated text', () => {
    assert.deepEqual(
      parseDelimited('a;b\n1;2').map((r) => r.cells),
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    );
  });

  it('keeps quoted commas, quotes and line breaks, counting lines', () => {
    const records = parseDelimited('"a ""b""",c\n"multi\nline",d\ne,f');
    assert.deepEqual(records, [
      { cells: ['a "b"', 'c'], line: 1 },
      { cells: ['multi\nline', 'd'], line: 2 },
      { cells: ['e', 'f'], line: 4 },
    ]);
  });

  it('says so when a header has no SKU or threshold column', () => {
    assert.deepEqual(rowsFromCsv('name,unit\nMilk,kg').problems, [
      { code: 'csv-header', params: { columns: 'name, unit' } },
    ]);
    assert.deepEqual(rowsFromCsv('\n\n').problems, [{ code: 'csv-empty', params: {} }]);
  });

  it('reports bad rows by their CSV line', () => {
    const { rows } = rowsFromCsv('sku,threshold,unit\nMT,5,kg\n\nCUP,lots,pcs');
    const built = ThresholdTable.build(rows);
    assert.ok(!built.ok);
    assert.deepEqual(built.problems, [{ code: 'row-threshold', params: { row: 4, value: 'lots' } }]);
  });

  it('writes CSV that reads back the same', () => {
    const rows = [
      { sku: 'MT', name: 'Milk tea, "base"', threshold: 4.5, unit: 'kg', rearm: 6, storeId: 'HK-01' },
      { sku: 'CUP', name: '', threshold: 100, unit: 'pcs', rearm: undefined, storeId: '' },
    ];
    const back = rowsFromCsv(rowsToCsv(rows)).rows;
    const again = ThresholdTable.build(back);
    assert.ok(again.ok);
    assert.deepEqual(again.table.rows, [
      { sku: 'MT', name: 'Milk tea, "base"', threshold: 4.5, unit: 'kg', rearm: 6, storeId: 'HK-01' },
      { sku: 'CUP', name: '', threshold: 100, unit: 'pcs', rearm: undefined, storeId: '' },
    ]);
  });
});

describe('threshold updates at run time', () => {
  it('takes CSV text, an array of rows, or an object with rows and a default', () => {
    assert.equal(tableUpdateFrom('MT,,5,kg').rows?.length, 1);
    assert.deepEqual(tableUpdateFrom([{ sku: 'MT', threshold: 5 }]), {
      rows: [{ sku: 'MT', threshold: 5 }],
      defaults: undefined,
    });
    assert.deepEqual(tableUpdateFrom({ csv: 'MT,,5,kg', default: null }).defaults, null);
    assert.deepEqual(tableUpdateFrom({ default: { threshold: 1, unit: 'kg' } }), {
      rows: undefined,
      defaults: { threshold: 1, unit: 'kg' },
    });
  });
  for (const [name, payload] of [
    ['a number', 5],
    ['an empty object', {}],
    ['an array of numbers', [1, 2]],
    ['rows that are not an array', { rows: 'x', default: 3 }],
  ] as const) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => tableUpdateFrom(payload),
        (err: unknown) => err instanceof StockError && err.code === 'thresholds-shape',
      ));
  }
  it('refuses empty CSV text', () =>
    assert.throws(
      () => tableUpdateFrom(''),
      (err: unknown) => err instanceof StockError && err.code === 'csv-empty',
    ));
});
