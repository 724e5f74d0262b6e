// What DingTalk checks in a custom robot's message body: one of the five webhook message types with the
// fields spelled exactly as DingTalk spells them (messageUrl/picUrl for link, messageURL/picURL for feedCard,
// singleURL/actionURL for actionCard), optional mentions, optional msgUuid. Hand-written on purpose (not the
// package's zod schemas), so that the stand-in disagrees with the package when the package is wrong.

export const MESSAGE_TYPES = ['text', 'markdown', 'link', 'actionCard', 'feedCard'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface Mentions {
  atMobiles: string[];
  atUserIds: string[];
  isAtAll: boolean;
}

export interface ValidMessage {
  msgtype: MessageType;
  /** The type's own object (`body.text`, `body.markdown`, …). */
  content: Record<string, unknown>;
  mentions: Mentions;
  msgUuid?: string;
}

export type Validation =
  | { ok: true; message: ValidMessage }
  | { ok: false; kind: 'unsupported'; detail: string }
  | { ok: false; kind: 'missing'; detail: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function missing(field: string): Validation {
  return { ok: false, kind: 'missing', detail: field };
}

function requireText(object: Json, fields: string[], prefix: string): string | undefined {
  for (const field of fields) if (!isText(object[field])) return `${prefix}.${field}`;
  return undefined;
}

function optionalText(object: Json, fields: string[], prefix: string): string | undefined {
  for (const field of fields) {
    if (object[field] !== undefined && typeof object[field] !== 'string') return `${prefix}.${field}`;
  }
  return undefined;
}

function checkContent(msgtype: MessageType, content: Json): string | undefined {
  switch (msgtype) {
    case 'text':
      return requireText(content, ['content'], 'text');
    case 'markdown':
      return requireText(content, ['title', 'text'], 'markdown');
    case 'link':
      return (
        requireText(content, ['title', 'text', 'messageUrl'], 'link') ??
        optionalText(content, ['picUrl'], 'link')
      );
    case 'actionCard': {
      const base =
        requireText(content, ['title', 'text'], 'actionCard') ??
        optionalText(content, ['singleTitle', 'singleURL', 'btnOrientation'], 'actionCard');
      if (base) return base;
      if (content.btnOrientation !== undefined && !['0', '1'].includes(content.btnOrientation as string)) {
        return 'actionCard.btnOrientation';
      }
      // A single button wins when both are given; otherwise the buttons must be complete.
      if (isText(content.singleTitle) || isText(content.singleURL)) {
        return requireText(content, ['singleTitle', 'singleURL'], 'actionCard');
      }
      const buttons = content.btns;
      if (!Array.isArray(buttons) || buttons.length === 0) return 'actionCard.singleTitle';
      for (const [index, button] of buttons.entries()) {
        if (!isObject(button)) return `actionCard.btns[${index}]`;
        const bad = requireText(button, ['title', 'actionURL'], `actionCard.btns[${index}]`);
        if (bad) return bad;
      }
      return undefined;
    }
    case 'feedCard': {
      const links = content.links;
      if (!Array.isArray(links) || links.length === 0) return 'feedCard.links';
      for (const [index, link] of links.entries()) {
        if (!isObject(link)) return `feedCard.links[${index}]`;
        const bad =
          requireText(link, ['title', 'messageURL'], `feedCard.links[${index}]`) ??
          optionalText(link, ['picURL'], `feedCard.links[${index}]`);
        if (bad) return bad;
      }
      return undefined;
    }
  }
}

function readMentions(at: unknown): Mentions | string {
  const mentions: Mentions = { atMobiles: [], atUserIds: [], isAtAll: false };
  if (at === undefined) return mentions;
  if (!isObject(at)) return 'at';
  for (const field of ['atMobiles', 'atUserIds'] as const) {
    const list = at[field];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return `at.${field}`;
    mentions[field] = list as string[];
  }
  if (at.isAtAll !== undefined) {
    if (typeof at.isAtAll !== 'boolean') return 'at.isAtAll';
    mentions.isAtAll = at.isAtAll;
  }
  return mentions;
}

/** Checks a parsed request body the way DingTalk does. */
export function validateMessage(body: unknown): Validation {
  if (!isObject(body)) return missing('json');
  const msgtype = body.msgtype;
  if (!isText(msgtype)) return missing('msgtype');
  if (!(MESSAGE_TYPES as readonly string[]).includes(msgtype)) {
    return { ok: false, kind: 'unsupported', detail: msgtype };
  }
  const type = msgtype as MessageType;
  const content = body[type];
  if (!isObject(content)) return missing(type);
  const bad = checkContent(type, content);
  if (bad) return missing(bad);
  const mentions = readMentions(body.at);
  if (typeof mentions === 'string') return missing(mentions);
  if (body.msgUuid !== undefined && typeof body.msgUuid !== 'string') return missing('msgUuid');
  const message: ValidMessage = { msgtype: type, content, mentions };
  if (typeof body.msgUuid === 'string') message.msgUuid = body.msgUuid;
  return { ok: true, message };
}

/** The words a keyword can be found in: every text a reader sees (titles, texts, button titles), not URLs. */
export function visibleText(message: ValidMessage): string {
  const { content } = message;
  const parts: unknown[] = [];
  switch (message.msgtype) {
    case 'text':
      parts.push(content.content);
      break;
    case 'markdown':
    case 'link':
      parts.push(content.title, content.text);
      break;
    case 'actionCard':
      parts.push(content.title, content.text, content.singleTitle);
      if (Array.isArray(content.btns)) for (const button of content.btns as Json[]) parts.push(button.title);
      break;
    case 'feedCard':
      for (const link of content.links as Json[]) parts.push(link.title);
      break;
  }
  return parts.filter((part): part is string => typeof part === 'string').join('\n');
}

/** True when the robot has no keywords or the message shows one of them. */
export function hasKeyword(message: ValidMessage, keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true;
  const text = visibleText(message);
  return keywords.some((keyword) => text.includes(keyword));
}
