// What can go wrong with a stock level or a threshold table, as a code and parameters. The node adapter turns
// the code into a localised message (low-stock.errors.<code> with the same __param__ names); the English text
// here is the fallback for logs and for the core's own tests.
import { type ErrorParams, KernelError, type Problem as KernelProblem } from '../kernel/errors';

export { describeType, problem } from '../kernel/errors';

export const stockErrorText = {
  'unit-mismatch':
    'Stock level of __sku__ at __store__ is in __unit__, which cannot be compared with its threshold in __thresholdUnit__',
  'invalid-quantity': 'The quantity of __sku__ is not a number: __value__',
  'quantity-too-large': 'The quantity of __sku__ is too large: __value__ __unit__',
  'invalid-reading': 'Not a stock level: __field__ is missing or invalid (__value__)',
  'not-a-reading':
    'Not a stock level: expected an inventory.changed event, an object with sku and quantity, or a number with msg.topic as the SKU (got __type__)',
  'missing-sku': 'A bare number needs msg.topic set to the SKU',
  'row-no-key': 'Row __row__: enter a SKU, or a store for a store-wide threshold',
  'row-threshold': 'Row __row__: the threshold must be a number greater than 0 (got "__value__")',
  'row-rearm':
    'Row __row__: the re-arm level must be a number not below the threshold __threshold__ (got "__value__")',
  'row-duplicate': 'Row __row__: __sku__ at __store__ is already set in row __first__',
  'default-threshold': 'The default threshold must be a number greater than 0 (got "__value__")',
  'default-rearm':
    'The default re-arm level must be a number not below the default threshold (got "__value__")',
  'csv-header': 'The CSV header has no SKU or threshold column (columns: __columns__)',
  'csv-empty': 'The CSV text has no rows',
  'thresholds-shape':
    'A threshold table must be CSV text, an array of rows, or an object with rows and default (got __type__)',
  'too-many-rows': 'The threshold table has __count__ rows; the limit is __limit__',
  'digest-times': 'Digest times must be HH:MM in 24-hour form, separated by commas (got "__value__")',
  'time-zone': 'Unknown time zone "__value__" (use a name such as Asia/Hong_Kong)',
  'bad-delay': 'The delay must be 0 or a positive number',
  'bad-reminder': 'The reminder interval must be 0 (off) or a positive number',
} as const;

export type StockErrorCode = keyof typeof stockErrorText;

/** A kernel error whose code is one of the stock codes above. */
export class StockError extends KernelError<StockErrorCode> {
  constructor(code: StockErrorCode, params: ErrorParams = {}) {
    super(code, params, stockErrorText[code]);
    this.name = 'StockError';
  }
}

/** One thing wrong in a threshold table or setting: reported all together, not one at a time. */
export type Problem = KernelProblem<StockErrorCode>;
