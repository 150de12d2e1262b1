/**
 * The pure maths of SWIM and Lifeguard, kept apart so each formula has a table test.
 *
 *   const { minMs, maxMs } = suspicionBounds(100, 4, 6, 1_000)   // 8,000 .. 48,000 ms
 *   suspicionTimeoutMs(2, 2, minMs, maxMs)                       // two confirmations: minMs
 *   retransmitLimit(4, 100)                                      // 12 transmissions
 *   scaleByHealth(500, 3)                                        // 2,000 ms
 */

/**
 * Bounds of the suspicion timeout (Lifeguard §4.2, memberlist `suspicionTimeout`):
 * min = mult · log10(n + 1) · interval (log at least 1, so tiny rooms are not twitchy),
 * max = maxMult · min. `n` counts members believed alive or suspect, self included.
 */
export function suspicionBounds(
  n: number,
  suspicionMult: number,
  suspicionMaxMult: number,
  probeIntervalMs: number,
): { minMs: number; maxMs: number } {
  const scale = Math.max(1, Math.log10(Math.max(1, n) + 1))
  const minMs = Math.round(suspicionMult * scale * probeIntervalMs)
  return { minMs, maxMs: minMs * suspicionMaxMult }
}

/**
 * Total suspicion timeout (from when the suspicion started) after `confirmations`
 * independent accusers beyond the first (Lifeguard "LHA-Suspicion", memberlist
 * `remainingSuspicionTime`): it falls from max to min with log(c + 1) / log(k + 1),
 * reaching min once `expected` (k) confirmations arrived. With k < 1 it is min.
 */
export function suspicionTimeoutMs(
  confirmations: number,
  expected: number,
  minMs: number,
  maxMs: number,
): number {
  if (expected < 1) return minMs
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1)
  const raw = maxMs - fraction * (maxMs - minMs)
  return Math.max(minMs, Math.floor(raw))
}

/**
 * How many times one membership update is piggybacked by each peer before it is
 * dropped: mult · ⌈log10(n + 1)⌉ (memberlist `retransmitLimit`), so news reaches
 * everyone with high probability while per-update traffic grows only with log N.
 */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(Math.max(0, n) + 1))
}

/**
 * Lifeguard's local health score ("LHA-Probe"): a counter in [0, max - 1] raised by
 * signs that this peer is the slow one (missed nacks, refuting a suspicion, missing
 * its own deadlines) and lowered by each successful probe. memberlist `awareness`.
 */
export function applyHealthDelta(score: number, delta: number, maxMultiplier: number): number {
  return Math.min(Math.max(0, score + delta), Math.max(0, maxMultiplier - 1))
}

/** A timeout stretched by the health score: probe interval and timeout are multiplied by score + 1. */
export function scaleByHealth(timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1)
}

/**
 * Health change after a failed probe (memberlist `probeNode`): each expected nack that
 * did not come counts against us (the helpers could not even hear us); with no
 * helpers to ask, the failure itself counts once.
 */
export function failedProbeHealthDelta(expectedNacks: number, nacksReceived: number): number {
  if (expectedNacks <= 0) return 1
  return Math.max(0, expectedNacks - nacksReceived)
}
