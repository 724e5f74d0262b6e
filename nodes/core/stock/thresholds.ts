// Thresholds: a default, store-wide rows and per-SKU rows, each a value, a unit and a re-arm level.
// Precedence, most specific first: the SKU at this store → the SKU at every store → every SKU at this store →
// the default. A SKU with none of these is not watched.

import { numberFrom } from '../rules/decimal';
import { rowsFromCsv } from './csv';
import { describeType, type Problem, problem, StockError } from './errors';
import type { DefaultThresholdInput, ThresholdRowInput } from './threshold-input';
import { normaliseUnit, parseQuantityText, toMicro, type Unit, unitOf } from './units';

export type Scope = 'store-sku' | 'sku' | 'store' | 'default';

export interface Threshold {
  readonly scope: Scope;
  /** '' for a store-wide row or the default. */
  readonly sku: string;
  /** '' for every store. */
  readonly storeId: string;
  /** The row's name ('' when none), inherited from the SKU's all-stores row when a store row has none. */
  readonly name: string;
  /** Alert when the stock falls below this. */
  readonly value: number;
  /** Re-arm (and report restocked) when the stock climbs back to this; equals `value` when not set. */
  readonly rearm: number;
  /** Undefined: compare in whatever unit the stock level comes in. */
  readonly unit: Unit | undefined;
  /** value and rearm in micro-units of `unit` (when it is set). */
  readonly valueMicro: number;
  readonly rearmMicro: number;
}

export const MAX_ROWS = 10_000;
const ALL = '*';
const SEP = '\u001f';

const text = (value: unknown): string =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
const isBlank = (value: unknown) => value === undefined || value === null || text(value) === '';

function buildThreshold(
  scope: Scope,
  sku: string,
  storeId: string,
  name: string,
  value: number,
  rearm: number,
  unitText: string,
): Threshold {
  const unit = unitOf(unitText);
  return {
    scope,
    sku,
    storeId,
    name,
    value,
    rearm,
    unit,
    valueMicro: unit ? toMicro(value, unit) : 0,
    rearmMicro: unit ? toMicro(rearm, unit) : 0,
  };
}

/** Value and unit from a threshold cell, which may be "4.5" or "4.5 kg". */
function parseThreshold(value: unknown, unit: unknown): { value: number; unit: string } | undefined {
  const number = numberFrom(value);
  if (number !== undefined) return { value: number, unit: text(unit) };
  if (typeof value !== 'string') return undefined;
  const withUnit = parseQuantityText(value);
  if (!withUnit || withUnit.value === undefined) return undefined;
  if (isBlank(unit) || normaliseUnit(text(unit)) === normaliseUnit(withUnit.unit)) {
    return { value: withUnit.value, unit: withUnit.unit ?? '' };
  }
  return undefined;
}

function parseRearm(input: unknown, threshold: number): number | undefined {
  if (isBlank(input)) return threshold;
  const withUnit = typeof input === 'string' ? parseQuantityText(input) : undefined;
  const rearm = numberFrom(input) ?? withUnit?.value;
  return rearm !== undefined && rearm >= threshold ? rearm : undefined;
}

/** The table's rows in a normal form (trimmed text, numbers, canonical unit), as the editor stores them. */
export interface ThresholdRow {
  sku: string;
  name: string;
  storeId: string;
  threshold: number;
  unit: string;
  rearm: number | undefined;
}

export interface DefaultThreshold {
  threshold: number;
  unit: string;
  rearm: number | undefined;
}

export type TableResult = { ok: true; table: ThresholdTable } | { ok: false; problems: Problem[] };

export class ThresholdTable {
  private readonly storeSku = new Map<string, Threshold>();
  private readonly sku = new Map<string, Threshold>();
  private readonly store = new Map<string, Threshold>();
  private fallback: Threshold | undefined;
  private readonly normalRows: ThresholdRow[] = [];
  private defaultRow: DefaultThreshold | undefined;

  private constructor() {}

  static readonly empty = new ThresholdTable();

