/**
 * Escaping for values inserted into templates. Only inserted values are escaped: the template author's own
 * text is left alone. The aim is that event data can never add a mention, a link, an image, HTML or
 * formatting, whatever DingTalk's markdown renderer does with backslash escapes: link and HTML brackets and
 * `@` become their full-width look-alikes (［ ］ ＜ ＞ ＠), which no renderer treats as syntax; inline markers
 * are backslash-escaped; line breaks collapse to spaces so a value cannot start a heading, list or quote.
 */

/** How a template field's inserted values are escaped. */
export type EscapeMode = 'markdown' | 'text' | 'url' | 'none';

const FULL_WIDTH: Record<string, string> = {
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
  '@': '＠',
};

/** Escapes a value for a markdown field (markdown text, actionCard text, digests). */
export function escapeMarkdownValue(value: string): string {
  let s = value.replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ');
  s = s.replace(/[\\`*_~|]/g, '\\$&');
  s = s.replace(/[[\]<>@]/g, (c) => FULL_WIDTH[c] ?? c);
  // bare links that a client might turn clickable
  s = s.replace(/:\/\//g, ':\u200b//').replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u200b.`);
  // line-start syntax, should the value land at the start of a line
  s = s.replace(/^(\s*)([#+=-])/, '$1\\$2').replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
  return s;
}

/** Escapes a value for a plain-text field (text content, titles): it cannot mention anyone. */
export function escapeTextValue(value: string): string {
  return value.replace(/@/g, '＠');
}

/** Escapes a value inserted into a URL field: percent-encoded, so it stays one path or query component. */
export function escapeUrlValue(value: string): string {
  return encodeURIComponent(value);
}

/** The escape function for a mode. */
export function escaperFor(mode: EscapeMode): (value: string) => string {
  switch (mode) {
    case 'markdown':
      return escapeMarkdownValue;
    case 'text':
      return escapeTextValue;
    case 'url':
      return escapeUrlValue;
    default:
      return (v) => v;
  }
}
