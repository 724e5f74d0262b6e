// Exact decimal comparison for money and quantities, with no floating-point surprises at a threshold.
//
// A number is read as a decimal: text ("128.50", as POSes that avoid floats send money) exactly as written, and a
// JavaScript number at 15 significant digits (whole numbers exactly). Fifteen digits is what a double always
// carries faithfully, so the noise that float arithmetic leaves in the 16th and 17th digits is dropped:
// 0.1 + 0.2 (0.30000000000000004) reads as 0.3 and is "at most 0.3". Decimals compare digit by digit as strings,
// never as floats. Comparing a field with a fixed threshold takes a float fast path only when the two are too far
// apart for rounding to matter; near the threshold it compares the exact decimals.

import { isAscii } from './text';

/** sign × 0.digits × 10^exponent, with `digits` free of leading and trailing zeros ('' for zero). */
export interface Decimal {
  readonly sign: -1 | 0 | 1;
  readonly digits: string;
  readonly exponent: number;
}

export const ZERO: Decimal = Object.freeze({ sign: 0, digits: '', exponent: 0 });

/** Plain decimal notation with an optional exponent: "128.50", "-3", ".5", "1e3". No hex, no thousands separators. */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/;
/** Thousands in groups of three: "1,200", "-12,345.5". Never "4,5" or "12,34", which are more likely a mistake. */
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

export interface DecimalTextOptions {
  /**
   * Accept thousands separators ("1,200"), as a stock count typed into a form or a CSV cell may carry. Off where a
   * comma separates list items (a pos-switch rule's "one of 1,000").
   */
  grouping?: boolean;
}
/** The same language, tested on untrimmed text before paying for a full parse. */
const NUMERIC_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,9})?\s*$/;

/**
 * Reads a decimal written as text, exactly. Full-width digits and points (１２８．５０, as an IME may type them)
 * count as their ASCII forms. Undefined for anything that is not a plain decimal number.
 */
export function parseDecimal(text: string, options: DecimalTextOptions = {}): Decimal | undefined {
  let trimmed = text.trim();
  let match = DECIMAL.exec(trimmed);
  if (!match && !isAscii(trimmed)) {
    trimmed = trimmed.normalize('NFKC').trim();
    match = DECIMAL.exec(trimmed);
  }
  if (!match && options.grouping && GROUPED.test(trimmed)) match = DECIMAL.exec(trimmed.replaceAll(',', ''));
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const all = whole + fraction;
  let exponent = whole.length + (match[4] === undefined ? 0 : Number(match[4]));
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) {
    start++;
    exponent--;
  }
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return { sign: match[1] === '-' ? -1 : 1, digits: all.slice(start, end), exponent };
}

/** A JavaScript number as a decimal: whole numbers exactly, others at 15 significant digits; undefined if not finite. */
export function decimalOfNumber(value: number): Decimal | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (value === 0) return ZERO;
  return parseDecimal(Number.isSafeInteger(value) ? String(value) : value.toPrecision(15));
}

export function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let magnitude: -1 | 0 | 1;
  if (a.exponent !== b.exponent) magnitude = a.exponent > b.exponent ? 1 : -1;
  else magnitude = a.digits === b.digits ? 0 : a.digits > b.digits ? 1 : -1;
  return a.sign > 0 ? magnitude : ((0 - magnitude) as -1 | 0 | 1);
}

/** The decimal as plain text, for messages ("128.5", "-0.05", "1200"; scientific past 21 padding zeros). */
export function formatDecimal(value: Decimal): string {
  if (value.sign === 0) return '0';
  const { digits, exponent } = value;
  let body: string;
  if (exponent - digits.length > 21 || exponent < -20) {
    body = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent - 1}`;
  } else if (exponent <= 0) body = `0.${'0'.repeat(-exponent)}${digits}`;
  else if (exponent >= digits.length) body = digits + '0'.repeat(exponent - digits.length);
  else body = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  return value.sign < 0 ? `-${body}` : body;
}

/** A fixed number to compare against: the exact decimal plus the nearest double for the fast path. */
export interface Threshold {
  readonly exact: Decimal;
  readonly approx: number;
  /** The decimal has at most 15 significant digits, so a double equal to `approx` reads back as exactly it. */
  readonly roundTrips: boolean;
}

export function thresholdOf(exact: Decimal): Threshold {
  const approx = exact.sign === 0 ? 0 : exact.sign * Number(`0.${exact.digits}e${exact.exponent}`);
  const magnitude = Math.abs(approx);
  const roundTrips =
    exact.sign === 0 || (exact.digits.length <= 15 && magnitude >= 1e-300 && magnitude <= 1e300);
  return { exact, approx, roundTrips };
}

/** Relative gap beyond which the float comparison cannot disagree with the exact one (see compareNumber). */
const DECISIVE = 1e-12;

/**
 * Compares a value read as a number with a threshold: -1, 0 or 1, or NaN when the value is not a number
 * (missing, null, NaN, text that does not hold a number, booleans, objects).
 *
 * Fast path: a number read at 15 digits moves by at most 5e-15 of itself and the threshold's double sits within
 * 1.2e-16 of the exact decimal, so when the doubles are more than 1e-12 (relative) apart their order is the exact
 * order. Equal doubles against a threshold of at most 15 digits are exactly equal (15 digits round-trip through a
 * double). Everything else compares the exact decimals.
 */
export function compareNumber(value: unknown, threshold: Threshold): number {
  let approx: number;
  if (typeof value === 'number') {
    approx = value;
    if (approx - approx !== 0) return Number.NaN;
  } else if (typeof value === 'string') {
    if (!NUMERIC_TEXT.test(value)) return compareUnusualText(value, threshold);
    approx = Number(value);
  } else {
    return Number.NaN;
  }
  const t = threshold.approx;
  const gap = approx - t;
  const scale = DECISIVE * Math.max(approx < 0 ? -approx : approx, t < 0 ? -t : t);
  if (gap > scale) return 1;
  if (gap < -scale) return -1;
  if (gap === 0 && threshold.roundTrips && typeof value === 'number') return 0;
  const exact = typeof value === 'number' ? decimalOfNumber(value) : parseDecimal(value);
  return exact === undefined ? Number.NaN : compareDecimals(exact, threshold.exact);
}

/** Text outside the ASCII fast path: full-width digits, or not a number at all. */
function compareUnusualText(value: string, threshold: Threshold): number {
  if (isAscii(value)) return Number.NaN;
  const exact = parseDecimal(value);
  return exact === undefined ? Number.NaN : compareDecimals(exact, threshold.exact);
}

/**
 * A finite number from a form field, CSV cell or message: a JavaScript number as it is, or decimal text in the
 * language of parseDecimal (thousands separators allowed). Undefined for anything else.
 */
export function numberFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const exact = parseDecimal(value, { grouping: true });
  return exact === undefined ? undefined : Number(formatDecimal(exact));
}
