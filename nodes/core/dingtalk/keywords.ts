import { type Problem, problem } from './reasons';
import type { DingTalkMessage } from './schema';

/** What to do with a message that holds none of the robot's keywords. */
export type KeywordMode = 'prefix' | 'refuse';

/** Splits the robot's keyword setting (comma, newline or 、-separated) into at most 10 keywords. */
export function parseKeywords(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\n,，、;；]+/) : [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const k = item.trim();
    if (k !== '' && !out.includes(k)) out.push(k);
  }
  return out.slice(0, 10);
}

/**
 * The text DingTalk's keyword check is held against, conservatively: the message body (text content, the
 * markdown / link / actionCard text, the feedCard link titles). A keyword only in a title does not count.
 */
export function messageText(message: DingTalkMessage): string {
  switch (message.msgtype) {
    case 'text':
      return message.text.content;
    case 'markdown':
      return message.markdown.text;
    case 'link':
      return message.link.text;
    case 'actionCard':
      return message.actionCard.text;
    case 'feedCard':
      return message.feedCard.links.map((l) => l.title).join('\n');
  }
}

/** Puts `prefix` at the start of a markdown text, inside a leading heading if there is one. */
function prefixMarkdown(text: string, prefix: string): string {
  const heading = /^(\s*#{1,6}\s+)/.exec(text);
  if (heading?.[1]) return `${heading[1]}${prefix}${text.slice(heading[1].length)}`;
  return `${prefix}${text}`;
}

/**
 * With keywords set, a message whose body holds none is either prefixed with the first keyword ("【ALERT】 ")
 * or refused (`keyword_refused`), so DingTalk never silently drops it.
 */
export function applyKeywordGuard(
  message: DingTalkMessage,
  keywords: readonly string[],
  mode: KeywordMode,
): { ok: true; message: DingTalkMessage; prefixed: boolean } | { ok: false; problem: Problem } {
  if (keywords.length === 0) return { ok: true, message, prefixed: false };
  const body = messageText(message);
  if (keywords.some((k) => body.includes(k))) return { ok: true, message, prefixed: false };
  if (mode === 'refuse') {
    return { ok: false, problem: problem('keyword_refused', { detail: `keywords: ${keywords.join(', ')}` }) };
  }
  const prefix = `【${keywords[0]}】 `;
  switch (message.msgtype) {
    case 'text':
      return {
        ok: true,
        prefixed: true,
        message: { ...message, text: { content: prefix + message.text.content } },
      };
    case 'markdown':
      return {
        ok: true,
        prefixed: true,
        message: {
          ...message,
          markdown: { ...message.markdown, text: prefixMarkdown(message.markdown.text, prefix) },
        },
      };
    case 'link':
      return {
        ok: true,
        prefixed: true,
        message: { ...message, link: { ...message.link, text: prefix + message.link.text } },
      };
    case 'actionCard':
      return {
        ok: true,
        prefixed: true,
        message: {
          ...message,
          actionCard: { ...message.actionCard, text: prefixMarkdown(message.actionCard.text, prefix) },
        },
      };
    case 'feedCard': {
      const [first, ...rest] = message.feedCard.links;
      if (!first) return { ok: true, message, prefixed: false };
      return {
        ok: true,
        prefixed: true,
        message: { ...message, feedCard: { links: [{ ...first, title: prefix + first.title }, ...rest] } },
      };
    }
  }
}
