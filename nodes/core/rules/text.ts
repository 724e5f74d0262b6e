// How values compare as text. Both sides are compared in Unicode NFC, so the same words typed or sent in
// different (canonically equivalent) code points match, including CJK compatibility ideographs that some
// Big5 conversions produce. "Ignore case" also folds full-width and half-width forms (ＶＩＰ = VIP), which
// Chinese input methods type easily.

/** True when every character is ASCII (then no Unicode normalization can change the text). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

// The last text folded without ignoring case: rules usually test the same field value one after another (ten
// "event is …" rules read one event type), and comparing a string with itself is a pointer comparison.
let lastText = '';
let lastFolded = '';

export function foldText(text: string, ignoreCase: boolean): string {
  if (!ignoreCase) {
    if (text === lastText) return lastFolded;
    lastText = text;
    lastFolded = isAscii(text) ? text : text.normalize('NFC');
    return lastFolded;
  }
  return (isAscii(text) ? text : text.normalize('NFKC')).toLowerCase();
}

/**
 * A field's value as text: strings as they are, finite numbers and booleans written out (128.5 → "128.5",
 * true → "true"). Undefined for anything else (missing, null, NaN, objects, arrays).
 */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/**
 * Splits a list as typed in the editor: items separated by commas (ASCII "," or the full-width "，" and "、" that
 * Chinese input methods type) or new lines, trimmed, empty items dropped.
 */
export function splitList(text: string): string[] {
  return text
    .split(/[,，、\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** true/false from a boolean or the text "true"/"false" (any case, trimmed); undefined otherwise. */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  return undefined;
}
