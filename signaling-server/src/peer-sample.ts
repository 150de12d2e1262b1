/**
 * Choose a bounded random sample of a room's peers for a welcome frame.
 *
 * A welcome lists only a few peers: the mesh overlay finds the rest by gossip, so a join
 * into a room of 10,000 costs O(max), not O(room). Robert Floyd's algorithm draws `count`
 * distinct indices in `count` steps without copying the member list.
 *
 *   sampleIndices(10_000, 8, Math.random, 42)   // 8 distinct indices in 0..9999, never 42
 */

/**
 * Up to `count` distinct indices from `0..size-1`, skipping `skip` (the joining peer's own
 * slot, or -1 for none). `random` returns a float in [0, 1).
 */
export function sampleIndices(size: number, count: number, random: () => number, skip = -1): number[] {
  // Work over a virtual range that leaves out `skip`, then map back.
  const n = skip >= 0 && skip < size ? size - 1 : size
  const unskip = (i: number): number => (skip >= 0 && i >= skip ? i + 1 : i)
  if (count <= 0 || n <= 0) return []
  if (count >= n) {
    const all: number[] = []
    for (let i = 0; i < n; i++) all.push(unskip(i))
    return all
  }
  const chosen = new Set<number>()
  for (let j = n - count; j < n; j++) {
    const t = Math.floor(random() * (j + 1))
    chosen.add(chosen.has(t) ? j : t)
  }
  return [...chosen].map(unskip)
}
