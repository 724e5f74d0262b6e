import type { EscapeMode } from './escape';
import { applyKeywordGuard, type KeywordMode } from './keywords';
import { applyMentions, type Mentions, mentionsFromMsg, mergeMentions } from './mentions';
import { type Problem, problem } from './reasons';
import { type DingTalkMessage, type MessageType, validateMessage } from './schema';
import { bodyBytes, checkBodySize, MAX_BODY_BYTES } from './size';
import { checkTemplate, renderTemplate } from './template';

/** One actionCard button in the editor: title and link, both templates. */
export interface TemplateButton {
  title: string;
  actionURL: string;
}

/** One feedCard entry in the editor: title and links, all templates. */
export interface TemplateFeedLink {
  title: string;
  messageURL: string;
  picURL: string;
}

/**
 * The message a dingtalk-send node builds from its form. Every string is a mustache template over the msg.
 * `text` is the text content (text), the markdown text (markdown, actionCard) or the description (link).
 */
export interface MessageTemplate {
  type: MessageType;
  title?: string;
  text?: string;
  /** link: where the card leads. */
  messageUrl?: string;
  /** link: optional picture. */
  picUrl?: string;
  /** actionCard with one button. */
  singleTitle?: string;
  singleURL?: string;
  /** actionCard with several buttons (used when singleTitle is empty). */
  btns?: TemplateButton[];
  /** actionCard: '0' buttons stacked, '1' side by side. */
  btnOrientation?: '0' | '1';
  /** feedCard entries. */
  links?: TemplateFeedLink[];
}

/** A dingtalk-send node's settings that shape the message. */
export interface SendConfig {
  /** 'template': built from `template`; 'payload': msg.payload is the whole DingTalk message. */
  source: 'template' | 'payload';
  template?: MessageTemplate;
  /** Mentions from the form. */
  mentions?: Partial<Mentions>;
  /** Also take mentions from msg.at (default true). */
  mentionsFromMsg?: boolean;
  /** The robot's keywords (from the dingtalk-robot config). */
  keywords?: readonly string[];
  /** A message without a keyword is prefixed (default) or refused. */
  keywordMode?: KeywordMode;
  maxBodyBytes?: number;
}

/** A built message ready for the dispatcher, or the reason it cannot be sent. */
export type BuildResult =
  | { ok: true; message: DingTalkMessage; bytes: number; warnings: Problem[]; keywordPrefixed: boolean }
  | { ok: false; problem: Problem };

type Field = [path: string, template: string | undefined, mode: EscapeMode];

function templateFields(t: MessageTemplate): Field[] {
  switch (t.type) {
    case 'text':
      return [['text.content', t.text, 'text']];
    case 'markdown':
      return [
        ['markdown.title', t.title, 'text'],
        ['markdown.text', t.text, 'markdown'],
      ];
    case 'link':
      return [
        ['link.title', t.title, 'text'],
        ['link.text', t.text, 'text'],
        ['link.messageUrl', t.messageUrl, 'url'],
        ['link.picUrl', t.picUrl, 'url'],
      ];
    case 'actionCard': {
      const fields: Field[] = [
        ['actionCard.title', t.title, 'text'],
        ['actionCard.text', t.text, 'markdown'],
      ];
      if (t.singleTitle?.trim()) {
        fields.push(
          ['actionCard.singleTitle', t.singleTitle, 'text'],
          ['actionCard.singleURL', t.singleURL, 'url'],
        );
      } else {
        (t.btns ?? []).forEach((b, i) => {
          fields.push([`actionCard.btns[${i}].title`, b.title, 'text']);
          fields.push([`actionCard.btns[${i}].actionURL`, b.actionURL, 'url']);
        });
      }
      return fields;
    }
    case 'feedCard':
      return (t.links ?? []).flatMap((l, i): Field[] => [
        [`feedCard.links[${i}].title`, l.title, 'text'],
        [`feedCard.links[${i}].messageURL`, l.messageURL, 'url'],
        [`feedCard.links[${i}].picURL`, l.picURL, 'url'],
      ]);
  }
}

