import Mustache from 'mustache';
import { type EscapeMode, escaperFor } from './escape';
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
 * alike, so a template cannot opt out of escaping event data. Partials are not available.
 */
class EscapingWriter extends Mustache.Writer {
  constructor(private readonly escapeValue: (value: string) => string) {
    super();
  }

  override escapedValue(token: string[], context: Mustache.Context): string {
    return this.escapeValue(stringify(context.lookup(String(token[1]))));
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
    w = new EscapingWriter(escaperFor(mode));
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
  return writerFor(mode).render(template, view ?? {}, undefined);
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
