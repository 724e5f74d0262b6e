// The low-stock form: a table of per-SKU thresholds (first problem flagged, bad cells marked), CSV paste and
// copy (parsed and checked by POST low-stock/csv, the runtime's own parser), and the context store to use.
import {
  type AdminFailure,
  fillContextStores,
  italicWhenNamed,
  listItems,
  postJson,
  translator,
} from './shared';

const COLUMNS = ['sku', 'name', 'threshold', 'unit', 'rearm', 'storeId'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

interface LowStockProps {
  name: string;
  threshold: string | number;
  unit: string;
  rearm: string | number;
  rows: Partial<Record<keyof Row, unknown>>[];
  delay: number | string;
  delayUnits: string;
  reminder: number | string;
  reminderUnits: string;
  digestTimes: string;
  digestEmpty: boolean;
  timeZone: string;
  contextStore: string;
  outputs: number;
}

/** What POST low-stock/csv answers: the rows read, or the problems found. */
interface CsvAnswer {
  rows: Record<string, unknown>[];
  problems: { code: string; params?: Substitutions }[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const TIMES = /^\s*(([01]?\d|2[0-3])[:：][0-5]\d)(\s*[,;，、\s]\s*([01]?\d|2[0-3])[:：][0-5]\d)*\s*$/;
/** How many CSV problems the panel lists before "and N more". */
const PROBLEMS_SHOWN = 10;
const t = translator('low-stock');

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}
function isNumber(v: unknown): boolean {
  return NUMBER.test(text(v));
}
const blankOr =
  (check: (v: unknown) => boolean, key: string): Validator<LowStockProps, unknown> =>
  (v, _options) =>
    text(v) === '' || check(v) || t(key);

/**
 * The first problem with the table (the runtime checks the same and more), or true. It takes one parameter,
 * as it always has: Node-RED then reads the answer as valid or not and shows no message.
 */
function checkRows(rows: unknown): true | string {
  if (!Array.isArray(rows)) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const r = (rows[i] || {}) as Partial<Record<keyof Row, unknown>>;
    const row = i + 1;
    const sku = text(r.sku) === '*' ? '' : text(r.sku);
    const store = text(r.storeId) === '*' ? '' : text(r.storeId);
    if (!sku && !store) {
      if (text(r.threshold) === '' && text(r.name) === '') continue;
      return t('errors.row-no-key', { row });
    }
    if (!isNumber(r.threshold) || !(Number(r.threshold) > 0)) {
      return t('errors.row-threshold', { row, value: text(r.threshold) });
    }
    if (text(r.rearm) !== '' && (!isNumber(r.rearm) || Number(r.rearm) < Number(r.threshold))) {
      return t('errors.row-rearm', { row, value: text(r.rearm), threshold: text(r.threshold) });
    }
    const key = `${store}\u001f${sku}`;
    const first = seen.get(key);
    if (first !== undefined) {
      return t('errors.row-duplicate', { row, sku: sku || '*', store: store || '*', first });
    }
    seen.set(key, row);
  }
  return true;
}

function csvCell(v: unknown): string {
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cell(cls: string, value: unknown, placeholder: string, listId?: string): JQuery {
  const input = $('<input type="text">').addClass(cls).val(text(value));
  if (placeholder) input.attr('placeholder', placeholder);
  if (listId) input.attr('list', listId);
  return input;
}

/** A table row as typed, one trimmed text per column. */
function rowOf(item: JQuery): Row {
  const inputs = item.find('input');
  return Object.fromEntries(
    COLUMNS.map((column, i) => [column, text($(inputs[i] as HTMLElement).val())]),
  ) as Row;
}

function markRow(item: JQuery): void {
  const r = rowOf(item);
  const inputs = item.find('input');
  const badThreshold =
    (r.sku || r.storeId || r.threshold) && (!isNumber(r.threshold) || !(Number(r.threshold) > 0));
  const badRearm = r.rearm !== '' && (!isNumber(r.rearm) || Number(r.rearm) < Number(r.threshold));
  $(inputs[2] as HTMLElement).toggleClass('low-stock-invalid', !!badThreshold);
  $(inputs[4] as HTMLElement).toggleClass('low-stock-invalid', !!badRearm);
}

RED.nodes.registerType<LowStockProps>('low-stock', {
  category: 'retail',
  color: '#E9B872',
  defaults: {
    name: { value: '' },
    threshold: { value: '', validate: blankOr((v) => isNumber(v) && Number(v) > 0, 'validation.threshold') },
    unit: { value: 'kg' },
    rearm: {
      value: '',
      validate(v, _options) {
        const threshold = $('#node-input-threshold').length
          ? $('#node-input-threshold').val()
          : this.threshold;
        if (text(v) === '') return true;
        return (
          (isNumber(v) && (text(threshold) === '' || Number(v) >= Number(threshold))) || t('validation.rearm')
        );
      },
    },
    rows: { value: [], validate: checkRows },
    delay: { value: 0, validate: blankOr((v) => isNumber(v) && Number(v) >= 0, 'validation.nonNegative') },
    delayUnits: { value: 'min' },
    reminder: { value: 0, validate: blankOr((v) => isNumber(v) && Number(v) >= 0, 'validation.nonNegative') },
    reminderUnits: { value: 'h' },
    digestTimes: { value: '', validate: blankOr((v) => TIMES.test(String(v)), 'validation.digestTimes') },
    digestEmpty: { value: false },
    timeZone: {
      value: '',
      validate: blankOr((v) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: text(v) });
          return true;
        } catch {
          return false;
        }
      }, 'validation.timeZone'),
    },
    contextStore: { value: '' },
    outputs: { value: 3 },
  },
  inputs: 1,
  outputs: 3,
  icon: 'low-stock.svg',
  paletteLabel() {
    return this._('low-stock.paletteLabel');
  },
  label() {
    return this.name || this._('low-stock.paletteLabel');
  },
  labelStyle: italicWhenNamed,
  inputLabels() {
    return this._('low-stock.inputLabel');
  },
  outputLabels(index) {
    const port = ['alert', 'restocked', 'digest'][index];
    return this._(`low-stock.outputLabels.${port}`);
  },
  oneditprepare() {
    const list = $('#node-input-rows-container');
    list
      .css('min-height', '150px')
      .css('min-width', '520px')
      .editableList({
        addItem(container, _index, data) {
          const row = $('<div class="low-stock-row"></div>').appendTo(container);
          cell('low-stock-c-sku', data.sku, t('column.sku')).appendTo(row);
          cell('low-stock-c-name', data.name, t('column.name')).appendTo(row);
          cell('low-stock-c-num', data.threshold, '5').appendTo(row);
          cell(
            'low-stock-c-unit',
            data.unit === undefined ? 'kg' : data.unit,
            '',
            'low-stock-units',
          ).appendTo(row);
          cell('low-stock-c-num', data.rearm, t('placeholder.rearm')).appendTo(row);
          cell('low-stock-c-store', data.storeId, t('placeholder.allStores')).appendTo(row);
          row.find('input').on('input change', () => markRow(container));
          markRow(container);
        },
        removable: true,
        sortable: true,
      });
    for (const row of this.rows || []) list.editableList('addItem', row);

    const panel = $('#low-stock-csv');
    const csvText = $('#low-stock-csv-text');
    const problems = $('#low-stock-csv-problems');
    const openPanel = (content: string) => {
      problems.empty();
      csvText.val(content);
      panel.show();
      csvText.trigger('focus');
    };
    $('#low-stock-paste').on('click', () => openPanel(''));
    $('#low-stock-copy').on('click', () => {
      const lines = ['sku,name,threshold,unit,rearm,store'];
      for (const r of listItems(list).map(rowOf)) lines.push(COLUMNS.map((c) => csvCell(r[c])).join(','));
      openPanel(`${lines.join('\n')}\n`);
      csvText.trigger('select');
    });
    $('#low-stock-csv-close').on('click', () => panel.hide());
    const load = (replace: boolean) => {
      problems.empty();
      postJson<CsvAnswer>('low-stock/csv', { csv: csvText.val() }).then(
        (answer) => {
          if (answer.problems && answer.problems.length > 0) {
            for (const p of answer.problems.slice(0, PROBLEMS_SHOWN)) {
              $('<li>')
                .text(t(`errors.${p.code}`, p.params))
                .appendTo(problems);
            }
            if (answer.problems.length > PROBLEMS_SHOWN) {
              $('<li>')
                .text(t('tip.moreProblems', { count: answer.problems.length - PROBLEMS_SHOWN }))
                .appendTo(problems);
            }
            return;
          }
          if (replace) list.editableList('empty');
          for (const row of answer.rows) list.editableList('addItem', row);
          panel.hide();
        },
        (failure: AdminFailure) => {
          $('<li>')
            .text(t('errors.csv-request', { status: failure.status }))
            .appendTo(problems);
        },
      );
    };
    $('#low-stock-csv-replace').on('click', () => load(true));
    $('#low-stock-csv-add').on('click', () => load(false));

    fillContextStores($('#node-input-contextStore'), this.contextStore, t('placeholder.defaultStore'));
  },
  oneditsave() {
    this.rows = listItems('#node-input-rows-container')
      .map(rowOf)
      .filter((row) => row.sku || row.storeId || row.threshold || row.name);
    this.outputs = 3;
  },
  oneditresize(size) {
    const rows = $('#dialog-form>div:not(.node-input-rows-container-row)');
    let height = size.height;
    for (let i = 0; i < rows.length; i++) height -= $(rows[i] as HTMLElement).outerHeight(true) ?? 0;
    const row = $('#dialog-form>div.node-input-rows-container-row');
    height -= parseInt(row.css('marginTop'), 10) + parseInt(row.css('marginBottom'), 10);
    height -=
      ($('.low-stock-head').outerHeight(true) ?? 0) + ($('.low-stock-buttons').outerHeight(true) ?? 0) + 30;
    if ($('#low-stock-csv').is(':visible')) height -= $('#low-stock-csv').outerHeight(true) ?? 0;
    $('#node-input-rows-container').editableList('height', Math.max(150, height));
  },
});
