// Values a condition compares against, prepared once (at deploy, or when a context value changes) so that
// evaluating a message does no parsing, and the tests that compare a field's value with them.
//
// How values compare (the rule a user can rely on): the value's type decides.
// - A number value reads the field as a number: numbers, and text that holds a number ("128.50"), compared
//   exactly (see decimal.ts). Anything else (missing, null, NaN, "abc", true) is not a number: "greater than",
//   "is" and the like are false for it.
// - A text value compares as text; a field holding a JavaScript number equals text that holds the same number
//   (128.5 is "128.50"), while a field holding text must match the text itself (SKU "001234" is not "1234").
// - A boolean value matches true/false, or the text "true"/"false".

import { compareNumber, parseDecimal, type Threshold, thresholdOf } from './decimal';
import type { ProblemCode } from './definitions';
import { checkRegexSafety, MAX_MATCH_LENGTH } from './regex-safety';
import { booleanOf, foldText, splitList, textOf } from './text';

export interface TextList {
  /** Folded text items. */
  readonly texts: ReadonlySet<string>;
  /** Items written as text that hold a number: they match fields holding a JavaScript number. */
  readonly numericTexts: readonly Threshold[];
  /** Items that are JavaScript numbers (from context): they match any field that reads as that number. */
  readonly numbers: readonly Threshold[];
  readonly ignoreCase: boolean;
}

export type Operand =
  | { readonly kind: 'number'; readonly threshold: Threshold }
  | { readonly kind: 'text'; readonly text: string; readonly list: TextList }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'regex'; readonly regex: RegExp }
  | { readonly kind: 'list'; readonly list: TextList };

export type Prepared =
  | Operand
  | { readonly kind: 'problem'; readonly code: ProblemCode; readonly detail?: string };

export function numberOperand(text: string): Prepared {
  const exact = parseDecimal(text);
  return exact
    ? { kind: 'number', threshold: thresholdOf(exact) }
    : { kind: 'problem', code: 'not-a-number', detail: text };
}

function numberOperandOf(value: number): Prepared {
  return Number.isFinite(value)
    ? numberOperand(Number.isSafeInteger(value) ? String(value) : value.toPrecision(15))
    : { kind: 'problem', code: 'not-a-number', detail: String(value) };
}

function listOf(items: readonly unknown[], ignoreCase: boolean): TextList {
  const texts = new Set<string>();
  const numericTexts: Threshold[] = [];
  const numbers: Threshold[] = [];
  for (const item of items) {
    if (typeof item === 'number') {
      const prepared = numberOperandOf(item);
      if (prepared.kind === 'number') numbers.push(prepared.threshold);
      continue;
    }
    const text = textOf(item)?.trim();
    if (text === undefined || text === '') continue;
    texts.add(foldText(text, ignoreCase));
    const exact = parseDecimal(text);
    if (exact) numericTexts.push(thresholdOf(exact));
  }
  return { texts, numericTexts, numbers, ignoreCase };
}

/** Text to compare with, trimmed (a stray space typed after "VIP" should not make the rule miss). */
export function textOperand(text: string, ignoreCase: boolean): Prepared {
  const trimmed = text.trim();
  return { kind: 'text', text: foldText(trimmed, ignoreCase), list: listOf([trimmed], ignoreCase) };
}

export function booleanOperand(text: string): Prepared {
  const value = booleanOf(text);
  return value === undefined
    ? { kind: 'problem', code: 'not-a-boolean', detail: text }
    : { kind: 'boolean', value };
}

/**
 * A regular expression, Unicode-aware where the pattern allows it (\p{Script=Han} needs the u flag), and
 * refused when testing it could stall Node-RED (see regex-safety.ts).
 */
export function regexOperand(source: string, ignoreCase: boolean): Prepared {
  const compiled = compileRegex(source, ignoreCase);
  if (compiled.kind !== 'regex') return compiled;
  const safety = checkRegexSafety(compiled.regex.source, compiled.regex.flags);
  return safety.safe ? compiled : { kind: 'problem', code: safety.code, detail: safety.detail };
}

