/**
 * Short failure-detection timing for tests, in the option names the node in
 * @gossip-mesh/shared understands: the skeleton's heartbeat options (issue #2) or SWIM's
 * probe options (issue #3). Only names the node knows are kept, because the demo page
 * refuses unknown query parameters rather than ignore them.
 */
import { NODE_DEFAULTS } from '@gossip-mesh/shared'

const CANDIDATES: Record<string, number> = {
  // Skeleton node: heartbeat gossip.
  heartbeatIntervalMs: 250,
  antiEntropyIntervalMs: 500,
  suspectAfterMs: 1_500,
  deadAfterMs: 3_000,
  // SWIM: a probe every 500 ms; suspicion scales from there.
  probeIntervalMs: 500,
  probeTimeoutMs: 250,
}

export const FAST: Record<string, number> = Object.fromEntries(
  Object.entries(CANDIDATES).filter(([key]) => key in NODE_DEFAULTS),
)
