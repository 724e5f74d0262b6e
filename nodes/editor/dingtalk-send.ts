// The DingTalk send form: the fields of the chosen message type, buttons and feed links as lists, and checks
// that only apply to the fields shown.
import { italicWhenNamed, listItems, translator } from './shared';

type Button = { title: string; actionURL: string };
type FeedLink = { title: string; messageURL: string; picURL: string };

interface SendProps {
  name: string;
  robot: string;
  source: string;
  msgtype: string;
  title: string;
  text: string;
  messageUrl: string;
  picUrl: string;
  buttons: string;
  singleTitle: string;
  singleURL: string;
  btnOrientation: string;
  btns: Button[];
  links: FeedLink[];
  atMobiles: string;
  atUserIds: string;
  atAll: boolean;
  mentionsFromMsg: boolean;
}

const URL_OR_PLACEHOLDER = /^\s*((https?|dingtalk):\/\/\S+|\{\{[^}]+\}\}\S*)\s*$/i;
const t = translator('dingtalk-send');

/** The value being edited (the open form) or, with the dialog closed, the saved one. */
function current(node: SendProps, field: 'source' | 'msgtype' | 'buttons'): string {
  const el = $(`#node-input-${field}`);
  return el.length ? el.val() : node[field];
}

function usesTemplate(node: SendProps): boolean {
  return (current(node, 'source') || 'template') === 'template';
}

function typeIs(node: SendProps, types: string[]): boolean {
  return usesTemplate(node) && types.includes(current(node, 'msgtype') || 'text');
}

function required(types: string[], key: string): Validator<SendProps, string> {
  return function (v, _options) {
    return !typeIs(this, types) || (v || '').trim() !== '' || t(`validation.${key}`);
  };
}

function link(types: string[], key: string, optional = false): Validator<SendProps, string> {
  return function (v, _options) {
    if (!typeIs(this, types)) return true;
    if ((v || '').trim() === '') return optional || t(`validation.${key}`);
    return URL_OR_PLACEHOLDER.test(v) || t('validation.url');
  };
}

function singleButton(node: SendProps): boolean {
  return typeIs(node, ['actionCard']) && (current(node, 'buttons') || 'single') === 'single';
}

const isUrl = (v: string | undefined) => URL_OR_PLACEHOLDER.test(v || '');

/** One text input per field, kept on the row for oneditsave. */
function row(
  container: JQuery,
  fields: { name: string; placeholder: string }[],
  values: Record<string, unknown>,
) {
  const inputs: Record<string, JQuery> = {};
  for (const f of fields) {
    inputs[f.name] = $('<input type="text" style="width: 100%">')
      .attr('placeholder', t(`placeholder.${f.placeholder}`))
      .val(String(values[f.name] || ''))
      .appendTo(container);
  }
  container.data('inputs', inputs);
}

/** The rows of a list, each as { name: trimmed text }. */
function collect<T>(list: string, names: (keyof T & string)[]): T[] {
  return listItems(list).map((item) => {
    const inputs = item.data('inputs') as Record<string, JQuery>;
    return Object.fromEntries(names.map((n) => [n, inputs[n]?.val().trim() ?? ''])) as T;
  });
}

