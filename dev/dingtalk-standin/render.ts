// Renders accepted messages roughly as a DingTalk group shows them, for the stand-in's web page: the Markdown
// subset DingTalk supports (headings, quotes, bold, italic, links, images, lists), cards for link, actionCard
// and feedCard, and mentions highlighted only where DingTalk would notify someone (listed AND written in the
// content). Everything from the message is HTML-escaped first: the page must not run what a template produced.
import type { Mentions, ValidMessage } from './messages';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Only web and DingTalk links become clickable; anything else (javascript:, data:) stays text. */
function safeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  return /^(https?:|dingtalk:)/i.test(trimmed) ? trimmed : undefined;
}

function inline(text: string): string {
  let html = escapeHtml(text);
  html = html.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (whole, alt: string, url: string) => {
    const safe = safeUrl(url.replace(/&amp;/g, '&'));
    return safe ? `<img alt="${alt}" src="${escapeHtml(safe)}">` : whole;
  });
  html = html.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => {
    const safe = safeUrl(url.replace(/&amp;/g, '&'));
    return safe ? `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener">${label}</a>` : whole;
  });
  html = html.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  html = html.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  html = html.replace(/(^|\s)_([^_\s][^_]*)_/g, '$1<em>$2</em>');
  return html;
}

/** DingTalk's Markdown subset. A single newline does not break a line (as on most DingTalk clients). */
export function renderMarkdown(text: string): string {
  const out: string[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const first = lines[0] as string;
    if (first.startsWith('```')) {
      const code = lines.slice(1, lines.at(-1)?.startsWith('```') ? -1 : undefined).join('\n');
      out.push(`<pre>${escapeHtml(code)}</pre>`);
      continue;
    }
    let index = 0;
    while (index < lines.length) {
      const line = lines[index] as string;
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) {
        const level = (heading[1] as string).length;
        out.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
        index++;
        continue;
      }
      const listKind = /^\s*[-*+]\s+/.test(line) ? 'ul' : /^\s*\d+[.)]\s+/.test(line) ? 'ol' : undefined;
      if (listKind) {
        const marker = listKind === 'ul' ? /^\s*[-*+]\s+/ : /^\s*\d+[.)]\s+/;
        const items: string[] = [];
        while (index < lines.length && marker.test(lines[index] as string)) {
          items.push(`<li>${inline((lines[index] as string).replace(marker, ''))}</li>`);
          index++;
        }
        out.push(`<${listKind}>${items.join('')}</${listKind}>`);
        continue;
      }
      if (line.startsWith('>')) {
        const quoted: string[] = [];
        while (index < lines.length && (lines[index] as string).startsWith('>')) {
          quoted.push((lines[index] as string).replace(/^>\s?/, ''));
          index++;
        }
        out.push(`<blockquote>${inline(quoted.join(' '))}</blockquote>`);
        continue;
      }
      const paragraph: string[] = [];
      while (index < lines.length && !/^(#{1,6}\s|>|\s*[-*+]\s|\s*\d+[.)]\s)/.test(lines[index] as string)) {
        paragraph.push(lines[index] as string);
        index++;
      }
      out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

/** Who DingTalk would actually notify: people listed in `at` whose @-mention is also written in the text. */
export function notified(mentions: Mentions, text: string): { people: string[]; ignored: string[] } {
  const people: string[] = [];
  const ignored: string[] = [];
  for (const person of [...mentions.atMobiles, ...mentions.atUserIds]) {
    (text.includes(`@${person}`) ? people : ignored).push(person);
  }
  return { people, ignored };
}

function highlightMentions(html: string, people: string[], atAll: boolean): string {
  let out = html;
  for (const person of people) {
    const escaped = escapeHtml(`@${person}`);
    out = out.split(escaped).join(`<span class="mention">${escaped}</span>`);
  }
  if (atAll) out = out.replace(/@(所有人|all)/g, '<span class="mention">@$1</span>');
  return out;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function link(url: unknown, inner: string): string {
  const safe = safeUrl(text(url));
  return safe ? `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener">${inner}</a>` : inner;
}

function picture(url: unknown): string {
  const safe = safeUrl(text(url));
  return safe ? `<img class="pic" alt="" src="${escapeHtml(safe)}">` : '';
}

/** The HTML of one message bubble's body. */
export function renderMessage(message: ValidMessage): string {
  const c = message.content;
  let body: string;
  let mentionText = '';
  switch (message.msgtype) {
    case 'text':
      mentionText = text(c.content);
      body = `<p class="text">${escapeHtml(mentionText).replace(/\n/g, '<br>')}</p>`;
      break;
    case 'markdown':
      mentionText = text(c.text);
      body = `<div class="markdown">${renderMarkdown(mentionText)}</div>`;
      break;
    case 'link':
      body = link(
        c.messageUrl,
        `<div class="card link"><strong>${escapeHtml(text(c.title))}</strong><div class="row">` +
          `<span>${escapeHtml(text(c.text))}</span>${picture(c.picUrl)}</div></div>`,
      );
      break;
    case 'actionCard': {
      const single = text(c.singleTitle) && text(c.singleURL);
      const buttons = single
        ? [{ title: c.singleTitle, actionURL: c.singleURL }]
        : ((c.btns as Record<string, unknown>[] | undefined) ?? []);
      const orientation = c.btnOrientation === '1' ? 'horizontal' : 'vertical';
      body =
        `<div class="card action"><strong>${escapeHtml(text(c.title))}</strong>` +
        `<div class="markdown">${renderMarkdown(text(c.text))}</div><div class="buttons ${orientation}">` +
        buttons.map((button) => link(button.actionURL, escapeHtml(text(button.title)))).join('') +
        '</div></div>';
      break;
    }
    case 'feedCard':
      body =
        '<div class="card feed">' +
        (c.links as Record<string, unknown>[])
          .map((item) =>
            link(
              item.messageURL,
              `<div class="feed-item">${picture(item.picURL)}<span>${escapeHtml(text(item.title))}</span></div>`,
            ),
          )
          .join('') +
        '</div>';
      break;
  }
  const { people, ignored } = notified(message.mentions, mentionText);
  body = highlightMentions(
    body,
    message.msgtype === 'text' || message.msgtype === 'markdown' ? people : [],
    message.mentions.isAtAll,
  );
  if (message.mentions.isAtAll) body += '<div class="notice">@所有人 / @everyone</div>';
  if (ignored.length > 0) {
    body += `<div class="notice warn">not notified (no @ in the text): ${escapeHtml(ignored.join(', '))}</div>`;
  }
  return body;
}
