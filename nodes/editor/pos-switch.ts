// The pos-switch form: rules as rows of conditions, each rule in words, and the runtime's verdict on them
// (pos-switch-check.ts). Output labels say each rule in words ("total > 100", "customer tier is VIP").
import {
  type ConditionDef,
  isOperator,
  type Mode,
  OPERATOR_INFO,
  OPERATORS,
  type Operator,
  type RuleDef,
  type RuleProblem,
  type Unmatched,
  type ValueType,
} from '../core/rules/definitions';
import { splitList } from '../core/rules/text';
import { checkRules, knownProblems, revalidatePosSwitches } from './pos-switch-check';
import { italicWhenNamed, listItems } from './shared';

interface PosSwitchProps {
  name: string;
  rules: RuleDef[];
  mode: Mode;
  unmatched: Unmatched;
  outputs: number;
}

type Field = { path: string; key: string; kind: 'text' | 'number' };

// Suggested fields: the canonical POS event's (fields are relative to msg.payload; msg.x means that msg path).
const FIELDS: readonly Field[] = [
  { path: 'event', key: 'event', kind: 'text' },
  { path: 'storeId', key: 'storeId', kind: 'text' },
  { path: 'data.total', key: 'total', kind: 'number' },
  { path: 'data.customer.tier', key: 'tier', kind: 'text' },
  { path: 'data.paymentMethod', key: 'paymentMethod', kind: 'text' },
  { path: 'data.currency', key: 'currency', kind: 'text' },
  { path: 'data.cashierId', key: 'cashierId', kind: 'text' },
  { path: 'data.customer.id', key: 'customerId', kind: 'text' },
  { path: 'data.amount', key: 'amount', kind: 'number' },
  { path: 'data.reason', key: 'reason', kind: 'text' },
  { path: 'data.sku', key: 'sku', kind: 'text' },
  { path: 'data.name', key: 'itemName', kind: 'text' },
  { path: 'data.quantity', key: 'quantity', kind: 'number' },
  { path: 'data.previousQuantity', key: 'previousQuantity', kind: 'number' },
  { path: 'data.unit', key: 'unit', kind: 'text' },
  { path: 'data.vehicleId', key: 'vehicleId', kind: 'text' },
  { path: 'data.routeId', key: 'routeId', kind: 'text' },
  { path: 'data.speed', key: 'speed', kind: 'number' },
  { path: 'data.accuracy', key: 'accuracy', kind: 'number' },
  { path: 'id', key: 'id', kind: 'text' },
  { path: 'msg.topic', key: 'topic', kind: 'text' },
];
const EVENT_TYPE_ALIAS = 'event type';
/** How long the form waits after the last keystroke before asking the runtime about the rules. */
const CHECK_AFTER_MS = 300;

// Node-RED gives the registered definition `_`, a translator in this module's catalog.
const definition: NodeDefinition<PosSwitchProps> & {
  _?: (key: string, substitutions?: Substitutions) => string;
} = {
  category: 'retail',
  color: '#E9B872',
  defaults: {
    name: { value: '' },
    rules: {
      value: [{ name: '', conditions: [{ field: 'data.total', op: 'gt', value: '', valueType: 'num' }] }],
      validate: (rules, _options) => {
        const problems = knownProblems(rules);
        if (problems === undefined) {
          // not known yet: valid until the runtime answers, then every pos-switch is validated again
          checkRules(rules).then(revalidatePosSwitches, () => undefined);
          return true;
        }
        return problems.length === 0 || problems.map((p) => describeProblem(p, rules));
      },
    },
    mode: { value: 'first', validate: (v) => v === 'first' || v === 'all' },
    unmatched: { value: 'otherwise', validate: (v) => v === 'otherwise' || v === 'drop' },
    outputs: { value: 2 },
  },
  inputs: 1,
  outputs: 2,
  icon: 'pos-switch.svg',
  paletteLabel: () => t('paletteLabel'),
  label() {
    return this.name || t('paletteLabel');
  },
  labelStyle: italicWhenNamed,
  inputLabels: () => t('inputLabel'),
  outputLabels(index) {
    const rules = Array.isArray(this.rules) ? this.rules : [];
    if (index < rules.length) return ruleWords(rules[index]);
    if (index === rules.length && this.unmatched !== 'drop') return t('otherwise');
    return '';
  },
  oneditprepare() {
    prepareForm(this);
  },
  oneditsave() {
    saveForm(this);
  },
  oneditcancel() {
    originals.delete(this);
  },
  oneditresize(size) {
    const rows = $('#dialog-form>div:not(.pos-switch-rules-row):visible');
    let height = size.height;
    for (let i = 0; i < rows.length; i++) height -= $(rows[i] as HTMLElement).outerHeight(true) ?? 0;
    const row = $('#dialog-form>div.pos-switch-rules-row');
    height -= parseInt(row.css('marginTop'), 10) + parseInt(row.css('marginBottom'), 10);
    height -= row.children('label').outerHeight(true) ?? 0;
    $('#pos-switch-rules').editableList('height', Math.max(250, height));
  },
};

