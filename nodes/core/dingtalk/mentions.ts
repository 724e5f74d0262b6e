import { type Problem, problem } from './reasons';
import { type At, type DingTalkMessage, MAX_MENTIONS } from './schema';

/** Who a message mentions. */
export interface Mentions {
  atMobiles: string[];
  atUserIds: string[];
  isAtAll: boolean;
}

/** Splits a form field ("138…, 139…" or one a line) or an array into trimmed, non-empty, unique strings. */
export function parseMentionList(value: unknown): string[] {
  const items: unknown[] = Array.isArray(value)
    ? value
    : typeof value === 'string' || typeof value === 'number'
      ? String(value).split(/[\s,;，；、]+/)
      : [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') continue;
    const s = String(item).trim().replace(/^@/, '');
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}

/** Merges mention sets (form, msg, payload): the union of people, everyone if any asks for everyone. */
export function mergeMentions(...parts: (Partial<Mentions> | At | undefined)[]): Mentions {
  const out: Mentions = { atMobiles: [], atUserIds: [], isAtAll: false };
  for (const part of parts) {
    if (!part) continue;
    for (const m of parseMentionList(part.atMobiles)) if (!out.atMobiles.includes(m)) out.atMobiles.push(m);
    for (const u of parseMentionList(part.atUserIds)) if (!out.atUserIds.includes(u)) out.atUserIds.push(u);
    if (part.isAtAll === true) out.isAtAll = true;
  }
  return out;
}

/**
 * Mentions carried by a Node-RED msg: `msg.at` = { atMobiles | mobiles, atUserIds | userIds, isAtAll | all },
 * lists as arrays or comma-separated strings.
 */
export function mentionsFromMsg(msg: unknown): Partial<Mentions> | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const at = (msg as { at?: unknown }).at;
  if (typeof at !== 'object' || at === null) return undefined;
  const a = at as Record<string, unknown>;
  return {
    atMobiles: parseMentionList(a.atMobiles ?? a.mobiles),
    atUserIds: parseMentionList(a.atUserIds ?? a.userIds),
    isAtAll: a.isAtAll === true || a.all === true,
  };
}

function mentionsText(text: string, people: string[]): string {
  const missing = people.filter(
    (p) => !new RegExp(`@${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`).test(text),
  );
  return missing.map((p) => `@${p}`).join(' ');
}

/**
 * Sets the message's `at` block and, for text and markdown (the only types DingTalk notifies from), appends
 * the `@mobile` / `@userId` text DingTalk needs in the content. At most 50 people: the rest are dropped with
 * a `too_many_mentions` warning. Other message types cannot mention anyone: their `at` is removed.
 */
export function applyMentions(
  message: DingTalkMessage,
  mentions: Mentions,
): { message: DingTalkMessage; warnings: Problem[] } {
  const warnings: Problem[] = [];
  let mobiles = mentions.atMobiles;
  let userIds = mentions.atUserIds;
  if (mobiles.length + userIds.length > MAX_MENTIONS) {
    warnings.push(problem('too_many_mentions', { detail: `${mobiles.length + userIds.length} people` }));
    mobiles = mobiles.slice(0, MAX_MENTIONS);
    userIds = userIds.slice(0, MAX_MENTIONS - mobiles.length);
  }
  const none = mobiles.length === 0 && userIds.length === 0 && !mentions.isAtAll;
  if (message.msgtype !== 'text' && message.msgtype !== 'markdown') {
    if (message.at === undefined) return { message, warnings };
    const { at: _dropped, ...rest } = message;
    return { message: rest as DingTalkMessage, warnings };
  }
  if (none) {
    if (message.at === undefined) return { message, warnings };
    const { at: _dropped, ...rest } = message;
    return { message: rest as DingTalkMessage, warnings };
  }
  const at: At = {};
  if (mobiles.length > 0) at.atMobiles = mobiles;
  if (userIds.length > 0) at.atUserIds = userIds;
  if (mentions.isAtAll) at.isAtAll = true;
  const people = [...mobiles, ...userIds];
  if (message.msgtype === 'text') {
    const suffix = mentionsText(message.text.content, people);
    const content = suffix ? `${message.text.content} ${suffix}` : message.text.content;
    return { message: { ...message, text: { content }, at }, warnings };
  }
  const suffix = mentionsText(message.markdown.text, people);
  const text = suffix ? `${message.markdown.text}\n\n${suffix}` : message.markdown.text;
  return { message: { ...message, markdown: { ...message.markdown, text }, at }, warnings };
}
