// Stock levels out of messages: an inventory.changed POS event, a bare object with sku and quantity, a
// number (or "4.5 kg") with msg.topic as the SKU, or an array of any of these (a stock count).
import type { InventoryChangedEvent } from '../events/schema';
import { validateEvent } from '../events/validate';
import { describeType, StockError } from './errors';
import { parseQuantityText } from './units';

export interface StockReading {
  /** '' when the level names no store. */
  storeId: string;
  sku: string;
  quantity: number;
  /** Undefined: the unit of the threshold that applies. */
  unit: string | undefined;
  name: string | undefined;
}

/** The message properties besides the payload that a bare number may lean on. */
export interface ReadingContext {
  topic?: unknown;
  storeId?: unknown;
  unit?: unknown;
  name?: unknown;
}

export interface ParsedReadings {
  readings: StockReading[];
  /** POS events of other types (a transaction, a vehicle position): not stock levels, passed over. */
  ignored: number;
}

const INVENTORY_CHANGED = 'inventory.changed';

function optionalText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

function quantityOf(value: unknown, sku: string): { value: number; unit: string | undefined } {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { value, unit: undefined };
    throw new StockError('invalid-quantity', { sku, value: String(value) });
  }
  if (typeof value === 'string') {
    const parsed = parseQuantityText(value);
    if (parsed) return parsed;
  }
  throw new StockError('invalid-quantity', { sku, value: value === undefined ? 'missing' : String(value) });
}

function fromObject(data: Record<string, unknown>, storeId: unknown): StockReading {
  const sku = optionalText(data.sku);
  if (!sku) throw new StockError('invalid-reading', { field: 'sku', value: String(data.sku) });
  const quantity = quantityOf(data.quantity, sku);
  const unit = optionalText(data.unit) ?? quantity.unit;
  return {
    storeId: optionalText(storeId) ?? '',
    sku,
    quantity: quantity.value,
    unit,
    name: optionalText(data.name),
  };
}

/**
 * An inventory.changed POS event, checked by the same schema as pos-in (an id is not needed here). A quantity
 * that is missing or not a number says so; any other fault names the field the schema refused.
 */
function fromInventoryEvent(object: Record<string, unknown>): StockReading {
  const validation = validateEvent(object, () => '');
  if (validation.ok) {
    const { data, storeId } = validation.event as InventoryChangedEvent;
    return {
      storeId,
      sku: data.sku,
      quantity: data.quantity,
      unit: data.unit,
      name: optionalText(data.name),
    };
  }
  const data = object.data;
  if (validation.path === 'data.quantity' && typeof data === 'object' && data !== null) {
    const { sku, quantity } = data as Record<string, unknown>;
    throw new StockError('invalid-quantity', {
      sku: String(sku),
      value: quantity === undefined ? 'missing' : String(quantity),
    });
  }
  const value = validation.path === 'data' ? describeType(data) : validation.message;
  throw new StockError('invalid-reading', { field: validation.path, value });
}

/**
 * The stock level in one payload that is not an array: undefined for a POS event of another type (not a stock
 * level, passed over). Throws a StockError for anything else that is not a stock level.
 */
export function readingFrom(payload: unknown, context: ReadingContext = {}): StockReading | undefined {
  if (typeof payload === 'number' || typeof payload === 'string') {
    const sku = optionalText(context.topic);
    if (typeof payload === 'string' && !parseQuantityText(payload)) {
      throw new StockError('not-a-reading', { type: 'string' });
    }
    if (!sku) throw new StockError('missing-sku');
    const quantity = quantityOf(payload, sku);
    return {
      storeId: optionalText(context.storeId) ?? '',
      sku,
      quantity: quantity.value,
      unit: quantity.unit ?? optionalText(context.unit),
      name: optionalText(context.name),
    };
  }
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const object = payload as Record<string, unknown>;
    if (typeof object.event === 'string') {
      if (object.event !== INVENTORY_CHANGED) return undefined;
      return fromInventoryEvent(object);
    }
    if ('sku' in object || 'quantity' in object) return fromObject(object, object.storeId ?? context.storeId);
  }
  throw new StockError('not-a-reading', { type: describeType(payload) });
}

/** Every stock level in a payload: one, or an array of them (a stock count, whose items carry their SKU). */
export function readingsFrom(payload: unknown, context: ReadingContext = {}): ParsedReadings {
  const out: ParsedReadings = { readings: [], ignored: 0 };
  const items = Array.isArray(payload) ? payload : [payload];
  for (const item of items) {
    if (Array.isArray(payload) && (typeof item !== 'object' || item === null)) {
      throw new StockError('not-a-reading', { type: describeType(item) });
    }
    const reading = readingFrom(item, context);
    if (reading) out.readings.push(reading);
    else out.ignored++;
  }
  return out;
}
