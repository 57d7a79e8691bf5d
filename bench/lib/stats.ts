/** Small summaries of repeated measurements. */

export type Spread = { min: number; median: number; max: number; n: number };

/**
 * Min, median (the mean of the two middle values for an even count) and max, rounded to 3 decimals.
 *
 * @example
 * spread([3, 1, 2]) // { min: 1, median: 2, max: 3, n: 3 }
 */
export function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  if (s.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, n: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: r(s[0]!), median: r(median), max: r(s.at(-1)!), n: s.length };
}

/**
 * The p-th percentile (nearest rank) of an ascending list.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((sorted.length * p) / 100) - 1))]!;
}
