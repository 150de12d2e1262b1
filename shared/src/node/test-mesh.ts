/**
 * Test helper: a room of composed nodes over the simulated network, with vector replicas
 * (cheap at a few hundred nodes) and an effect log the protocol tests assert on.
 *
 *   const mesh = buildMesh({ seed, n: 100 })
 *   mesh.write('p3')                      // originate one update at p3
 *   mesh.net.runUntilTrue(() => mesh.allHave('p3', 1), 10_000)
 */
import type { PeerId } from '../ids'
import { createVectorReplica, encodeVectorUpdate, type VectorReplica } from '../replica/vector-replica'
import { SimNetwork, type SimOptions } from '../sim/sim-network'
import { SimRoom } from '../sim/sim-room'
import { FrameType } from '../wire/frame-type'
import type { Effect } from './effect'
import { createNode, type GossipNode } from './gossip-node'
import type { MeshNode } from './mesh-node'
import type { NodeOptions } from './node-options'

export interface MeshSetup {
  seed: number
  n: number
  loss?: number
  /** Options passed to every node. */
  options?: Partial<NodeOptions>
  /** Virtual time between joins. Default 100 ms. */
  joinEveryMs?: number
  sim?: Partial<SimOptions>
  /** Wrap a node before it enters the network (to drop chosen effects, say). */
  wrap?: (id: PeerId, node: GossipNode) => MeshNode
}

export interface MemberChange {
  at: number
  viewer: PeerId
  subject: PeerId
  state: string
  version: number
}

export interface Mesh {
  net: SimNetwork
  room: SimRoom
  node(id: PeerId): GossipNode
  replica(id: PeerId): VectorReplica
  ids(): PeerId[]
  liveIds(): PeerId[]
  /** Every member-changed effect, in order. */
  changes: MemberChange[]
  /** Payload-carrying frames sent (update and sync-diff), since the last reset. */
  payloadFrames: { update: number; diff: number }
  /** Originate the next update at `id`; returns its seq. */
  write(id: PeerId): number
  allHave(origin: PeerId, seq: number, among?: PeerId[]): boolean
  join(id: PeerId): void
  /** The state `viewer` holds for `subject`. */
  stateIn(viewer: PeerId, subject: PeerId): string | undefined
}

export function buildMesh(setup: MeshSetup): Mesh {
  const nodes = new Map<PeerId, GossipNode>()
  const replicas = new Map<PeerId, VectorReplica>()
  const seqs = new Map<PeerId, number>()
  const changes: MemberChange[] = []
  const payloadFrames = { update: 0, diff: 0 }
  const observe = (viewer: PeerId, effect: Effect, now: number) => {
    if (effect.type === 'member-changed')
      changes.push({
        at: now,
        viewer,
        subject: effect.member.id,
        state: effect.member.state,
        version: effect.member.version,
      })
    else if (effect.type === 'send') {
      if (effect.bytes[1] === FrameType.Update) payloadFrames.update++
      else if (effect.bytes[1] === FrameType.SyncDiff) payloadFrames.diff++
    }
  }
  const net = new SimNetwork({ seed: setup.seed, loss: setup.loss ?? 0, observe, ...setup.sim })
  const room = new SimRoom(net, (id, random) => {
    const replica = createVectorReplica()
    replicas.set(id, replica)
    const node = createNode({ ...setup.options, id, replica, random })
    nodes.set(id, node)
    return setup.wrap === undefined ? node : setup.wrap(id, node)
  })
  const mesh: Mesh = {
    net,
    room,
    node: (id) => nodes.get(id) as GossipNode,
    replica: (id) => replicas.get(id) as VectorReplica,
    ids: () => room.ids(),
    liveIds: () => room.ids().filter((id) => net.isAlive(id)),
    changes,
    payloadFrames,
    write(id) {
      const seq = (seqs.get(id) ?? 0) + 1
      seqs.set(id, seq)
      const update = encodeVectorUpdate(id, seq)
      replicas.get(id)?.apply(update)
      net.inject(id, { type: 'local-update', update })
      return seq
    },
    allHave(origin, seq, among) {
      return (among ?? mesh.liveIds()).every((id) => replicas.get(id)?.has(origin, seq) === true)
    },
    join(id) {
      room.join(id)
    },
    stateIn(viewer, subject) {
      return nodes.get(viewer)?.member(subject)?.state
    },
  }
  for (let i = 0; i < setup.n; i++) {
    room.join(`p${i}`)
    net.runFor(setup.joinEveryMs ?? 100)
  }
  return mesh
}

/** Breadth-first distances from `from` over the active views of `ids` (the peers reached). */
export function activeDistances(mesh: Mesh, ids: readonly PeerId[], from: PeerId): Map<PeerId, number> {
  const allowed = new Set(ids)
  const dist = new Map<PeerId, number>([[from, 0]])
  const queue = [from]
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as PeerId
    for (const p of mesh.node(id).activeView())
      if (allowed.has(p) && !dist.has(p)) {
        dist.set(p, (dist.get(id) as number) + 1)
        queue.push(p)
      }
  }
  return dist
}

/** Whether the undirected graph of active views over `ids` is connected. */
export function activeGraphConnected(mesh: Mesh, ids: readonly PeerId[]): boolean {
  if (ids.length === 0) return true
  return activeDistances(mesh, ids, ids[0] as PeerId).size === ids.length
}

/** A `wrap` that shows `seen` every frame a node receives, before the node handles it. */
export function watchFrames(seen: (self: PeerId, bytes: Uint8Array) => void): MeshSetup['wrap'] {
  return (self, node) => ({
    id: self,
    nextWakeAt: () => node.nextWakeAt(),
    members: () => node.members(),
    neighbors: () => node.neighbors(),
    stats: () => node.stats(),
    handle(now, event) {
      if (event.type === 'frame') seen(self, event.bytes)
      return node.handle(now, event)
    },
  })
}
