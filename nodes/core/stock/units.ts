// Units of stock and exact comparison across them. Every quantity is turned into a whole number of
// micro-units of its dimension's base unit (µg, µl, millionths of a piece), so 4.5 kg and 4500 g are the same
// integer and 4.499999999999999 kg (a float left over from arithmetic upstream) is not below 4.5 kg.
import { numberFrom } from '../rules/decimal';
import { StockError } from './errors';

export interface Unit {
  /** As shown in alerts: kg, g, mg, L, ml, pcs, or a custom unit as written. */
  readonly symbol: string;
  /** Units of one dimension convert into each other; a custom unit (box, 斤) is a dimension of its own. */
  readonly dimension: string;
  /** Micro-units of the dimension's base unit in one of this unit. */
  readonly scale: number;
}

const MICRO = 1_000_000;

const known: [Unit, string[]][] = [
  [{ symbol: 'mg', dimension: 'mass', scale: 1_000 }, ['mg', 'milligram', 'milligrams', '毫克']],
  [{ symbol: 'g', dimension: 'mass', scale: MICRO }, ['g', 'gr', 'gram', 'grams', 'gramme', 'grammes', '克']],
  [
    { symbol: 'kg', dimension: 'mass', scale: 1_000 * MICRO },
    ['kg', 'kgs', 'kilo', 'kilos', 'kilogram', 'kilograms', 'kilogramme', '公斤', '千克'],
  ],
  [
    { symbol: 'ml', dimension: 'volume', scale: MICRO },
    ['ml', 'millilitre', 'milliliter', 'millilitres', 'milliliters', 'cc', '毫升'],
  ],
  [
    { symbol: 'L', dimension: 'volume', scale: 1_000 * MICRO },
    ['l', 'lt', 'ltr', 'litre', 'liter', 'litres', 'liters', '升', '公升'],
  ],
  [
    { symbol: 'pcs', dimension: 'count', scale: MICRO },
    ['pcs', 'pc', 'piece', 'pieces', 'ea', 'each', 'unit', 'units', '个', '個', '件'],
  ],
];

const byAlias = new Map<string, Unit>();
for (const [unit, aliases] of known) for (const alias of aliases) byAlias.set(alias, unit);

/** When neither a threshold nor a stock level names a unit, numbers compare as they are. */
export const plainNumber: Unit = { symbol: '', dimension: 'number', scale: MICRO };

// Every text seen so far (up to a bound), so the hot path is one Map lookup.
const seen = new Map<string, Unit>();
const SEEN_LIMIT = 1_000;

/**
 * The unit a text names: kg, g, mg, L, ml or pcs under any of their usual spellings (including 公斤, 克, 升,
 * 毫升, 個), or else a custom unit that converts only to itself (case and surrounding spaces aside).
 * Undefined for an empty text.
 */
export function unitOf(text: string | undefined): Unit | undefined {
  if (text === undefined) return undefined;
  const hit = seen.get(text) ?? byAlias.get(text);
  if (hit) return hit;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const folded = trimmed.toLowerCase();
  const unit = byAlias.get(folded) ?? { symbol: trimmed, dimension: `unit:${folded}`, scale: MICRO };
  if (seen.size < SEEN_LIMIT) seen.set(text, unit);
  return unit;
}

/** The canonical spelling of a unit text (kg, L, pcs …), or the text trimmed when it is a custom unit. */
export function normaliseUnit(text: string | undefined): string {
  return unitOf(text)?.symbol ?? '';
}

export const sameDimension = (a: Unit, b: Unit): boolean => a.dimension === b.dimension;

/**
 * `value` in whole micro-units of its dimension. Rounding to the micro-unit removes binary-float noise
 * (the product of a double and a power of ten is off by far less than half a micro-unit for any stock a shop
 * holds), and integers below 2^53 compare exactly.
 */
export function toMicro(value: number, unit: Unit, sku = ''): number {
  const micro = Math.round(value * unit.scale);
  if (!Number.isSafeInteger(micro)) {
    throw Number.isFinite(value)
      ? new StockError('quantity-too-large', { sku, value, unit: unit.symbol })
      : new StockError('invalid-quantity', { sku, value: String(value) });
  }
  return micro === 0 ? 0 : micro; // no -0
}

/** A micro-unit count back in `unit`: the nearest double to the exact decimal, so 4.2 prints as 4.2. */
export const fromMicro = (micro: number, unit: Unit): number => {
  const value = micro / unit.scale;
  return value === 0 ? 0 : value;
};

const WITH_UNIT = /^\s*([+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+))\s*([^\d\s.,+-][\s\S]*?)?\s*$/;

/** "4.5 kg", "4.5kg", "4.5" → { value, unit }; undefined when the text does not start with a number. */
export function parseQuantityText(text: string): { value: number; unit: string | undefined } | undefined {
  const match = WITH_UNIT.exec(text);
  if (!match) return undefined;
  const value = numberFrom(match[1]);
  if (value === undefined) return undefined;
  return { value, unit: match[2] || undefined };
}
