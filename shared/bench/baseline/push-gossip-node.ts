/**
 * The benchmark's baseline, shaped after hashicorp/memberlist with its default config:
 * plain push gossip over datagrams to random members (no spanning tree, no anti-entropy),
 * next to a SWIM membership module without Lifeguard. It implements the MeshNode
 * contract, so it runs in the same harness and simulator as gossip-mesh (in the
 * simulator's datagram mode: memberlist talks UDP to any member).
 *
 *   const node = createPushGossipNode({ id, replica, random, roster, membership })
 *
 * Dissemination follows memberlist's TransmitLimitedQueue: every `gossipIntervalMs`
 * (GossipInterval 200 ms) a node with queued updates picks `fanout` random live members
 * (GossipNodes 3) and sends each of them the queued updates, fewest transmissions first,
 * up to one UDP packet's worth; an update leaves the queue after
 * `retransmitMult * ceil(log10(N + 1))` transmissions (RetransmitMult 4). Each update
 * travels as its own `update` frame, so payload copies are counted one per frame.
 */
import type { PeerId } from '../../src/ids'
import type { Effect } from '../../src/node/effect'
import type { MemberView } from '../../src/node/member-view'
import type { MeshNode } from '../../src/node/mesh-node'
import type { NodeEvent } from '../../src/node/node-event'
import { emptyStats, type NodeStats } from '../../src/node/node-stats'
import type { Random } from '../../src/random'
import type { Replica } from '../../src/replica/replica'
import { decodeFrame, encodeFrame } from '../../src/wire/codec'
import { FrameType } from '../../src/wire/frame-type'

export interface PushGossipOptions {
  id: PeerId
  replica: Replica
  random: Random
  /** Every member of the room, shared by all nodes (memberlist nodes join with the full list here). */
  roster: readonly PeerId[]
  /** Index of a member in `roster` (the bench's numbering), or -1. */
  indexOf: (id: PeerId) => number
  /** The failure detector, fed every non-update frame and tick. Undefined: no failure detection. */
  membership?: MeshNode
  /** Period of a gossip round. Default 200 ms, memberlist's GossipInterval. */
  gossipIntervalMs?: number
  /** Members sent to per round. Default 3, memberlist's GossipNodes. */
  fanout?: number
  /** Transmissions per update per node = retransmitMult * ceil(log10(N + 1)). Default 4, memberlist's RetransmitMult. */
  retransmitMult?: number
  /** Bytes of updates per round and target. Default 1,400, memberlist's UDPBufferSize. */
  packetBytes?: number
}

export const PUSH_GOSSIP_DEFAULTS = {
  gossipIntervalMs: 200,
  fanout: 3,
  retransmitMult: 4,
  packetBytes: 1_400,
} as const

/** memberlist's retransmitLimit: mult * ceil(log10(n + 1)). */
export function retransmitLimit(mult: number, n: number): number {
  return mult * Math.ceil(Math.log10(n + 1))
}

interface Queued {
  readonly bytes: Uint8Array
  transmits: number
}

