// Threshold tables pasted as CSV: from a spreadsheet (tab-separated when copied from Excel or Google Sheets),
// a file, or a control message. A header row is optional and may name the columns in English or Chinese;
// without one the columns are SKU, name, threshold, unit, re-arm level, store.
import { type Problem, problem } from './errors';
import type { ThresholdRowInput } from './threshold-input';

/** Splits delimited text into records: RFC 4180 quoting, CRLF or LF, a BOM, blank lines skipped. */
export function parseDelimited(
  text: string,
  delimiter = detectDelimiter(text),
): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]?.trim() !== '') records.push({ cells, line: recordLine });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  if (firstLine.includes('\t')) return '\t';
  if (firstLine.includes(';') && !firstLine.includes(',')) return ';';
  return ',';
}

type Column = 'sku' | 'name' | 'threshold' | 'unit' | 'rearm' | 'storeId';

const positional: Column[] = ['sku', 'name', 'threshold', 'unit', 'rearm', 'storeId'];

const headerNames: Record<Column, string[]> = {
  sku: [
    'sku',
    'sku code',
    'item code',
    'code',
    'product code',
    'barcode',
    '貨號',
    '货号',
    '商品編號',
    '商品编号',
    '編號',
    '编号',
    '品號',
    '品号',
  ],
  name: [
    'name',
    'item',
    'item name',
    'product',
    'product name',
    'description',
    '名稱',
    '名称',
    '品名',
    '商品',
    '商品名稱',
    '商品名称',
  ],
  threshold: [
    'threshold',
    'low',
    'min',
    'minimum',
    'alert below',
    'below',
    'reorder point',
    'reorder level',
    'safety stock',
    '閾值',
    '阈值',
    '下限',
    '最低',
    '安全庫存',
    '安全库存',
    '警戒值',
    '低於',
    '低于',
  ],
  unit: ['unit', 'units', 'uom', '單位', '单位'],
  rearm: [
    'rearm',
    're-arm',
    'rearm level',
    're-arm level',
    'rearm at',
    're-arm at',
    'restock',
    'restock level',
    'reset',
    'reset level',
    '重新啟用',
    '重新启用',
    '重設',
    '重设',
    '恢復',
    '恢复',
    '補貨水平',
    '补货水平',
  ],
  storeId: [
    'store',
    'storeid',
    'store id',
    'store code',
    'shop',
    'branch',
    '門市',
    '门市',
    '門店',
    '门店',
    '店舖',
    '店铺',
    '分店',
    '店號',
    '店号',
  ],
};

const columnOfHeader = new Map<string, Column>();
for (const [column, names] of Object.entries(headerNames) as [Column, string[]][]) {
  for (const name of names) columnOfHeader.set(name, column);
}

const fold = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');

/**
 * Rows for a threshold table from CSV text. Values stay text (they are checked when the table is built, with
 * the line number in every message); a threshold cell may carry its unit ("4.5 kg") when there is no unit
 * column.
 */
export function rowsFromCsv(text: string): { rows: ThresholdRowInput[]; problems: Problem[] } {
  const records = parseDelimited(text);
  const first = records[0];
  if (!first) return { rows: [], problems: [problem('csv-empty')] };
  let columns: (Column | undefined)[] = positional;
  let data = records;
  const named = first.cells.map((cell) => columnOfHeader.get(fold(cell)));
  if (named.some((column) => column !== undefined)) {
    if (!named.includes('threshold') || !(named.includes('sku') || named.includes('storeId'))) {
      return { rows: [], problems: [problem('csv-header', { columns: first.cells.join(', ') })] };
    }
    columns = named;
    data = records.slice(1);
  }
  const rows: ThresholdRowInput[] = [];
  for (const record of data) {
    const row: ThresholdRowInput = { line: record.line };
    record.cells.forEach((cell, index) => {
      const column = columns[index];
      if (column && row[column] === undefined) row[column] = cell.trim();
    });
    rows.push(row);
  }
  return { rows, problems: [] };
}

const needsQuotes = /[",\r\n]|^\s|\s$/;

/** The table as CSV with a header, the way rowsFromCsv reads it back (for copying out of the editor). */
export function rowsToCsv(rows: readonly ThresholdRowInput[]): string {
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? '' : String(value);
    return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = ['sku,name,threshold,unit,rearm,store'];
  for (const row of rows) {
    lines.push([row.sku, row.name, row.threshold, row.unit, row.rearm, row.storeId].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
