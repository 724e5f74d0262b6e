// The editor's settings for a low-stock node, checked at deploy: every problem with the table is reported,
// each as a message key (low-stock.errors.<code>) and its parameters.

import { numberFrom } from '../core/rules/decimal';
import { type Problem, problem, StockError } from '../core/stock/errors';
import { type DailyTime, parseDailyTimes, TimeZone } from '../core/stock/schedule';
import type { DefaultThresholdInput, ThresholdRowInput } from '../core/stock/threshold-input';
import { ThresholdTable } from '../core/stock/thresholds';
import type { NodeDef } from '../shared/node-red';

export interface LowStockDef extends NodeDef {
  /** The default threshold ('' = none: SKUs without a row are not watched). */
  threshold?: string | number;
  unit?: string;
  rearm?: string | number;
  rows?: ThresholdRowInput[];
  delay?: string | number;
  delayUnits?: string;
  reminder?: string | number;
  reminderUnits?: string;
  digestTimes?: string;
  timeZone?: string;
  digestEmpty?: boolean;
  contextStore?: string;
}

export interface LowStockSettings {
  table: ThresholdTable;
  defaults: DefaultThresholdInput | undefined;
  delayMs: number;
  reminderMs: number;
  digestTimes: DailyTime[];
  zone: TimeZone;
  digestEmpty: boolean;
  contextStore: string | undefined;
}

export type LowStockConfig = { ok: true; settings: LowStockSettings } | { ok: false; problems: Problem[] };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };

function duration(value: unknown, units: string | undefined, fallbackUnits: string): number | undefined {
  if (value === undefined || value === '') return 0;
  const number = numberFrom(value);
  const scale = UNIT_MS[units || fallbackUnits];
  if (number === undefined || number < 0 || scale === undefined) return undefined;
  return Math.round(number * scale);
}

export function parseLowStockConfig(def: LowStockDef): LowStockConfig {
  const problems: Problem[] = [];
  const defaults: DefaultThresholdInput | undefined =
    def.threshold === undefined || def.threshold === ''
      ? undefined
      : { threshold: def.threshold, unit: def.unit ?? '', rearm: def.rearm ?? '' };
  const built = ThresholdTable.build(Array.isArray(def.rows) ? def.rows : [], defaults);
  if (!built.ok) problems.push(...built.problems);

  const delayMs = duration(def.delay, def.delayUnits, 'min');
  if (delayMs === undefined) problems.push(problem('bad-delay'));
  const reminderMs = duration(def.reminder, def.reminderUnits, 'h');
  if (reminderMs === undefined) problems.push(problem('bad-reminder'));

  let digestTimes: DailyTime[] = [];
  let zone: TimeZone | undefined;
  try {
    digestTimes = parseDailyTimes(def.digestTimes);
  } catch (err) {
    if (err instanceof StockError) problems.push(problem(err.code, err.params));
    else throw err;
  }
  try {
    zone = new TimeZone(def.timeZone);
  } catch (err) {
    if (err instanceof StockError) problems.push(problem(err.code, err.params));
    else throw err;
  }

  if (!built.ok || delayMs === undefined || reminderMs === undefined || !zone || problems.length > 0) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    settings: {
      table: built.table,
      defaults,
      delayMs,
      reminderMs,
      digestTimes,
      zone,
      digestEmpty: def.digestEmpty === true,
      contextStore: def.contextStore?.trim() || undefined,
    },
  };
}
