/**
 * Options of the composed node: identity and replica, plus the options of each layer
 * (SWIM + Lifeguard membership, HyParView overlay, Plumtree broadcast and anti-entropy),
 * flat, so a shell passes `{ id, replica, random, probeIntervalMs: 2_000 }` through.
 * Each layer's options file documents every field, its default and the reason for it.
 */
import {
  PLUMTREE_DEFAULTS,
  type PlumtreeOptions,
  resolvePlumtreeOptions,
} from '../broadcast/plumtree-options'
import { isPeerId, type PeerId } from '../ids'
import { LocalMemberIndex, type MemberIndex } from '../membership/member-index'
import { resolveSwimOptions, SWIM_DEFAULTS, type SwimOptions } from '../membership/swim-options'
import {
  HYPARVIEW_DEFAULTS,
  type HyParViewOptions,
  resolveHyParViewOptions,
} from '../overlay/hyparview-options'
import type { Random } from '../random'
import type { Replica } from '../replica/replica'
import { DEFAULT_WIRE_LIMITS, MAX_INCARNATION, type WireLimits } from '../wire/limits'
import { NodeOptionsError, stripUndefined } from './options-error'

export { NodeOptionsError } from './options-error'

export interface NodeOptions extends SwimOptions, HyParViewOptions, PlumtreeOptions {
  /** This peer's id. Required. */
  id: PeerId
  /** The state to disseminate. Required. */
  replica: Replica
  /** Seeded randomness (the shell passes crypto-backed randomness in production). Required. */
  random: Random
  /** Metadata published at start (a user's name, an agent's status). Default empty. */
  meta?: Uint8Array
  /**
   * Incarnation to start at. Default 1. A shell that remembers its last incarnation can
   * pass it + 1 so a reload is not taken for stale news; otherwise the first peer that
   * still remembers the old run tells it, and it jumps past.
   */
  incarnation?: number
  /** Decoder caps. Default DEFAULT_WIRE_LIMITS. */
  wireLimits?: WireLimits
  /**
   * Peer ids ↔ member-table slots. Default: a new index of this node's own. A simulator
   * running thousands of nodes in one process passes one `SharedMemberIndex` to all, so
   * they share one copy of each id and their tables stay a few typed arrays.
   */
  memberIndex?: MemberIndex
}

export type ResolvedNodeOptions = Required<NodeOptions>

/** Every default in one place; the reasons are beside each layer's own DEFAULTS. */
export const NODE_DEFAULTS = {
  ...SWIM_DEFAULTS,
  ...HYPARVIEW_DEFAULTS,
  ...PLUMTREE_DEFAULTS,
  meta: new Uint8Array(0),
  incarnation: 1,
  wireLimits: DEFAULT_WIRE_LIMITS,
} as const

export function resolveNodeOptions(options: NodeOptions): ResolvedNodeOptions {
  const given = stripUndefined(options)
  if (!isPeerId(given.id)) throw new NodeOptionsError('id', 'must be 1-64 characters of [A-Za-z0-9_.:@-]')
  if (given.replica === undefined) throw new NodeOptionsError('replica', 'is required')
  if (given.random === undefined) throw new NodeOptionsError('random', 'is required')
  const o = {
    ...NODE_DEFAULTS,
    ...given,
    ...resolveSwimOptions(options),
    ...resolveHyParViewOptions(options),
    ...resolvePlumtreeOptions(options),
    // Never a default shared between nodes: each peer's index is its own.
    memberIndex: given.memberIndex ?? new LocalMemberIndex(),
  } as ResolvedNodeOptions
  if (!Number.isSafeInteger(o.incarnation) || o.incarnation < 0 || o.incarnation > MAX_INCARNATION)
    throw new NodeOptionsError('incarnation', `must be an integer from 0 to ${MAX_INCARNATION}`)
  if (typeof o.memberIndex.slotOf !== 'function')
    throw new NodeOptionsError('memberIndex', 'must be a MemberIndex')
  if (!(o.meta instanceof Uint8Array)) throw new NodeOptionsError('meta', 'must be a Uint8Array')
  if (o.maxMetaBytes > o.wireLimits.maxMetaBytes)
    throw new NodeOptionsError(
      'maxMetaBytes',
      `must be <= wireLimits.maxMetaBytes (${o.wireLimits.maxMetaBytes})`,
    )
  if (o.meta.length > o.maxMetaBytes)
    throw new NodeOptionsError('meta', `must be at most maxMetaBytes (${o.maxMetaBytes})`)
  return o
}
