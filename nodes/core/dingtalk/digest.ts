import { escapeMarkdownValue } from './escape';
import type { Mentions } from './mentions';
import type { At, DingTalkMessage, MarkdownMessage } from './schema';
import { MAX_MENTIONS } from './schema';
import { MAX_BODY_BYTES, MSG_UUID_BYTES } from './size';

/** One waiting alert as it appears in a digest: a single markdown line, and whom it mentions. */
export interface DigestEntry {
  /** The alert's id (so every alert is accounted for). */
  id: string;
  /** The alert as one markdown line (untrusted parts already escaped). */
  line: string;
  at?: At;
}

/** How digests are laid out. */
export interface DigestOptions {
  /** Body limit in bytes (default 20,000), msgUuid included. */
  maxBytes?: number;
  /** The robot's keywords: the digest heading starts with the first unless the heading holds one. */
  keywords?: readonly string[];
  /** The heading for `count` alerts (default "`count` alerts"); adapters pass a translated one. */
  heading?: (count: number) => string;
  /** Longer lines are cut (with "…") to this many bytes, so a big backlog fits in few messages. */
  maxEntryBytes?: number;
}

/** One digest: a markdown message and the alerts it carries (ids in order). */
export interface Digest {
  message: MarkdownMessage;
  ids: string[];
  /** Body bytes including the msgUuid the dispatcher adds. */
  bytes: number;
}

const ENTRY_SEPARATOR = '\n\n';
/** Room kept for heading and mentions when capping an entry. */
const RESERVE_BYTES = 2_500;

const jsonBytes = (s: string) => Buffer.byteLength(JSON.stringify(s), 'utf8') - 2;
const URL_ESCAPES: Record<string, string> = {
  '(': '%28',
  ')': '%29',
  '<': '%3C',
  '>': '%3E',
  '[': '%5B',
  ']': '%5D',
};
const safeUrl = (u: string) => u.replace(/[()<>[\]]/g, (c) => URL_ESCAPES[c] ?? c).replace(/\s/g, '%20');

/** Flattens markdown to one line: drops line-start heading, quote and list markers, joins lines with " · ". */
function flatten(markdown: string): string {
  return markdown
    .split(/\r?\n/)
    .map((l) =>
      l
        .trim()
        .replace(/^(#{1,6}\s+|>\s*|[-+*]\s+|\d+[.)]\s+)+/, '')
        .trim(),
    )
    .filter((l) => l !== '' && !/^([-*_=]\s*){3,}$/.test(l))
    .join(' · ');
}

/** Builds an alert's digest line from its message. Text content is escaped; markdown is kept, flattened. */
export function digestEntryFor(id: string, message: DingTalkMessage): DigestEntry {
  let line: string;
  switch (message.msgtype) {
    case 'text':
      line = escapeMarkdownValue(message.text.content);
      break;
    case 'markdown':
      line = flatten(message.markdown.text) || escapeMarkdownValue(message.markdown.title);
      break;
    case 'link':
      line = `[${escapeMarkdownValue(message.link.title)}](${safeUrl(message.link.messageUrl)}) ${escapeMarkdownValue(message.link.text)}`;
      break;
    case 'actionCard': {
      const card = message.actionCard;
      const buttons =
        card.singleTitle !== undefined && card.singleURL !== undefined
          ? [{ title: card.singleTitle, actionURL: card.singleURL }]
          : (card.btns ?? []);
      const links = buttons
        .map((b) => `[${escapeMarkdownValue(b.title)}](${safeUrl(b.actionURL)})`)
        .join(' ');
      line = `**${escapeMarkdownValue(card.title)}** ${flatten(card.text)}${links ? ` ${links}` : ''}`;
      break;
    }
    case 'feedCard':
      line = message.feedCard.links
        .map((l) => `[${escapeMarkdownValue(l.title)}](${safeUrl(l.messageURL)})`)
        .join(' · ');
      break;
  }
  const entry: DigestEntry = { id, line: line.trim() };
  if (message.at && (message.msgtype === 'text' || message.msgtype === 'markdown')) entry.at = message.at;
  return entry;
}

/** Cuts a line to at most `maxBytes` JSON-escaped bytes, on a character boundary, ending with "…". */
function capLine(line: string, maxBytes: number): string {
  if (jsonBytes(line) <= maxBytes) return line;
  const budget = Math.max(0, maxBytes - 3);
  let used = 0;
  let out = '';
  for (const ch of line) {
    const b = jsonBytes(ch);
    if (used + b > budget) break;
    out += ch;
    used += b;
  }
  // never end on a lone escape, nor inside an unclosed link or bold
  out = out.replace(/\\+$/, (m) => (m.length % 2 === 1 ? m.slice(1) : m));
  const lastOpen = out.lastIndexOf('[');
  if (lastOpen >= 0 && !/\]\([^)]*\)/.test(out.slice(lastOpen))) out = out.slice(0, lastOpen);
  if ((out.match(/\*\*/g) ?? []).length % 2 === 1) out = out.slice(0, out.lastIndexOf('**'));
  return `${out.trimEnd()}…`;
}

