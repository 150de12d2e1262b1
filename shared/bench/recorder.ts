/**
 * What the benchmark observes, protocol-agnostically: every node is wrapped so its
 * outgoing frames are counted (payload-carrying or control, by the frame type byte), its
 * `member-changed` effects to 'dead' are timed, and each first delivery of a broadcast
 * (reported by the bench replica) is timed and given a hop count: one more than the hop
 * count at the node whose frame delivered it.
 *
 *   const rec = new Recorder(net, n, payloadTypes)
 *   net.addNode(id, (random) => rec.wrap(i, make(random)))
 *   const b = rec.issue(origin, 'steady')   // then inject the update at the origin
 */
import type { PeerId } from '../src/ids'
import type { Effect } from '../src/node/effect'
import type { MeshNode } from '../src/node/mesh-node'
import type { NodeEvent } from '../src/node/node-event'
import type { SimNetwork } from '../src/sim/sim-network'

export type Phase = 'steady' | 'recovery' | 'other'

/** Hop counts are kept in a byte; 255 means "not received", 254 "received, hops unknown". */
const NO_HOPS = 255
const UNKNOWN_HOPS = 254

export interface BroadcastRecord {
  readonly id: number
  readonly origin: number
  readonly issuedAt: number
  readonly phase: Phase
  /** Nodes other than the origin that applied it. */
  delivered: number
  /** Time of the latest first delivery. */
  lastAt: number
  /** Hops at which each node first got it (NO_HOPS if not). */
  readonly hops: Uint8Array
}

export interface TrafficCounters {
  payloadFrames: number
  payloadBytes: number
  controlFrames: number
  controlBytes: number
}

export class Recorder {
  readonly broadcasts: BroadcastRecord[] = []
  readonly traffic: TrafficCounters = { payloadFrames: 0, payloadBytes: 0, controlFrames: 0, controlBytes: 0 }
  /** Latencies of first deliveries of steady-state broadcasts, ms. */
  readonly steadyLatencies: number[] = []
  /** Histogram of hop counts of first deliveries of steady-state broadcasts. */
  readonly steadyHops: number[] = []
  /** Steady-state first deliveries whose hop count could not be traced. */
  steadyHopsUnknown = 0
  /** When set, records the distinct peers each node exchanged frames with (datagram protocols). */
  peerSets: Set<number>[] | undefined
  /** Crash time of each node in the current detection set. */
  private readonly watched = new Map<number, { crashedAt: number; seen: Uint8Array; times: number[] }>()
  /** Nodes the benchmark crashed on purpose (a 'dead' verdict on any other is false). */
  readonly crashed: Uint8Array
  /** While set, 'dead' verdicts on live nodes are counted as false. */
  countFalseDead = false
  readonly falseDeadSubjects = new Set<number>()
  falseDeadEvents = 0
  /** Sender of the event being handled when it is a frame (a first delivery's previous hop). */
  private currentFrom: PeerId | undefined

  constructor(
    private readonly net: SimNetwork,
    private readonly n: number,
    private readonly payloadTypes: ReadonlySet<number>,
  ) {
    this.crashed = new Uint8Array(n)
  }

  /** Wrap node `index` (its order of addition to the network). */
  wrap(index: number, inner: MeshNode): MeshNode {
    const handle = (now: number, event: NodeEvent): Effect[] => {
      this.currentFrom = event.type === 'frame' ? event.from : undefined
      const effects = inner.handle(now, event)
      for (let k = 0; k < effects.length; k++) {
        const e = effects[k] as Effect
        if (e.type === 'send') this.onSend(index, e.to, e.bytes)
        else if (e.type === 'member-changed' && e.member.state === 'dead')
          this.onDead(index, e.member.id, now)
      }
      return effects
    }
    return {
      id: inner.id,
      handle,
      nextWakeAt: () => inner.nextWakeAt(),
      members: () => inner.members(),
      neighbors: () => inner.neighbors(),
      stats: () => inner.stats(),
    }
  }

  /** Register broadcast id `this.broadcasts.length + 1` from `origin`, issued now. */
  issue(origin: number, phase: Phase): BroadcastRecord {
    const hops = new Uint8Array(this.n).fill(NO_HOPS)
    const record: BroadcastRecord = {
      id: this.broadcasts.length + 1,
      origin,
      issuedAt: this.net.now,
      phase,
      delivered: 0,
      lastAt: this.net.now,
      hops,
    }
    this.broadcasts.push(record)
    return record
  }

  /** Called by node `node`'s replica the first time it holds broadcast `id`. */
  delivered(node: number, id: number): void {
    const b = this.broadcasts[id - 1]
    if (b === undefined) return
    if (node === b.origin) {
      b.hops[node] = 0
      return
    }
    const from = this.currentFrom === undefined ? -1 : this.net.indexOf(this.currentFrom)
    // Delivered outside a frame (the node buffered it), or by a node whose own count is
    // unknown: the hop count is unknown too, and left out of the histogram.
    const fromHops = from < 0 ? UNKNOWN_HOPS : (b.hops[from] as number)
    const hops = fromHops >= UNKNOWN_HOPS - 1 ? UNKNOWN_HOPS : fromHops + 1
    b.hops[node] = hops
    b.delivered++
    const now = this.net.now
    b.lastAt = now
    if (b.phase === 'steady') {
      this.steadyLatencies.push(now - b.issuedAt)
      if (hops === UNKNOWN_HOPS) this.steadyHopsUnknown++
      else this.steadyHops[hops] = (this.steadyHops[hops] ?? 0) + 1
    }
  }

  /** Start timing how long each of `nodes` (crashed now) takes to be declared dead by every live node. */
  watchCrashes(nodes: readonly number[]): void {
    this.watched.clear()
    for (const i of nodes)
      this.watched.set(i, { crashedAt: this.net.now, seen: new Uint8Array(this.n), times: [] })
  }

  /** Per watched crash: the detection delay at each live viewer that declared it dead so far. */
  detectionTimes(): number[][] {
    return [...this.watched.values()].map((w) => w.times)
  }

  private onSend(from: number, to: PeerId, bytes: Uint8Array): void {
    const t = this.traffic
    if (this.payloadTypes.has(bytes[1] as number)) {
      t.payloadFrames++
      t.payloadBytes += bytes.length
    } else {
      t.controlFrames++
      t.controlBytes += bytes.length
    }
    const sets = this.peerSets
    if (sets !== undefined) {
      const j = this.net.indexOf(to)
      if (j >= 0 && j !== from) {
        ;(sets[from] as Set<number>).add(j)
        ;(sets[j] as Set<number>).add(from)
      }
    }
  }

  private onDead(viewer: number, subjectId: PeerId, now: number): void {
    const subject = this.net.indexOf(subjectId)
    if (subject < 0) return
    const w = this.watched.get(subject)
    if (w !== undefined && w.seen[viewer] === 0) {
      w.seen[viewer] = 1
      w.times.push(now - w.crashedAt)
    }
    if (this.crashed[subject] === 0 && this.countFalseDead) {
      this.falseDeadSubjects.add(subject)
      this.falseDeadEvents++
    }
  }
}
