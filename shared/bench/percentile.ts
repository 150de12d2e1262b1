/**
 * Nearest-rank percentiles, over sorted samples or over a histogram of small integers.
 *
 *   percentile([1, 2, 3, 4], 0.5)          // 2
 *   histogramPercentile([0, 5, 5], 0.99)   // 2 (five 1s and five 2s)
 */

/** The nearest-rank `p`-quantile of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(p * sorted.length))
  return sorted[rank - 1] as number
}

/** The nearest-rank `p`-quantile of a histogram where `counts[v]` is how often value v occurred. */
export function histogramPercentile(counts: readonly (number | undefined)[], p: number): number {
  let total = 0
  for (const c of counts) total += c ?? 0
  if (total === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(p * total))
  let seen = 0
  for (let v = 0; v < counts.length; v++) {
    seen += counts[v] ?? 0
    if (seen >= rank) return v
  }
  return counts.length - 1
}

export function sortNumbers(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort()
}