interface Layout {
  heading: (count: number) => string;
  keyword: string | undefined;
  maxBytes: number;
  maxEntryBytes: number;
}

function layout(options: DigestOptions): Layout {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const keywords = options.keywords ?? [];
  return {
    heading: options.heading ?? ((n) => `${n} alerts`),
    keyword: keywords[0],
    maxBytes,
    maxEntryBytes: Math.max(
      60,
      Math.min(options.maxEntryBytes ?? Number.POSITIVE_INFINITY, maxBytes - RESERVE_BYTES),
    ),
  };
}

function headingText(l: Layout, count: number): { title: string; heading: string } {
  let title = l.heading(count).replace(/[\r\n]+/g, ' ');
  if (l.keyword !== undefined && !title.includes(l.keyword)) title = `【${l.keyword}】 ${title}`;
  return { title, heading: `#### ${title}` };
}

function mergeAt(entries: DigestEntry[]): Mentions {
  const m: Mentions = { atMobiles: [], atUserIds: [], isAtAll: false };
  for (const e of entries) {
    for (const x of e.at?.atMobiles ?? []) {
      if (m.atMobiles.length + m.atUserIds.length < MAX_MENTIONS && !m.atMobiles.includes(x))
        m.atMobiles.push(x);
    }
    for (const x of e.at?.atUserIds ?? []) {
      if (m.atMobiles.length + m.atUserIds.length < MAX_MENTIONS && !m.atUserIds.includes(x))
        m.atUserIds.push(x);
    }
    if (e.at?.isAtAll) m.isAtAll = true;
  }
  return m;
}

function compose(l: Layout, entries: DigestEntry[], lines: string[]): MarkdownMessage {
  const { title, heading } = headingText(l, entries.length);
  const at = mergeAt(entries);
  const people = [...at.atMobiles, ...at.atUserIds];
  let text = [heading, ...lines.map((s) => `- ${s}`)].join(ENTRY_SEPARATOR);
  if (people.length > 0) text += `${ENTRY_SEPARATOR}${people.map((p) => `@${p}`).join(' ')}`;
  const message: MarkdownMessage = { msgtype: 'markdown', markdown: { title, text } };
  if (people.length > 0 || at.isAtAll) {
    const a: At = {};
    if (at.atMobiles.length > 0) a.atMobiles = at.atMobiles;
    if (at.atUserIds.length > 0) a.atUserIds = at.atUserIds;
    if (at.isAtAll) a.isAtAll = true;
    message.at = a;
  }
  return message;
}

const sizeOf = (m: MarkdownMessage) => Buffer.byteLength(JSON.stringify(m), 'utf8') + MSG_UUID_BYTES;

/**
 * Packs as many entries from the head of `entries` as fit into one markdown digest within the byte limit
 * (at least one: a line too long is cut). Entries keep their order; the digest lists their ids.
 */
export function packDigest(entries: readonly DigestEntry[], options: DigestOptions = {}): Digest {
  const l = layout(options);
  const base = sizeOf(compose(l, [], [])) + 8; // heading digits grow a little
  const taken: DigestEntry[] = [];
  const lines: string[] = [];
  let estimate = base;
  for (const entry of entries) {
    const line = capLine(entry.line, l.maxEntryBytes);
    let cost = jsonBytes(`${ENTRY_SEPARATOR}- ${line}`);
    for (const p of [...(entry.at?.atMobiles ?? []), ...(entry.at?.atUserIds ?? [])])
      cost += 2 * jsonBytes(p) + 6;
    if (taken.length > 0 && estimate + cost > l.maxBytes) break;
    taken.push(entry);
    lines.push(line);
    estimate += cost;
  }
  let message = compose(l, taken, lines);
  let bytes = sizeOf(message);
  while (bytes > l.maxBytes && taken.length > 1) {
    taken.pop();
    lines.pop();
    message = compose(l, taken, lines);
    bytes = sizeOf(message);
  }
  if (bytes > l.maxBytes && taken.length === 1 && lines[0] !== undefined) {
    // a single entry with many mentions: cut its line until it fits
    const over = bytes - l.maxBytes;
    lines[0] = capLine(lines[0], Math.max(0, jsonBytes(lines[0]) - over - 8));
    message = compose(l, taken, lines);
    bytes = sizeOf(message);
  }
  return { message, ids: taken.map((e) => e.id), bytes };
}

/** Packs all entries into as few digests as the byte limit allows, in order. */
export function packDigests(entries: readonly DigestEntry[], options: DigestOptions = {}): Digest[] {
  const out: Digest[] = [];
  let rest = entries;
  while (rest.length > 0) {
    const digest = packDigest(rest, options);
    out.push(digest);
    rest = rest.slice(digest.ids.length);
  }
  return out;
}
