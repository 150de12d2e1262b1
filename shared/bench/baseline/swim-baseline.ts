/**
 * The baseline's failure detector: the package's standalone SWIM node with
 * `lifeguard: false` (classic SWIM: fixed suspicion timeout, no nacks, no local health),
 * memberlist's default LAN timings, over datagrams to any member, knowing the full
 * member list from the start as a memberlist node that joined does.
 */
import type { PeerId } from '../../src/ids'
import type { MemberIndex } from '../../src/membership/member-index'
import { createSwimNode } from '../../src/membership/swim-node'
import type { MeshNode } from '../../src/node/mesh-node'
import type { Random } from '../../src/random'

export interface BaselineMembershipContext {
  id: PeerId
  random: Random
  roster: readonly PeerId[]
  /** The run's shared id index: one copy of each id, member tables as typed arrays. */
  memberIndex: MemberIndex
}

/** Printed in the benchmark header. */
export const BASELINE_MEMBERSHIP = 'SWIM without Lifeguard (createSwimNode, lifeguard: false)'

export function createBaselineMembership(ctx: BaselineMembershipContext): MeshNode {
  // Each node gets the roster in its own random order, as memberlist shuffles its node
  // list: the probe ring is walked in insertion order until its first wrap, so a shared
  // order has every node probe the same member in the same second, and a member that
  // crashes just after its turn goes unprobed for about N seconds.
  return createSwimNode({
    id: ctx.id,
    random: ctx.random,
    roster: ctx.random.shuffle(ctx.roster),
    lifeguard: false,
    memberIndex: ctx.memberIndex,
  })
}
