// The statistics every benchmark reports, written once: a quantile by the nearest-rank rule (the value below
// which a share q of the samples fall) and the median as its q = 0.5.

/** The sample at rank floor(q × n) of the sorted values (the largest for q = 1); NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