function compileRegex(source: string, ignoreCase: boolean): Extract<Prepared, { kind: 'regex' | 'problem' }> {
  const flags = ignoreCase ? 'i' : '';
  try {
    return { kind: 'regex', regex: new RegExp(source, `${flags}u`) };
  } catch {
    try {
      return { kind: 'regex', regex: new RegExp(source, flags) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // "Invalid regular expression: /(/i: Unterminated group" → "Unterminated group"
      return {
        kind: 'problem',
        code: 'bad-regex',
        detail: message.replace(/^Invalid regular expression: \/.*\/\w*: /s, ''),
      };
    }
  }
}

export function listOperand(items: readonly unknown[], ignoreCase: boolean): Prepared {
  const list = listOf(items, ignoreCase);
  return list.texts.size + list.numbers.length === 0
    ? { kind: 'problem', code: 'empty-list' }
    : { kind: 'list', list };
}

/** The kind of operand an operator needs. */
export type OperandKind = 'number' | 'text' | 'regex' | 'list' | 'equality';

/**
 * Prepares a value that arrives at run time (flow or global context, or an environment variable at deploy):
 * its JavaScript type decides how it compares for `is`; the operator decides otherwise. Missing, null and blank
 * text count as unset, like an empty value in the editor.
 */
export function prepareDynamic(raw: unknown, need: OperandKind, ignoreCase: boolean, name: string): Prepared {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    return { kind: 'problem', code: 'context-unset', detail: name };
  }
  switch (need) {
    case 'number':
      if (typeof raw === 'number') return numberOperandOf(raw);
      if (typeof raw === 'string') return numberOperand(raw);
      return { kind: 'problem', code: 'not-a-number', detail: describeRaw(raw) };
    case 'equality':
      if (typeof raw === 'number') return numberOperandOf(raw);
      if (typeof raw === 'boolean') return { kind: 'boolean', value: raw };
      if (typeof raw === 'string') return textOperand(raw, ignoreCase);
      return { kind: 'problem', code: 'context-unusable', detail: name };
    case 'text': {
      const text = textOf(raw);
      return text === undefined
        ? { kind: 'problem', code: 'context-unusable', detail: name }
        : textOperand(text, ignoreCase);
    }
    case 'regex':
      if (raw instanceof RegExp) return regexOperand(raw.source, ignoreCase || raw.flags.includes('i'));
      if (typeof raw === 'string') return regexOperand(raw, ignoreCase);
      return { kind: 'problem', code: 'context-unusable', detail: name };
    case 'list':
      if (Array.isArray(raw)) return listOperand(raw, ignoreCase);
      if (typeof raw === 'string') return listOperand(splitList(raw), ignoreCase);
      if (typeof raw === 'number' || typeof raw === 'boolean') return listOperand([raw], ignoreCase);
      return { kind: 'problem', code: 'context-unusable', detail: name };
  }
}

function describeRaw(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  try {
    return JSON.stringify(raw)?.slice(0, 40) ?? String(raw);
  } catch {
    return String(raw);
  }
}

// ---- Tests of a field's value against an operand -------------------------------------------------------

/** The field's value equals an item of the list (see the comparison rule at the top of this file). */
export function inList(value: unknown, list: TextList): boolean {
  if (typeof value === 'string') {
    // Items are folded already, and most text folds to itself unless case is ignored: try it as it is first.
    if (list.ignoreCase) {
      if (list.texts.has(foldText(value, true))) return true;
    } else if (list.texts.has(value)) return true;
    else {
      const folded = foldText(value, false);
      if (folded !== value && list.texts.has(folded)) return true;
    }
    for (const threshold of list.numbers) if (compareNumber(value, threshold) === 0) return true;
    return false;
  }
  if (typeof value === 'number') {
    for (const threshold of list.numbers) if (compareNumber(value, threshold) === 0) return true;
    for (const threshold of list.numericTexts) if (compareNumber(value, threshold) === 0) return true;
    return false;
  }
  if (typeof value === 'boolean') return list.texts.has(value ? 'true' : 'false');
  return false;
}

/** `is` against any operand kind. */
export function equals(value: unknown, operand: Operand): boolean {
  switch (operand.kind) {
    case 'number':
      return compareNumber(value, operand.threshold) === 0;
    case 'boolean':
      return booleanOf(value) === operand.value;
    case 'text':
    case 'list':
      return inList(value, operand.list);
    case 'regex':
      return matches(value, operand.regex);
  }
}

/** Contains: text contains the value; an array contains an element equal to it. */
export function contains(value: unknown, text: string, list: TextList): boolean {
  if (Array.isArray(value)) {
    for (const element of value) if (inList(element, list)) return true;
    return false;
  }
  const field = textOf(value);
  return field !== undefined && foldText(field, list.ignoreCase).includes(text);
}

export function startsWith(value: unknown, text: string, ignoreCase: boolean): boolean {
  const field = textOf(value);
  return field !== undefined && foldText(field, ignoreCase).startsWith(text);
}

/** Text longer than MAX_MATCH_LENGTH never matches: that bound keeps every accepted pattern fast. */
export function matches(value: unknown, regex: RegExp): boolean {
  const field = textOf(value);
  return field !== undefined && field.length <= MAX_MATCH_LENGTH && regex.test(foldText(field, false));
}

export function exists(value: unknown): boolean {
  return value !== undefined && value !== null;
}
