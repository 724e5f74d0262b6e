// The DingTalk robot form: what the pasted webhook and secret look like, in plain words (the runtime makes the
// final check), and a "send a test message" button answered by POST dingtalk-robot/test.
import { type AdminFailure, postJson, translator } from './shared';

interface RobotProps {
  name: string;
  keywords: string;
  keywordMode: string;
  ratePerMinute: number | string;
  digest: boolean;
  pins: string;
}

/** What POST dingtalk-robot/test answers (or what the editor makes of a failed request). */
interface TestAnswer {
  ok: boolean;
  reason?: string;
  requestMs?: number;
  until?: number;
  host?: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  detail?: string;
}

type Hint = { text: string; warn?: boolean };

const ENV = /^\$\{\w+\}$/;
const TOKEN = /^[A-Za-z0-9_-]{8,256}$/;
const SECRET = /^SEC[0-9A-Za-z]{8,}$/;
const PIN = /^(sha256\/+)?[A-Za-z0-9+/]{43}=$/i;
/** What Node-RED shows in a password field whose value is saved but not sent to the editor. */
const SAVED = '__PWRD__';
const t = translator('dingtalk-robot');

/** The pins typed (the runtime makes the final check): undefined when fine, else the reason's code. */
function pinsProblem(value: string): string | undefined {
  const entries = (value || '').split(/[\s,]+/).filter((p) => p !== '');
  if (entries.length === 0) return undefined;
  if (!entries.every((pin) => PIN.test(pin))) return 'pins_invalid';
  const unique = new Set(entries.map((pin) => pin.replace(/^sha256\/+/i, '')));
  return unique.size < 2 ? 'pins_too_few' : undefined;
}

/** What the pasted webhook looks like, in plain words (the runtime makes the final check). */
function webhookHint(value: string): Hint {
  const v = (value || '').trim().replace(/^["']|["']$/g, '');
  if (v === SAVED) return { text: t('hint.saved') };
  if (v === '') return { text: t('hint.webhookEmpty') };
  if (ENV.test(v)) return { text: t('hint.env', { name: v.slice(2, -1) }) };
  if (SECRET.test(v)) return { text: t('reason.address_is_secret'), warn: true };
  if (TOKEN.test(v)) return { text: t('hint.token') };
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`);
  } catch {
    return { text: t('reason.address_invalid'), warn: true };
  }
  if (!url.searchParams.get('access_token')) return { text: t('reason.address_no_token'), warn: true };
  const host = url.hostname.toLowerCase();
  if (host === 'oapi.dingtalk.com' || host === 'oapi.dingtalk.io') {
    return url.protocol === 'https:'
      ? { text: t('hint.url', { host }) }
      : { text: t('reason.address_insecure'), warn: true };
  }
  return { text: t('hint.otherHost', { host: url.host }), warn: true };
}

function secretHint(value: string): Hint {
  const v = (value || '').trim();
  if (v === SAVED) return { text: t('hint.saved') };
  if (v === '') return { text: t('hint.secretEmpty') };
  if (ENV.test(v)) return { text: t('hint.env', { name: v.slice(2, -1) }) };
  return SECRET.test(v) ? { text: t('hint.secret') } : { text: t('reason.secret_invalid'), warn: true };
}

function show(el: JQuery, hint: Hint): void {
  el.text(hint.text).toggleClass('warn', !!hint.warn);
}

/** hh:mm:ss in the browser's time zone. */
function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => `0${n}`.slice(-2)).join(':');
}

function showResult(answer: TestAnswer): void {
  const box = $('#dingtalk-robot-test-result').removeClass('ok fail').show();
  box.empty();
  const title = $('<div>');
  if (answer.ok) {
    title.text(t('test.ok', { ms: answer.requestMs }));
  } else {
    let text = t(`reason.${answer.reason}`);
    if (answer.until) text += ` ${t('test.until', { time: clock(answer.until) })}`;
    title.text(text);
  }
  box.addClass(answer.ok ? 'ok' : 'fail').append(title);
  const facts: string[] = [];
  if (answer.host) facts.push(answer.host);
  if (answer.errcode !== undefined) facts.push(`errcode ${answer.errcode}`);
  if (answer.errmsg) facts.push(answer.errmsg);
  if (answer.httpStatus && answer.httpStatus !== 200) facts.push(`HTTP ${answer.httpStatus}`);
  if (answer.detail) facts.push(answer.detail);
  if (facts.length) box.append($('<small>').text(`${t('test.said')} ${facts.join(' · ')}`));
}

RED.nodes.registerType<RobotProps>('dingtalk-robot', {
  category: 'config',
  defaults: {
    name: { value: '' },
    keywords: {
      value: '',
      validate: (v, _options) =>
        (v || '').split(/[\n,，、;；]+/).filter((k) => k.trim() !== '').length <= 10 ||
        t('validation.keywords'),
    },
    keywordMode: { value: 'prefix' },
    ratePerMinute: {
      value: 20,
      validate: (v, _options) => {
        const n = Number(v);
        return (v !== '' && Number.isFinite(n) && n >= 1) || t('validation.rate');
      },
    },
    digest: { value: true },
    pins: {
      value: '',
      validate: (v, _options) => {
        const problem = pinsProblem(v);
        return !problem || t(`reason.${problem}`);
      },
    },
  },
  credentials: {
    webhook: { type: 'password' },
    secret: { type: 'password' },
  },
  paletteLabel() {
    return this._('dingtalk-robot.paletteLabel');
  },
  label() {
    return this.name || this._('dingtalk-robot.paletteLabel');
  },
  oneditprepare() {
    if (this.digest === undefined) $('#node-config-input-digest').prop('checked', true);
    const refresh = () => {
      show($('#dingtalk-robot-webhook-hint'), webhookHint($('#node-config-input-webhook').val()));
      show($('#dingtalk-robot-secret-hint'), secretHint($('#node-config-input-secret').val()));
    };
    $('#node-config-input-webhook, #node-config-input-secret').on('input change', refresh);
    refresh();
    const button = $('#dingtalk-robot-test-button');
    button.on('click', () => {
      button.prop('disabled', true);
      $('#dingtalk-robot-test-result').removeClass('ok fail').show().text(t('test.sending'));
      postJson<TestAnswer>('dingtalk-robot/test', {
        id: this.id,
        webhook: $('#node-config-input-webhook').val(),
        secret: $('#node-config-input-secret').val(),
        keywords: $('#node-config-input-keywords').val(),
        pins: $('#node-config-input-pins').val(),
        text: t('test.message', { name: $('#node-config-input-name').val() || t('paletteLabel') }),
      })
        .then(showResult, (failure: AdminFailure) =>
          showResult({
            ok: false,
            reason: failure.status === 401 || failure.status === 403 ? 'not_permitted' : 'editor_error',
            detail: failure.detail,
          }),
        )
        .finally(() => button.prop('disabled', false));
    });
  },
});
