/**
 * A set of sequence numbers as the simulator's replicas put it in a digest: every number
 * up to `contiguous`, and `extras` above it (arrived out of order).
 *
 *   holdsAllSeqs({ contiguous: 3, extras: new Set([5]) }, { contiguous: 2, extras: new Set() })  // true
 */
export interface SeqDigest {
  contiguous: number
  extras: Set<number>
}

/** Whether `theirs` (undefined: nothing) holds every number `then` holds. */
export function holdsAllSeqs(theirs: SeqDigest | undefined, then: SeqDigest): boolean {
  const holds = (seq: number) => theirs !== undefined && (seq <= theirs.contiguous || theirs.extras.has(seq))
  // Stops at the first gap, so at most (their extras + 1) steps.
  for (let seq = (theirs?.contiguous ?? 0) + 1; seq <= then.contiguous; seq++) if (!holds(seq)) return false
  for (const seq of then.extras) if (!holds(seq)) return false
  return true
}