function t(key: string, substitutions?: Substitutions): string {
  return definition._ ? definition._(`pos-switch.${key}`, substitutions) : key;
}

/** "Rule 2 (Big VIP), condition 1: “abc” is not a number", as the runtime says it at deploy. */
function describeProblem(p: RuleProblem, rules: unknown): string {
  const what = t(`errors.${p.code}`, { detail: p.detail || '' });
  if (p.rule === undefined) return what;
  const rule = Array.isArray(rules) ? (rules[p.rule] as { name?: unknown } | null) : null;
  const name = typeof rule?.name === 'string' ? rule.name.trim() : '';
  const parts = [name ? t('errors.ruleNamed', { n: p.rule + 1, name }) : t('errors.rule', { n: p.rule + 1 })];
  if (p.condition !== undefined) parts.push(t('errors.condition', { n: p.condition + 1 }));
  if (p.value === 2) parts.push(t('errors.secondValue'));
  return `${parts.join(', ')}: ${what}`;
}

// ---- Rules in words ("total > 100", "customer tier is VIP"), for output labels and the dialog.
function fieldInfo(path: unknown): Field | undefined {
  let text = String(path || '').trim();
  if (text === EVENT_TYPE_ALIAS) text = 'event';
  return FIELDS.find((f) => f.path === text);
}

