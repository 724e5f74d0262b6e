import Mustache from 'mustache';
import { type EscapeMode, escapeMarkdownAt, escaperFor, MarkdownContext } from './escape';
import { type Problem, problem } from './reasons';

/** Turns a looked-up value into text: numbers and strings as such, objects as JSON, nothing as ''. */
function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'function') return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/**
 * A mustache writer in which every value goes through this render's escape: `{{x}}`, `{{{x}}}` and `{{& x}}`
 * alike, so a template cannot opt out of escaping event data. Partials are not available. In markdown the
 * writer follows the author's text as it is written out (sections included, item by item) and escapes each
 * value for where it lands: plain text, link text or link target.
 */
class EscapingWriter extends Mustache.Writer {
  /** The markdown context of the render under way (markdown mode only). */
  private markdown: MarkdownContext | undefined;

  constructor(private readonly mode: EscapeMode) {
    super();
  }

  renderEscaped(template: string, view: unknown): string {
    const outer = this.markdown;
    this.markdown = this.mode === 'markdown' ? new MarkdownContext() : undefined;
    try {
      return this.render(template, view ?? {}, undefined);
    } finally {
      this.markdown = outer;
    }
  }

  override rawValue(token: string[]): string {
    const text = String(token[1]);
    this.markdown?.feed(text);
    return text;
  }

  override escapedValue(token: string[], context: Mustache.Context): string {
    const value = stringify(context.lookup(String(token[1])));
    if (!this.markdown) return escaperFor(this.mode)(value);
    const escaped = escapeMarkdownAt(value, this.markdown.spot());
    this.markdown.inserted(escaped);
    return escaped;
  }

  override unescapedValue(token: string[], context: Mustache.Context): string {
    return this.escapedValue(token, context);
  }

  override renderPartial(): string {
    return '';
  }
}

const writers = new Map<EscapeMode, EscapingWriter>();
function writerFor(mode: EscapeMode): EscapingWriter {
  let w = writers.get(mode);
  if (!w) {
    w = new EscapingWriter(mode);
    writers.set(mode, w);
  }
  return w;
}

/**
 * Renders a mustache template over `view` (the Node-RED msg: `{{payload.data.orderId}}`, `{{topic}}`),
 * escaping every inserted value for `mode`. Throws on a template syntax error (see checkTemplate).
 */
export function renderTemplate(template: string, view: unknown, mode: EscapeMode): string {
  if (!template.includes('{{')) return template;
  return writerFor(mode).renderEscaped(template, view);
}

/** Checks a template's syntax: undefined when fine, else a problem with the parser's message. */
export function checkTemplate(template: string, path?: string): Problem | undefined {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return problem('template_error', path === undefined ? { detail } : { path, detail });
  }
}
