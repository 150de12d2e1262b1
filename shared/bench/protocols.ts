/**
 * The two protocols the benchmark runs side by side, behind one factory shape.
 *
 * - gossip-mesh: whatever `createNode` of the package exports (the composed SWIM +
 *   HyParView + Plumtree node), over connection-oriented links, joining through the
 *   signaling server's bounded random sample (SimRoom).
 * - baseline: memberlist's defaults (push gossip, fanout 3, 4*ceil(log10(N+1))
 *   retransmits, SWIM without Lifeguard) over datagrams, every node knowing the full
 *   member list from the start.
 */
import type { PeerId } from '../src/ids'
import type { MemberIndex } from '../src/membership/member-index'
import type { MeshNode } from '../src/node/mesh-node'
import type { Random } from '../src/random'
import type { Replica } from '../src/replica/replica'
import { FrameType } from '../src/wire/frame-type'
import { createPushGossipNode } from './baseline/push-gossip-node'
import { createBaselineMembership } from './baseline/swim-baseline'

export type ProtocolName = 'gossip-mesh' | 'baseline'

export interface MakeContext {
  id: PeerId
  replica: Replica
  random: Random
  /** All members of the run, in index order (only the baseline may use it). */
  roster: readonly PeerId[]
  indexOf: (id: PeerId) => number
  /** One per run, shared by every node: one copy of each id, member tables as typed arrays. */
  memberIndex: MemberIndex
}

export interface Protocol {
  readonly name: ProtocolName
  /** Run the simulator in datagram mode (no connections needed to send). */
  readonly datagram: boolean
  /** 'room': each joiner is told a sample of 8 present peers; 'roster': every node knows everyone at start. */
  readonly bootstrap: 'room' | 'roster'
  make(ctx: MakeContext): MeshNode
}

/**
 * Frame types that carry a CRDT update (payload), by name in the wire type table; every
 * other frame is control. Plumtree's eager push and GRAFT answers are `Update` frames,
 * anti-entropy's answer is `SyncDiff`; IHAVE and SWIM frames never carry payload.
 */
const PAYLOAD_FRAME_NAMES = ['Update', 'SyncDiff']

export function payloadFrameTypes(): { numbers: ReadonlySet<number>; names: string[] } {
  const table = FrameType as Record<string, number>
  const names = PAYLOAD_FRAME_NAMES.filter((name) => table[name] !== undefined)
  return { numbers: new Set(names.map((name) => table[name] as number)), names }
}

/**
 * gossip-mesh as the package exports it. Loaded on demand, so the baseline alone runs
 * even while the core is being rebuilt.
 */
export async function loadGossipMesh(): Promise<Protocol> {
  const { createNode } = await import('../src/index')
  return {
    name: 'gossip-mesh',
    datagram: false,
    bootstrap: 'room',
    make: ({ id, replica, random, memberIndex }) => createNode({ id, replica, random, memberIndex }),
  }
}

export const BASELINE: Protocol = {
  name: 'baseline',
  datagram: true,
  bootstrap: 'roster',
  make: ({ id, replica, random, roster, indexOf, memberIndex }) =>
    createPushGossipNode({
      id,
      replica,
      random,
      roster,
      indexOf,
      membership: createBaselineMembership({
        id,
        random,
        roster,
        memberIndex,
      }),
    }),
}

export const PROTOCOL_NAMES: readonly ProtocolName[] = ['gossip-mesh', 'baseline']

export async function loadProtocol(name: ProtocolName): Promise<Protocol> {
  return name === 'baseline' ? BASELINE : loadGossipMesh()
}
