// The shapes thresholds arrive in, before they are checked: from the editor, a CSV paste or a control message.

/** A row as the editor stores it or a control message sends it: values may be text. */
export interface ThresholdRowInput {
  sku?: unknown;
  name?: unknown;
  storeId?: unknown;
  store?: unknown;
  threshold?: unknown;
  unit?: unknown;
  rearm?: unknown;
  /** Where the row came from (a CSV line), for messages; otherwise its position counting from 1. */
  line?: number;
}

export interface DefaultThresholdInput {
  threshold?: unknown;
  unit?: unknown;
  rearm?: unknown;
}
