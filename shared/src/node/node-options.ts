/**
 * Options of the skeleton node. Defaults suit a browser room of up to a few hundred
 * peers; issue #3's protocols replace the heartbeat table and flooding for larger rooms.
 */
import { isPeerId, type PeerId } from '../ids'
import type { Random } from '../random'
import type { Replica } from '../replica/replica'
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../wire/limits'

export interface NodeOptions {
  /** This peer's id. Required. */
  id: PeerId
  /** The state to disseminate. Required. */
  replica: Replica
  /** Seeded randomness (the shell passes crypto-backed randomness in production). Required. */
  random: Random
  /** Connections this peer opens itself. Default 4: a random graph of degree >= 4 is connected w.h.p. for small rooms. */
  targetNeighbors?: number
  /** Hard cap on connections, incoming included. Default 8: bounds memory and upload per tab. */
  maxNeighbors?: number
  /** Heartbeat and gossip period. Default 1,000 ms. */
  heartbeatIntervalMs?: number
  /** Silence before a member is suspect. Default 6,000 ms: several periods times the overlay diameter. */
  suspectAfterMs?: number
  /** Silence before a member is dead. Default 15,000 ms. */
  deadAfterMs?: number
  /** How long dead and left members stay listed. Default 60,000 ms. */
  retentionMs?: number
  /** Period of anti-entropy with one random neighbour. Default 2,000 ms. */
  antiEntropyIntervalMs?: number
  /** How long a `connect` may stay unanswered before the node gives up on it. Default 15,000 ms. */
  connectTimeoutMs?: number
  /** Update keys remembered for duplicate suppression. Default 4,096. */
  seenCacheSize?: number
  /** Decoder caps. Default DEFAULT_WIRE_LIMITS. */
  wireLimits?: WireLimits
}

export type ResolvedNodeOptions = Required<NodeOptions>

export const NODE_DEFAULTS = {
  targetNeighbors: 4,
  maxNeighbors: 8,
  heartbeatIntervalMs: 1_000,
  suspectAfterMs: 6_000,
  deadAfterMs: 15_000,
  retentionMs: 60_000,
  antiEntropyIntervalMs: 2_000,
  connectTimeoutMs: 15_000,
  seenCacheSize: 4_096,
  wireLimits: DEFAULT_WIRE_LIMITS,
} as const

/** Thrown when node options are wrong; `field` names the bad one. */
export class NodeOptionsError extends Error {
  readonly code = 'GM_ERR_NODE_OPTIONS'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

export function resolveNodeOptions(options: NodeOptions): ResolvedNodeOptions {
  const o = { ...NODE_DEFAULTS, ...options } as ResolvedNodeOptions
  if (!isPeerId(o.id)) throw new NodeOptionsError('id', 'must be 1-64 characters of [A-Za-z0-9_.:@-]')
  if (o.replica === undefined) throw new NodeOptionsError('replica', 'is required')
  if (o.random === undefined) throw new NodeOptionsError('random', 'is required')
  const positive = [
    'targetNeighbors',
    'maxNeighbors',
    'heartbeatIntervalMs',
    'suspectAfterMs',
    'deadAfterMs',
    'retentionMs',
    'antiEntropyIntervalMs',
    'connectTimeoutMs',
    'seenCacheSize',
  ] as const
  for (const field of positive) {
    const v = o[field]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new NodeOptionsError(field, 'must be a positive number')
  }
  if (o.maxNeighbors < o.targetNeighbors)
    throw new NodeOptionsError('maxNeighbors', 'must be >= targetNeighbors')
  if (o.deadAfterMs <= o.suspectAfterMs) throw new NodeOptionsError('deadAfterMs', 'must be > suspectAfterMs')
  return o
}