  /** Checks every row and reports every problem at once (with row numbers), or builds the table. */
  static build(rows: readonly ThresholdRowInput[], defaults?: DefaultThresholdInput): TableResult {
    const problems: Problem[] = [];
    const table = new ThresholdTable();
    if (rows.length > MAX_ROWS) {
      return { ok: false, problems: [problem('too-many-rows', { count: rows.length, limit: MAX_ROWS })] };
    }
    if (defaults && !isBlank(defaults.threshold)) {
      const parsed = parseThreshold(defaults.threshold, defaults.unit);
      if (!parsed || !(parsed.value > 0)) {
        problems.push(problem('default-threshold', { value: text(defaults.threshold) }));
      } else {
        const rearm = parseRearm(defaults.rearm, parsed.value);
        if (rearm === undefined) problems.push(problem('default-rearm', { value: text(defaults.rearm) }));
        else {
          const unit = normaliseUnit(parsed.unit);
          table.fallback = buildThreshold('default', '', '', '', parsed.value, rearm, unit);
          table.defaultRow = {
            threshold: parsed.value,
            unit,
            rearm: isBlank(defaults.rearm) ? undefined : rearm,
          };
        }
      }
    }
    const firstRow = new Map<string, number>();
    rows.forEach((input, index) => {
      const row = input.line ?? index + 1;
      let sku = text(input.sku);
      if (sku === ALL) sku = '';
      let storeId = text(input.storeId ?? input.store);
      if (storeId === ALL) storeId = '';
      if (!sku && !storeId) {
        // A row left blank in the editor is not a mistake worth stopping for.
        if (isBlank(input.threshold) && isBlank(input.name)) return;
        problems.push(problem('row-no-key', { row }));
        return;
      }
      const parsed = parseThreshold(input.threshold, input.unit);
      if (!parsed || !(parsed.value > 0)) {
        problems.push(problem('row-threshold', { row, value: text(input.threshold) }));
        return;
      }
      const rearm = parseRearm(input.rearm, parsed.value);
      if (rearm === undefined) {
        problems.push(problem('row-rearm', { row, value: text(input.rearm), threshold: parsed.value }));
        return;
      }
      const key = `${storeId}${SEP}${sku}`;
      const first = firstRow.get(key);
      if (first !== undefined) {
        problems.push(problem('row-duplicate', { row, sku: sku || ALL, store: storeId || ALL, first }));
        return;
      }
      firstRow.set(key, row);
      const unit = normaliseUnit(parsed.unit);
      const name = text(input.name);
      const scope: Scope = sku && storeId ? 'store-sku' : sku ? 'sku' : 'store';
      const threshold = buildThreshold(scope, sku, storeId, name, parsed.value, rearm, unit);
      if (scope === 'store-sku') table.storeSku.set(key, threshold);
      else if (scope === 'sku') table.sku.set(sku, threshold);
      else table.store.set(storeId, threshold);
      table.normalRows.push({
        sku,
        name,
        storeId,
        threshold: parsed.value,
        unit,
        rearm: isBlank(input.rearm) ? undefined : rearm,
      });
    });
    if (problems.length > 0) return { ok: false, problems };
    // A store's row for a SKU without a name of its own shows the name from the SKU's all-stores row.
    for (const [key, threshold] of table.storeSku) {
      const shared = threshold.name ? undefined : table.sku.get(threshold.sku);
      if (shared?.name) table.storeSku.set(key, { ...threshold, name: shared.name });
    }
    return { ok: true, table };
  }

  /** The threshold that applies to `sku` at `storeId`, most specific first; undefined when none does. */
  resolve(storeId: string, sku: string): Threshold | undefined {
    if (this.storeSku.size > 0) {
      const hit = this.storeSku.get(`${storeId}${SEP}${sku}`);
      if (hit) return hit;
    }
    return this.sku.get(sku) ?? this.store.get(storeId) ?? this.fallback;
  }

  get size(): number {
    return this.normalRows.length;
  }

  get rows(): readonly ThresholdRow[] {
    return this.normalRows;
  }

  get defaults(): DefaultThreshold | undefined {
    return this.defaultRow;
  }
}

/** A threshold table sent at run time: CSV text, an array of rows, or `{ rows | csv, default }`. */
export interface TableUpdate {
  /** Undefined: keep the rows in use (an update of the default alone). */
  rows: ThresholdRowInput[] | undefined;
  /** Undefined: keep the default in use; null: no default. */
  defaults: DefaultThresholdInput | null | undefined;
}

function rowsFrom(input: unknown): ThresholdRowInput[] | undefined {
  if (typeof input === 'string') {
    const parsed = rowsFromCsv(input);
    const first = parsed.problems[0];
    if (first) throw new StockError(first.code, first.params);
    return parsed.rows;
  }
  if (Array.isArray(input) && input.every((row) => typeof row === 'object' && row !== null)) {
    return input as ThresholdRowInput[];
  }
  return undefined;
}

export function tableUpdateFrom(payload: unknown): TableUpdate {
  const direct = rowsFrom(payload);
  if (direct) return { rows: direct, defaults: undefined };
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const body = payload as { rows?: unknown; csv?: unknown; default?: unknown };
    const source = body.rows ?? body.csv;
    const rows = source === undefined ? undefined : rowsFrom(source);
    const defaults = body.default;
    const defaultsOk =
      defaults === undefined ||
      defaults === null ||
      (typeof defaults === 'object' && !Array.isArray(defaults));
    const rowsOk = source === undefined ? defaults !== undefined : rows !== undefined;
    if (rowsOk && defaultsOk) return { rows, defaults: defaults as DefaultThresholdInput | null | undefined };
  }
  throw new StockError('thresholds-shape', { type: describeType(payload) });
}
