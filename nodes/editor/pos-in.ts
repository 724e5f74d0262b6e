// The pos-in form: the webhook URL to give the POS, per-scheme fields, and checks on every setting.
import { italicWhenNamed, numberBetween, translator } from './shared';

interface PosInProps {
  name: string;
  path: string;
  scheme: string;
  allowUnsigned: boolean;
  notificationUrl: string;
  shopifyTopic: string;
  shopifyShop: string;
  windowMinutes: number | string;
  dedupeHours: number | string;
  maxBodyKb: number | string;
  allowlist: string;
  ratePerSecond: number | string;
}

const PATH = /^\/[\w\-./:~]*$/;
const CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;
const t = translator('pos-in');

/** The scheme being edited (the open form) or, with the dialog closed, the saved one. */
function schemeOf(node: PosInProps): string {
  return ($('#node-input-scheme').val() as string | undefined) || node.scheme;
}

RED.nodes.registerType<PosInProps>('pos-in', {
  category: 'retail',
  color: '#E9B872',
  defaults: {
    name: { value: '' },
    path: { value: '/pos/events', validate: (v, _options) => !v || PATH.test(v) || t('validation.path') },
    scheme: {
      value: 'generic',
      validate(v, _options) {
        if (v === 'none' && !$('#node-input-allowUnsigned').is(':checked') && this.allowUnsigned !== true) {
          return t('validation.unsigned');
        }
        return true;
      },
    },
    allowUnsigned: { value: false },
    notificationUrl: {
      value: '',
      validate(v, _options) {
        return schemeOf(this) !== 'square' || !!v || t('validation.notificationUrl');
      },
    },
    shopifyTopic: {
      value: '',
      validate(v, _options) {
        return schemeOf(this) !== 'shopify' || !!(v || '').trim() || t('validation.shopifyTopic');
      },
    },
    shopifyShop: {
      value: '',
      validate(v, _options) {
        return schemeOf(this) !== 'shopify' || !!(v || '').trim() || t('validation.shopifyShop');
      },
    },
    windowMinutes: { value: 5, validate: numberBetween(1, 15, () => t('validation.window')) },
    dedupeHours: { value: 72, validate: numberBetween(0.001, 1e6, () => t('validation.positive')) },
    maxBodyKb: { value: 1024, validate: numberBetween(1, 1e6, () => t('validation.positive')) },
    allowlist: {
      value: '',
      validate: (v, _options) =>
        (v || '')
          .split(/[\s,;]+/)
          .filter(Boolean)
          .every((entry) => CIDR.test(entry)) || t('validation.allowlist'),
    },
    ratePerSecond: { value: 0, validate: numberBetween(0, 1e9, () => t('validation.nonNegative')) },
  },
  credentials: {
    secret: { type: 'password' },
    previousSecret: { type: 'password' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'pos-in.svg',
  paletteLabel() {
    return this._('pos-in.paletteLabel');
  },
  label() {
    return this.name || (this.path ? `POS ${this.path}` : this._('pos-in.paletteLabel'));
  },
  labelStyle: italicWhenNamed,
  outputLabels() {
    return this._('pos-in.outputLabel');
  },
  oneditprepare() {
    const root = () => window.location.origin + (RED.settings.httpNodeRoot || '/').replace(/\/$/, '');
    const refresh = () => {
      let path = $('#node-input-path').val().trim();
      const scheme = $('#node-input-scheme').val();
      if (path && path[0] !== '/') path = `/${path}`;
      $('#pos-in-url').text(path ? root() + path : '');
      $('#pos-in-url-tip').text(this._(path ? 'pos-in.tip.url' : 'pos-in.tip.urlNoPath'));
      $('.pos-in-signed').toggle(scheme !== 'none');
      $('.pos-in-square').toggle(scheme === 'square');
      $('.pos-in-unsigned').toggle(scheme === 'none');
      $('.pos-in-shopify').toggle(scheme === 'shopify');
      // how long a captured delivery can be replayed depends on what the scheme signs
      $('#pos-in-replay-note').text(this._(`pos-in.tip.replay.${scheme}`));
    };
    $('#node-input-path').on('input', refresh);
    $('#node-input-scheme').on('change', refresh);
    refresh();
  },
});