const WHOLE_PLACEHOLDER = /^\s*\{\{[{&]?\s*[^{}\s#^/!>=]+\s*\}?\}\}\s*$/;

/** Renders a template message over the msg; optional fields that render empty are left out. */
function renderMessage(t: MessageTemplate, msg: unknown): DingTalkMessage | Problem {
  const out: Record<string, string> = {};
  for (const [path, template, mode] of templateFields(t)) {
    if (template === undefined || template === '') continue;
    // a URL field that is one placeholder takes a whole link from the msg (the schema still checks it)
    const whole = mode === 'url' && WHOLE_PLACEHOLDER.test(template);
    try {
      const value = renderTemplate(template, msg, whole ? 'none' : mode).trim();
      if (value !== '') out[path] = value;
    } catch (err) {
      return problem('template_error', { path, detail: err instanceof Error ? err.message : String(err) });
    }
  }
  const get = (path: string) => out[path];
  const opt = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
    value === undefined ? {} : ({ [key]: value } as Record<K, string>);
  switch (t.type) {
    case 'text':
      return { msgtype: 'text', text: { content: get('text.content') ?? '' } };
    case 'markdown':
      return {
        msgtype: 'markdown',
        markdown: { title: get('markdown.title') ?? '', text: get('markdown.text') ?? '' },
      };
    case 'link':
      return {
        msgtype: 'link',
        link: {
          title: get('link.title') ?? '',
          text: get('link.text') ?? '',
          messageUrl: get('link.messageUrl') ?? '',
          ...opt('picUrl', get('link.picUrl')),
        },
      };
    case 'actionCard': {
      const card = {
        title: get('actionCard.title') ?? '',
        text: get('actionCard.text') ?? '',
        ...(t.btnOrientation ? { btnOrientation: t.btnOrientation } : {}),
      };
      if (t.singleTitle?.trim()) {
        return {
          msgtype: 'actionCard',
          actionCard: {
            ...card,
            singleTitle: get('actionCard.singleTitle') ?? '',
            singleURL: get('actionCard.singleURL') ?? '',
          },
        };
      }
      const btns = (t.btns ?? []).map((_, i) => ({
        title: get(`actionCard.btns[${i}].title`) ?? '',
        actionURL: get(`actionCard.btns[${i}].actionURL`) ?? '',
      }));
      return { msgtype: 'actionCard', actionCard: { ...card, btns } };
    }
    case 'feedCard':
      return {
        msgtype: 'feedCard',
        feedCard: {
          links: (t.links ?? []).map((_, i) => ({
            title: get(`feedCard.links[${i}].title`) ?? '',
            messageURL: get(`feedCard.links[${i}].messageURL`) ?? '',
            picURL: get(`feedCard.links[${i}].picURL`) ?? '',
          })),
        },
      };
  }
}

function isProblem(value: DingTalkMessage | Problem): value is Problem {
  return 'code' in value && 'text' in value;
}

/**
 * Turns a node's form config and a msg into the DingTalk message body: render the template (or validate
 * msg.payload), add mentions (form + msg.at + the payload's own), apply the keyword guard, validate with the
 * schema and check the 20,000-byte limit. Never throws.
 */
export function buildMessage(config: SendConfig, msg: unknown): BuildResult {
  let message: DingTalkMessage;
  if (config.source === 'payload') {
    const payload =
      typeof msg === 'object' && msg !== null ? (msg as { payload?: unknown }).payload : undefined;
    const checked = validateMessage(payload);
    if (!checked.ok) return checked;
    message = checked.message;
  } else {
    if (!config.template)
      return { ok: false, problem: problem('invalid_message', { path: 'msgtype', detail: 'no template' }) };
    const rendered = renderMessage(config.template, msg);
    if (isProblem(rendered)) return { ok: false, problem: rendered };
    message = rendered;
  }
  const fromMsg = config.mentionsFromMsg === false ? undefined : mentionsFromMsg(msg);
  const mentions = mergeMentions(config.mentions, fromMsg, message.at);
  const mentioned = applyMentions(message, mentions);
  const guarded = applyKeywordGuard(mentioned.message, config.keywords ?? [], config.keywordMode ?? 'prefix');
  if (!guarded.ok) return guarded;
  const valid = validateMessage(guarded.message);
  if (!valid.ok) return valid;
  const tooBig = checkBodySize(valid.message, config.maxBodyBytes ?? MAX_BODY_BYTES);
  if (tooBig) return { ok: false, problem: tooBig };
  return {
    ok: true,
    message: valid.message,
    bytes: bodyBytes(valid.message),
    warnings: mentioned.warnings,
    keywordPrefixed: guarded.prefixed,
  };
}

/**
 * Checks a node's settings before any message arrives (for the editor and the node's status): template
 * syntax, the fields the type needs, mention count. Returns the problems found, empty when fine.
 */
export function checkSendConfig(config: SendConfig): Problem[] {
  const problems: Problem[] = [];
  if (config.source === 'payload') return problems;
  const t = config.template;
  if (!t) return [problem('invalid_message', { path: 'msgtype', detail: 'no message type chosen' })];
  const fields = templateFields(t);
  const optional = new Set(['link.picUrl']);
  for (const [path, template] of fields) {
    if (template === undefined || template.trim() === '') {
      if (!optional.has(path))
        problems.push(problem('invalid_message', { path, detail: `${path} is required` }));
      continue;
    }
    const bad = checkTemplate(template, path);
    if (bad) problems.push(bad);
  }
  if (t.type === 'actionCard' && !t.singleTitle?.trim() && (t.btns ?? []).length === 0) {
    problems.push(problem('invalid_message', { path: 'actionCard.btns', detail: 'add a button' }));
  }
  if (t.type === 'feedCard' && (t.links ?? []).length === 0) {
    problems.push(problem('invalid_message', { path: 'feedCard.links', detail: 'add a link' }));
  }
  const m = mergeMentions(config.mentions);
  if (m.atMobiles.length + m.atUserIds.length > 50) {
    problems.push(
      problem('too_many_mentions', { detail: `${m.atMobiles.length + m.atUserIds.length} people` }),
    );
  }
  return problems;
}