export function createPushGossipNode(options: PushGossipOptions): MeshNode {
  const o = { ...PUSH_GOSSIP_DEFAULTS, ...options }
  const { id, replica, random, roster, membership } = o
  const self = o.indexOf(id)
  const limit = retransmitLimit(o.retransmitMult, roster.length)
  const stats: NodeStats = emptyStats()
  const seen = new SeenIds(4_096)
  /** Members this node believes dead or left, one bit each: cheap at 10,000 members. */
  const down = new Uint8Array((roster.length >> 3) + 1)
  let queue: Queued[] = []
  const session = random.int(2 ** 31)
  let seq = 0
  /** Rounds tick at offset + k * interval; a node with nothing queued does not wake. */
  const offset = random.next() * o.gossipIntervalMs
  let nextGossipAt = Number.POSITIVE_INFINITY

  const isDown = (i: number): boolean => ((down[i >> 3] as number) & (1 << (i & 7))) !== 0
  const setDown = (i: number, value: boolean): void => {
    if (value) down[i >> 3] = (down[i >> 3] as number) | (1 << (i & 7))
    else down[i >> 3] = (down[i >> 3] as number) & ~(1 << (i & 7))
  }

  function enqueue(now: number, bytes: Uint8Array): void {
    queue.push({ bytes, transmits: 0 })
    if (nextGossipAt === Number.POSITIVE_INFINITY)
      nextGossipAt = offset + Math.floor((now - offset) / o.gossipIntervalMs + 1) * o.gossipIntervalMs
  }

  /** Up to `fanout` distinct random members not known to be down, by rejection sampling. */
  function pickTargets(): number[] {
    const out: number[] = []
    for (let tries = 0; tries < o.fanout * 8 && out.length < o.fanout; tries++) {
      const j = random.int(roster.length)
      if (j !== self && !isDown(j) && !out.includes(j)) out.push(j)
    }
    return out
  }

  function gossip(out: Effect[], now: number): void {
    nextGossipAt = now + o.gossipIntervalMs
    for (const target of pickTargets()) {
      if (queue.length === 0) break
      // Fewest transmissions first, as memberlist's queue orders them.
      queue.sort((a, b) => a.transmits - b.transmits)
      let bytes = 0
      for (const item of queue) {
        if (bytes + item.bytes.length > o.packetBytes && bytes > 0) break
        bytes += item.bytes.length
        item.transmits++
        stats.framesSent++
        stats.bytesSent += item.bytes.length
        out.push({ type: 'send', to: roster[target] as PeerId, bytes: item.bytes })
      }
      queue = queue.filter((item) => item.transmits < limit)
    }
    if (queue.length === 0) nextGossipAt = Number.POSITIVE_INFINITY
  }

  function onUpdateFrame(out: Effect[], now: number, from: PeerId, bytes: Uint8Array): void {
    const decoded = decodeFrame(bytes)
    if (!decoded.ok || decoded.frame.type !== 'update') {
      stats.dropped.malformed = (stats.dropped.malformed ?? 0) + 1
      return
    }
    const f = decoded.frame
    if (!seen.add(`${f.origin}:${f.session}:${f.seq}`)) {
      stats.duplicatesReceived++
      return
    }
    const result = replica.apply(f.payload)
    if (!result.ok) {
      stats.dropped['bad-update'] = (stats.dropped['bad-update'] ?? 0) + 1
      return
    }
    if (result.value.changed) {
      stats.updatesApplied++
      out.push({ type: 'replica-changed', from })
    }
    enqueue(now, encodeFrame({ ...f, hops: f.hops + 1 }))
  }

  /** Pass an event to the membership module and learn liveness from its verdicts. */
  function toMembership(out: Effect[], now: number, event: NodeEvent): void {
    if (membership === undefined) return
    for (const e of membership.handle(now, event)) {
      if (e.type === 'member-changed') {
        const j = o.indexOf(e.member.id)
        if (j >= 0) setDown(j, e.member.state === 'dead' || e.member.state === 'left')
      }
      out.push(e)
    }
  }

  function handle(now: number, event: NodeEvent): Effect[] {
    const out: Effect[] = []
    switch (event.type) {
      case 'frame':
        stats.framesReceived++
        stats.bytesReceived += event.bytes.length
        if (event.bytes[1] === FrameType.Update) onUpdateFrame(out, now, event.from, event.bytes)
        else toMembership(out, now, event)
        break
      case 'local-update':
        seq++
        stats.updatesOriginated++
        seen.add(`${id}:${session}:${seq}`)
        enqueue(
          now,
          encodeFrame({ type: 'update', origin: id, session, seq, hops: 0, payload: event.update }),
        )
        break
      case 'tick':
        if (membership !== undefined && now >= membership.nextWakeAt()) toMembership(out, now, event)
        if (now >= nextGossipAt) gossip(out, now)
        break
      default:
        toMembership(out, now, event)
    }
    return out
  }

  return {
    id,
    handle,
    nextWakeAt: () => Math.min(nextGossipAt, membership?.nextWakeAt() ?? Number.POSITIVE_INFINITY),
    members: (): MemberView[] => membership?.members() ?? [],
    neighbors: () => [],
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
  }
}

/** Recently seen update ids, oldest forgotten first (a late duplicate is harmless: merges are idempotent). */
class SeenIds {
  private readonly keys = new Set<string>()

  constructor(private readonly capacity: number) {}

  /** Adds `key`; false when it was already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false
    this.keys.add(key)
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string)
    return true
  }
}
