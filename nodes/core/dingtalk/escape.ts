/**
 * Escaping for values inserted into templates. Only inserted values are escaped: the template author's own
 * text is left alone. The aim is that event data can never add a mention, a link, an image, HTML or
 * formatting, whatever DingTalk's markdown renderer does with backslash escapes: link and HTML brackets and
 * `@` become their full-width look-alikes (［ ］ ＜ ＞ ＠), which no renderer treats as syntax; inline markers
 * are backslash-escaped; line breaks collapse to spaces so a value cannot start a heading, list or quote.
 * In markdown, a value is escaped for where it lands: inside an author's link target `[open]({{url}})` it is
 * percent-encoded instead (a backslash or a full-width bracket would break the address), so that it can
 * neither end the link early nor lose its `_`.
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

/**
 * Where a value lands in markdown, judged from the author's text before it: plain text, the text of a link
 * `[…]`, right after a link text's `]`, or the target `(…)` of a link or image: at its start (the value is
 * the whole link) or further in (the value is a part of it).
 */
export type MarkdownSpot = 'text' | 'linkText' | 'afterLinkText' | 'urlStart' | 'url';

/**
 * Follows the author's markdown text as a template renders, to tell each inserted value its spot. Only the
 * author's text moves it: inserted values are escaped for their spot, so they can neither open nor close a
 * link. Backslash-escaped brackets are text, as in markdown.
 */
export class MarkdownContext {
  private state: 'text' | 'linkText' | 'afterLinkText' | 'url' = 'text';
  private depth = 0;
  private urlEmpty = false;
  private escaped = false;

  /** The spot for a value inserted now. */
  spot(): MarkdownSpot {
    if (this.state === 'url') return this.urlEmpty ? 'urlStart' : 'url';
    return this.state;
  }

  /** Notes a value inserted at the current spot (a link target is no longer at its start). */
  inserted(value: string): void {
    if (value === '') return;
    if (this.state === 'url') this.urlEmpty = false;
    else if (this.state === 'afterLinkText') this.state = 'text';
  }

  /** Reads the author's text. */
  feed(text: string): void {
    for (const c of text) {
      if (this.escaped) {
        this.escaped = false;
        if (this.state === 'afterLinkText') this.state = 'text';
        else if (this.state === 'url') this.urlEmpty = false;
        continue;
      }
      if (c === '\\') {
        this.escaped = true;
        continue;
      }
      this.step(c);
    }
  }

  private step(c: string): void {
    switch (this.state) {
      case 'text':
        if (c === '[') [this.state, this.depth] = ['linkText', 1];
        return;
      case 'linkText':
        if (c === '[') this.depth++;
        else if (c === ']' && --this.depth === 0) this.state = 'afterLinkText';
        return;
      case 'afterLinkText':
        if (c === '(') [this.state, this.depth, this.urlEmpty] = ['url', 1, true];
        else {
          this.state = 'text';
          this.step(c);
        }
        return;
      case 'url':
        this.urlEmpty = false;
        if (c === '(') this.depth++;
        else if (c === ')' && --this.depth === 0) this.state = 'text';
        return;
    }
  }
}

/** Characters a link target keeps as they are: RFC 3986's unreserved and delimiters, without ( ) [ ] and @. */
const URL_SAFE = /[A-Za-z0-9\-._~:/?#!$&'*+,;=%]/;
/** A whole link a value may supply: the same schemes the link fields accept. */
const LINK_SCHEME = /^(https?|dingtalk):\/\//i;

/** Percent-encodes every character of `value` that `keep` does not match (UTF-8 bytes). */
function percentEncode(value: string, keep: (c: string) => boolean): string {
  let out = '';
  for (const c of value) out += keep(c) ? c : encodeURIComponent(c).replace(/[!'()*]/g, hexEscape);
  return out;
}

function hexEscape(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * Escapes a value for a link target in markdown. At the target's start an http(s):// or dingtalk:// value
 * is the whole link and keeps its `:/?#&=_` (only what could end the target or the markdown is encoded);
 * anything else is one component, percent-encoded whole, `( ) _` included. `_` and `*` are never
 * backslash-escaped in a link: a backslash would become part of the address.
 */
export function escapeMarkdownUrl(value: string, wholeLink: boolean): string {
  if (wholeLink && LINK_SCHEME.test(value.trim()))
    return percentEncode(value.trim(), (c) => URL_SAFE.test(c));
  return percentEncode(value, (c) => /[A-Za-z0-9\-._~]/.test(c));
}

/** Escapes a value for where it lands in markdown (see MarkdownContext). */
export function escapeMarkdownAt(value: string, spot: MarkdownSpot): string {
  switch (spot) {
    case 'urlStart':
      return escapeMarkdownUrl(value, true);
    case 'url':
      return escapeMarkdownUrl(value, false);
    case 'afterLinkText':
      // right after `]`, a `(` would make the value the author's link target
      return escapeMarkdownValue(value).replace(/^\(/, '（');
    default:
      return escapeMarkdownValue(value);
  }
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