RED.nodes.registerType<SendProps>('dingtalk-send', {
  category: 'retail',
  color: '#8FC1F2',
  defaults: {
    name: { value: '' },
    robot: { value: '', type: 'dingtalk-robot', required: true },
    source: { value: 'template' },
    msgtype: { value: 'markdown' },
    title: { value: '', validate: required(['markdown', 'link', 'actionCard'], 'title') },
    text: { value: '', validate: required(['text', 'markdown', 'link', 'actionCard'], 'text') },
    messageUrl: { value: '', validate: link(['link'], 'messageUrl') },
    picUrl: { value: '', validate: link(['link'], 'picUrl', true) },
    buttons: { value: 'single' },
    singleTitle: {
      value: '',
      validate(v, _options) {
        return !singleButton(this) || (v || '').trim() !== '' || t('validation.singleTitle');
      },
    },
    singleURL: {
      value: '',
      validate(v, _options) {
        return !singleButton(this) || isUrl(v) || t('validation.url');
      },
    },
    btnOrientation: { value: '0' },
    btns: {
      value: [],
      validate(v, _options) {
        if (!typeIs(this, ['actionCard']) || singleButton(this)) return true;
        if (!Array.isArray(v) || v.length === 0) return t('validation.btns');
        return v.every((b) => (b.title || '').trim() && isUrl(b.actionURL)) || t('validation.btn');
      },
    },
    links: {
      value: [],
      validate(v, _options) {
        if (!typeIs(this, ['feedCard'])) return true;
        if (!Array.isArray(v) || v.length === 0) return t('validation.links');
        return (
          v.every((l) => (l.title || '').trim() && isUrl(l.messageURL) && isUrl(l.picURL)) ||
          t('validation.link')
        );
      },
    },
    atMobiles: { value: '' },
    atUserIds: { value: '' },
    atAll: { value: false },
    mentionsFromMsg: { value: true },
  },
  inputs: 1,
  outputs: 2,
  icon: 'dingtalk-send.svg',
  paletteLabel() {
    return this._('dingtalk-send.paletteLabel');
  },
  label() {
    if (this.name) return this.name;
    if (this.source === 'payload') return this._('dingtalk-send.paletteLabel');
    return `${this._('dingtalk-send.paletteLabel')} ${this.msgtype || 'text'}`;
  },
  labelStyle: italicWhenNamed,
  inputLabels() {
    return this._('dingtalk-send.inputLabel');
  },
  outputLabels(index) {
    return this._(index === 0 ? 'dingtalk-send.outputLabels.sent' : 'dingtalk-send.outputLabels.failed');
  },
  oneditprepare() {
    if (this.mentionsFromMsg === undefined) $('#node-input-mentionsFromMsg').prop('checked', true);

    $('#dingtalk-send-btns').editableList({
      addItem: (container, _i, data) =>
        row(
          container,
          [
            { name: 'title', placeholder: 'btnTitle' },
            { name: 'actionURL', placeholder: 'url' },
          ],
          data,
        ),
      removable: true,
      sortable: true,
      height: 'auto',
      addButton: t('label.addButton'),
    });
    $('#dingtalk-send-links').editableList({
      addItem: (container, _i, data) =>
        row(
          container,
          [
            { name: 'title', placeholder: 'linkTitle' },
            { name: 'messageURL', placeholder: 'url' },
            { name: 'picURL', placeholder: 'picUrl' },
          ],
          data,
        ),
      removable: true,
      sortable: true,
      height: 'auto',
      addButton: t('label.addLink'),
    });
    for (const b of this.btns || []) $('#dingtalk-send-btns').editableList('addItem', b);
    for (const l of this.links || []) $('#dingtalk-send-links').editableList('addItem', l);

    const refresh = () => {
      const template = $('#node-input-source').val() !== 'payload';
      const type = $('#node-input-msgtype').val();
      const multiple = $('#node-input-buttons').val() === 'multiple';
      $('.dingtalk-send-template').toggle(template);
      $('.dingtalk-send-payload').toggle(!template);
      $('.dingtalk-send-f-title').toggle(['markdown', 'link', 'actionCard'].includes(type));
      $('.dingtalk-send-f-text').toggle(type !== 'feedCard');
      $('.dingtalk-send-f-link').toggle(type === 'link');
      $('.dingtalk-send-f-card').toggle(type === 'actionCard');
      $('.dingtalk-send-f-single').toggle(type === 'actionCard' && !multiple);
      $('.dingtalk-send-f-btns').toggle(type === 'actionCard' && multiple);
      $('.dingtalk-send-f-feed').toggle(type === 'feedCard');
      const mentions = !template || type === 'text' || type === 'markdown';
      $('.dingtalk-send-mentions').toggle(mentions);
      $('.dingtalk-send-mentions-tip').toggle(!mentions);
      $('#dingtalk-send-text-label').text(t(`label.text_${type}`));
    };
    $('#node-input-source, #node-input-msgtype, #node-input-buttons').on('change', refresh);
    refresh();
  },
  oneditsave() {
    this.btns = collect<Button>('#dingtalk-send-btns', ['title', 'actionURL']);
    this.links = collect<FeedLink>('#dingtalk-send-links', ['title', 'messageURL', 'picURL']);
  },
  oneditresize() {
    $('#dingtalk-send-btns, #dingtalk-send-links').editableList('height', 'auto');
  },
});