function fieldWords(path: unknown): string {
  const info = fieldInfo(path);
  return info ? t(`field.${info.key}`) : String(path || '').trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A context key without its store: "#:(file)::vip.threshold" → "vip.threshold". */
function contextKey(key: string): string {
  return /^#:\((\S+?)\)::(.*)$/.exec(key)?.[2] ?? key;
}

function valueWords(value: unknown, type: string): string {
  const v = value === undefined || value === null ? '' : String(value).trim();
  switch (type) {
    case 'env':
      return `\${${v}}`;
    case 'flow':
      return `flow.${clip(contextKey(v), 24)}`;
    case 'global':
      return `global.${clip(contextKey(v), 24)}`;
    case 're':
      return `/${clip(String(value), 24)}/`;
    case 'list':
      return clip(splitList(v).join(', '), 32);
    default:
      return clip(v, 24);
  }
}

function conditionWords(c: ConditionDef): string {
  if (!isOperator(c.op)) return `${String(c.field || '')} ?`;
  const info = OPERATOR_INFO[c.op];
  const defaultType = info.types[0] ?? '';
  let words = t(`phrase.${c.op}`, {
    field: fieldWords(c.field),
    value: valueWords(c.value, c.valueType || defaultType),
    value2: valueWords(c.value2, c.value2Type || defaultType),
  });
  if (info.textual && c.ignoreCase) words += t('phrase.ignoreCase');
  return words;
}

function ruleWords(rule: RuleDef | undefined): string {
  const words = (rule && Array.isArray(rule.conditions) ? rule.conditions : [])
    .map(conditionWords)
    .join(t('phrase.and'));
  const name = rule && typeof rule.name === 'string' ? rule.name.trim() : '';
  return name ? (words ? t('phrase.named', { name, words }) : name) : words;
}

// ---- The dialog.
/** Per node being edited: how many rules it had and whether it had "otherwise", to move wires with rules. */
const originals = new WeakMap<object, { rules: number; otherwise: boolean }>();

function readCondition(row: JQuery): ConditionDef {
  const op = row.find('select.pos-switch-op').val() as Operator;
  const c: ConditionDef = { field: row.find('input.pos-switch-field').val().trim(), op };
  const info = OPERATOR_INFO[op];
  if (info.values >= 1) {
    const v1 = row.find('input.pos-switch-value');
    c.value = v1.typedInput('value');
    c.valueType = v1.typedInput('type') as ValueType;
  }
  if (info.values === 2) {
    const v2 = row.find('input.pos-switch-value2');
    c.value2 = v2.typedInput('value');
    c.value2Type = v2.typedInput('type') as ValueType;
  }
  if (info.textual && row.find('.pos-switch-case input').prop('checked')) c.ignoreCase = true;
  return c;
}

function readRule(item: JQuery): RuleDef {
  const conditions: ConditionDef[] = [];
  item.find('.pos-switch-condition').each((_i, row) => {
    conditions.push(readCondition($(row)));
  });
  return { name: item.find('input.pos-switch-rule-name').val().trim(), conditions };
}

function prepareForm(node: EditorNode<PosSwitchProps>): void {
  const list = $('#pos-switch-rules');
  const datalist = $('#pos-switch-fields');
  for (const f of FIELDS)
    $('<option>')
      .attr('value', f.path)
      .attr('label', t(`field.${f.key}`))
      .appendTo(datalist);
  const listType = { value: 'list', label: t('type.list'), icon: 'fa fa-list-ul', hasValue: true };
  const typesFor = (op: string): TypedInputType[] =>
    (isOperator(op) ? OPERATOR_INFO[op].types : []).map((type) => (type === 'list' ? listType : type));
  const renumber = () => {
    listItems(list).forEach((item, i) => {
      item.find('.pos-switch-port').text(`→ ${i + 1}`);
    });
  };

  // Problems come from the runtime for the whole list, a moment after the last change; the words at once.
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let checkRequest = 0;
  const showProblems = (items: JQuery[], problems: RuleProblem[]) => {
    items.forEach((item, r) => {
      const mine = problems.filter((p) => p.rule === r);
      item.find('.pos-switch-condition').each((i, row) => {
        const text = mine
          .filter((p) => p.condition === i)
          .map(
            (p) =>
              (p.value === 2 ? `${t('errors.secondValue')}: ` : '') +
              t(`errors.${p.code}`, { detail: p.detail || '' }),
          )
          .join(' · ');
        $(row)
          .next('.pos-switch-problem')
          .text(text)
          .toggle(text !== '');
      });
      item.find('.pos-switch-no-conditions').toggle(mine.some((p) => p.code === 'no-conditions'));
    });
  };
  const checkForm = () => {
    const items = listItems(list);
    const request = ++checkRequest;
    checkRules(items.map(readRule)).then(
      (problems) => {
        if (request === checkRequest) showProblems(items, problems);
      },
      () => undefined, // unanswered: the form says nothing rather than something wrong
    );
  };
  const refreshRule = (item: JQuery) => {
    const rule = readRule(item);
    item
      .find('.pos-switch-words')
      .text(rule.conditions.length ? ruleWords({ conditions: rule.conditions }) : '');
    item.find('.pos-switch-condition').each((i, row) => {
      $(row)
        .find('.pos-switch-and')
        .text(i === 0 ? '' : t('label.and'));
    });
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkForm, CHECK_AFTER_MS);
  };

  function addCondition(item: JQuery, holder: JQuery, c: Partial<ConditionDef> = {}): JQuery {
    const row = $('<div class="pos-switch-condition"></div>').appendTo(holder);
    const problem = $('<div class="pos-switch-problem"></div>').hide().insertAfter(row);
    $('<span class="pos-switch-and"></span>').appendTo(row);
    const field = $('<input type="text" class="pos-switch-field" list="pos-switch-fields">')
      .attr('placeholder', t('placeholder.field'))
      .val(c.field || '')
      .appendTo(row);
    const op = $('<select class="pos-switch-op"></select>').appendTo(row);
    for (const o of OPERATORS)
      $('<option>')
        .val(o)
        .text(t(`op.${o}`))
        .appendTo(op);
    op.val(isOperator(c.op) ? c.op : 'eq');
    const cell = $('<div class="pos-switch-value-cell"></div>').appendTo(row);
    const v1 = $('<input type="text" class="pos-switch-value">').appendTo(cell);
    const and = $('<span></span>').text(t('label.and')).appendTo(cell);
    const v2 = $('<input type="text" class="pos-switch-value2">').appendTo(cell);
    const caseLabel = $('<label class="pos-switch-case"></label>')
      .attr('title', t('tip.ignoreCase'))
      .appendTo(row);
    $('<input type="checkbox">').prop('checked', !!c.ignoreCase).appendTo(caseLabel);
    $('<span></span>').text(t('label.ignoreCase')).appendTo(caseLabel);
    $('<a href="#" class="red-ui-button red-ui-button-small"><i class="fa fa-times"></i></a>')
      .attr('title', t('label.removeCondition'))
      .appendTo(row)
      .on('click', (e) => {
        e.preventDefault();
        row.remove();
        problem.remove();
        refreshRule(item);
      });
    const initial = OPERATOR_INFO[op.val() as Operator];
    v1.typedInput({ types: typesFor(op.val()), default: c.valueType || initial.types[0] });
    v2.typedInput({ types: typesFor(op.val()), default: c.value2Type || initial.types[0] });
    if (c.valueType) v1.typedInput('type', c.valueType);
    if (c.value !== undefined) v1.typedInput('value', c.value);
    if (c.value2Type) v2.typedInput('type', c.value2Type);
    if (c.value2 !== undefined) v2.typedInput('value', c.value2);

    const applyOperator = (changed: boolean) => {
      const o = op.val() as Operator;
      const info = OPERATOR_INFO[o];
      if (changed) {
        // A fresh default type: a number for numeric fields and operators, text otherwise.
        const kind = fieldInfo(field.val())?.kind;
        const preferred =
          info.types.includes('num') && (kind === 'number' || info.types[0] === 'num')
            ? 'num'
            : info.types[0];
        for (const input of [v1, v2]) {
          if (!info.types.length || preferred === undefined) continue;
          const keep = input.typedInput('type') as ValueType;
          input.typedInput('types', typesFor(o));
          input.typedInput(
            'type',
            info.types.includes(keep) && keep !== 'str' && keep !== 're' ? keep : preferred,
          );
        }
      }
      v1.typedInput(info.values >= 1 ? 'show' : 'hide');
      v2.typedInput(info.values === 2 ? 'show' : 'hide');
      and.toggle(info.values === 2);
      caseLabel.toggle(info.textual);
      refreshRule(item);
    };
    op.on('change', () => applyOperator(true));
    field.on('input change', () => refreshRule(item));
    v1.on('change', () => refreshRule(item));
    v2.on('change', () => refreshRule(item));
    caseLabel.find('input').on('change', () => refreshRule(item));
    applyOperator(false);
    return row;
  }

  list
    .css('min-height', '200px')
    .css('min-width', '560px')
    .editableList({
      addButton: t('label.addRule'),
      sortable: true,
      removable: true,
      addItem(container, index, data) {
        const item = $('<div class="pos-switch-rule"></div>').appendTo(container);
        const rule = (data.rule as RuleDef | undefined) ?? {
          name: '',
          conditions: [{ field: '', op: 'eq', valueType: 'str' }],
        };
        const head = $('<div class="pos-switch-rule-head"></div>').appendTo(item);
        $('<span class="pos-switch-port"></span>')
          .text(`→ ${index + 1}`)
          .attr('title', t('tip.port'))
          .appendTo(head);
        $('<input type="text" class="pos-switch-rule-name">')
          .attr('placeholder', t('placeholder.ruleName'))
          .val(rule.name || '')
          .appendTo(head);
        const holder = $('<div class="pos-switch-conditions"></div>').appendTo(item);
        for (const c of rule.conditions || []) addCondition(item, holder, c);
        $('<div class="pos-switch-problem pos-switch-no-conditions"></div>')
          .text(t('errors.no-conditions'))
          .hide()
          .appendTo(item);
        $(
          '<a href="#" class="red-ui-button red-ui-button-small pos-switch-add-condition"><i class="fa fa-plus"></i> </a>',
        )
          .append($('<span></span>').text(t('label.addCondition')))
          .appendTo(item)
          .on('click', (e) => {
            e.preventDefault();
            addCondition(item, holder, { op: 'eq', valueType: 'str' });
            refreshRule(item);
          });
        $('<div class="pos-switch-words"></div>').appendTo(item);
        refreshRule(item);
        renumber();
      },
      removeItem() {
        renumber();
        checkForm();
      },
      sortItems() {
        renumber();
        checkForm();
      },
    });

  (node.rules || []).forEach((rule, i) => {
    list.editableList('addItem', { rule, original: i });
  });
  originals.set(node, { rules: (node.rules || []).length, otherwise: node.unmatched !== 'drop' });
}

function saveForm(node: EditorNode<PosSwitchProps>): void {
  const rules: RuleDef[] = [];
  // Wires follow their rule when rules move: old port → new port (-1 when removed, a name when new).
  const map: Record<string, number> = {};
  const seen = new Set<number>();
  listItems('#pos-switch-rules').forEach((item, i) => {
    const data = (item.data('data') ?? {}) as { original?: unknown };
    rules.push(readRule(item));
    if (typeof data.original === 'number') {
      map[data.original] = i;
      seen.add(data.original);
    } else {
      map[`new-${i}`] = i;
    }
  });
  const original = originals.get(node) ?? { rules: 0, otherwise: false };
  for (let r = 0; r < original.rules; r++) if (!seen.has(r)) map[r] = -1;
  const otherwise = $('#node-input-unmatched').val() !== 'drop';
  if (original.otherwise) map[original.rules] = otherwise ? rules.length : -1;
  else if (otherwise) map['new-otherwise'] = rules.length;
  $('#node-input-outputs').val(JSON.stringify(map));
  node.rules = rules;
  originals.delete(node);
}

RED.nodes.registerType('pos-switch', definition);
