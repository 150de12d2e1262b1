/**
 * A deterministic in-memory network for MeshNodes: virtual time, per-frame latency and
 * loss, FIFO links (data channels are ordered), partitions, crashes and stalls. It plays
 * the shell's part: it performs `send`/`connect`/`disconnect` effects and feeds back
 * `frame`/`neighbor-up`/`neighbor-down`/`tick` events.
 *
 *   const net = new SimNetwork({ seed: 1, loss: 0.1 })
 *   for (const id of ids) net.addNode(id, (random) => createNode({ id, replica, random }))
 *   net.runFor(30_000)
 *
 * Built to run 10,000 nodes in one process: nodes are numbered internally, a link is an
 * entry in the sender's `Map<peer index, last delivery time>` (so the per-frame FIFO
 * bookkeeping needs no string key), and in-flight events are plain records dispatched by
 * kind rather than one closure each.
 */
import type { PeerId } from '../ids'
import type { Effect } from '../node/effect'
import type { MeshNode } from '../node/mesh-node'
import type { NodeEvent } from '../node/node-event'
import { type Random, seededRandom } from '../random'
import { EventQueue, type QueueTarget } from './event-queue'

export interface SimOptions {
  /** Seed of every random choice in the run, the nodes' included. Required. */
  seed: number
  /** One-way latency of a frame. Default: 20 ms plus an exponential tail of mean 30 ms. */
  latencyMs?: (random: Random) => number
  /** Probability that a frame is lost. Default 0. */
  loss?: number
  /** Time to open a connection (signaling plus ICE). Default 500 ms. */
  connectMs?: number
  /** Time before the neighbours of a crashed node see its channel close. Default 5,000 ms. */
  crashDetectMs?: number
  /**
   * Datagram mode, like UDP: a `send` needs no open connection, any live and reachable
   * node can be addressed, and frames are not kept in order. For protocols built on
   * connectionless transport (memberlist), run side by side with connection-based ones.
   * `connect`/`disconnect` effects still work. Default false (WebRTC data channels).
   */
  datagram?: boolean
  /** Called for every effect a node returns, after the network acted on it. */
  observe?: (node: PeerId, effect: Effect, now: number) => void
}

/** Event kinds on the queue; `a`/`b` are node indices unless said otherwise. */
const FRAME = 0 // a sent `data` (bytes) to b
const CONNECTED = 1 // a's connect to b completes now (data: the peer's id, a's epoch)
const CRASH_NOTICE = 2 // b notices that crashed a's channel is gone (data: a's epoch at the crash)
const CLOSE_NOTICE = 3 // b learns that a closed their channel (data: b's epoch then)
const WAKE = 4 // a's timer, valid while its token is b
const DEFERRED = 5 // `data` (an event) waited for a's stall to end; b: a's epoch then

export class SimNetwork implements QueueTarget {
  readonly random: Random
  private readonly queue = new EventQueue()
  private readonly index = new Map<PeerId, number>()
  private readonly ids: PeerId[] = []
  private readonly nodes: MeshNode[] = []
  private readonly alive: boolean[] = []
  /** Until when the node processes nothing (a throttled tab); events wait for it. */
  private readonly stalledUntil: number[] = []
  private readonly wakeAt: number[] = []
  private readonly wakeToken: number[] = []
  /** Bumped by each crash and restart, so a crash's delayed effects do not touch the next life. */
  private readonly epoch: number[] = []
  /** links[a] maps each linked peer b to the last delivery time a→b, which keeps links FIFO. */
  private readonly links: Map<number, number>[] = []
  /** Group of each node while partitioned (-1: in no listed group). */
  private partitionOf: number[] | undefined
  private readonly latency: (random: Random) => number
  private readonly loss: number
  private readonly connectMs: number
  private readonly crashDetectMs: number
  private readonly datagram: boolean
  private readonly observe: SimOptions['observe']
  framesSent = 0
  framesLost = 0

  constructor(options: SimOptions) {
    this.random = seededRandom(options.seed)
    this.latency = options.latencyMs ?? ((r) => 20 - 30 * Math.log(1 - r.next()))
    this.loss = options.loss ?? 0
    this.connectMs = options.connectMs ?? 500
    this.crashDetectMs = options.crashDetectMs ?? 5_000
    this.datagram = options.datagram ?? false
    this.observe = options.observe
  }

  get now(): number {
    return this.queue.now
  }

  get eventsProcessed(): number {
    return this.queue.processed
  }

  /** Events waiting on the queue (frames in flight, timers, deferred events). */
  get pendingEvents(): number {
    return this.queue.size
  }

  /** Nodes ever added, crashed ones included. */
  get size(): number {
    return this.ids.length
  }

  /** Add a node and start it now. `make` gets a random source derived from the run's seed. */
  addNode(id: PeerId, make: (random: Random) => MeshNode): MeshNode {
    if (this.index.has(id)) throw new Error(`node ${id} already added`)
    const node = make(seededRandom(this.random.int(2 ** 31)))
    const i = this.ids.length
    this.index.set(id, i)
    this.ids.push(id)
    this.nodes.push(node)
    this.alive.push(true)
    this.stalledUntil.push(0)
    this.wakeAt.push(Number.POSITIVE_INFINITY)
    this.wakeToken.push(0)
    this.epoch.push(0)
    this.links.push(new Map())
    this.partitionOf?.push(-1)
    this.deliver(i, { type: 'start' })
    return node
  }

  node(id: PeerId): MeshNode | undefined {
    const i = this.index.get(id)
    return i === undefined ? undefined : this.nodes[i]
  }

  /** The internal number of a node (its order of addition), or -1. */
  indexOf(id: PeerId): number {
    return this.index.get(id) ?? -1
  }

  /** The id of the node added `index`-th. */
  idAt(index: number): PeerId | undefined {
    return this.ids[index]
  }

  isAlive(id: PeerId): boolean {
    const i = this.index.get(id)
    return i !== undefined && this.alive[i] === true
  }

  /** Whether the node is frozen by `stall` right now. */
  isStalled(id: PeerId): boolean {
    const i = this.index.get(id)
    return i !== undefined && (this.stalledUntil[i] as number) > this.now
  }

  liveIds(): PeerId[] {
    const out: PeerId[] = []
    for (let i = 0; i < this.ids.length; i++) if (this.alive[i]) out.push(this.ids[i] as PeerId)
    return out
  }

  /** Open connections of a node, as the network sees them (0 for unknown or crashed-and-cut nodes). */
  degree(id: PeerId): number {
    const i = this.index.get(id)
    return i === undefined ? 0 : (this.links[i] as Map<number, number>).size
  }

  /** Feed an event to a node now (e.g. `local-update`, `peers-discovered`, `leave`). */
  inject(id: PeerId, event: NodeEvent): void {
    const i = this.index.get(id)
    if (i !== undefined) this.deliver(i, event)
  }

  /** Stop a node without warning; neighbours notice after `crashDetectMs`. */
  crash(id: PeerId): void {
    const i = this.index.get(id)
    if (i === undefined || !this.alive[i]) return
    this.alive[i] = false
    const epoch = (this.epoch[i] as number) + 1
    this.epoch[i] = epoch
    for (const peer of (this.links[i] as Map<number, number>).keys())
      this.queue.schedule(this.now + this.crashDetectMs, this, CRASH_NOTICE, i, peer, epoch)
  }

  /**
   * Start a crashed node again under the same id, as a new instance (a reloaded tab): fresh
   * state from `make`, no connections. Neighbours still linked to the old instance see
   * their channel close now. Frames already in flight to the id may still arrive
   * (datagram mode), as they would at a reused address.
   */
  restart(id: PeerId, make: (random: Random) => MeshNode): MeshNode {
    const i = this.index.get(id)
    if (i === undefined || this.alive[i]) throw new Error(`restart: ${id} is not a crashed node`)
    this.epoch[i] = (this.epoch[i] as number) + 1
    for (const peer of [...(this.links[i] as Map<number, number>).keys()]) {
      this.unlink(i, peer)
      this.deliver(peer, { type: 'neighbor-down', peer: id })
    }
    const node = make(seededRandom(this.random.int(2 ** 31)))
    this.nodes[i] = node
    this.alive[i] = true
    this.stalledUntil[i] = 0
    this.wakeAt[i] = Number.POSITIVE_INFINITY
    this.wakeToken[i] = (this.wakeToken[i] as number) + 1
    this.deliver(i, { type: 'start' })
    return node
  }

  /** Freeze a node for `ms`: it runs no events meanwhile, then catches up in order. */
  stall(id: PeerId, ms: number): void {
    const i = this.index.get(id)
    if (i !== undefined) this.stalledUntil[i] = Math.max(this.stalledUntil[i] as number, this.now + ms)
  }

  /** Split the network: frames and connections between different groups fail. */
  partition(groups: readonly (readonly PeerId[])[]): void {
    const of = new Array<number>(this.ids.length).fill(-1)
    groups.forEach((group, g) => {
      for (const id of group) {
        const i = this.index.get(id)
        if (i !== undefined) of[i] = g
      }
    })
    this.partitionOf = of
  }

  heal(): void {
    this.partitionOf = undefined
  }

  runFor(ms: number): void {
    this.queue.runUntil(this.now + ms)
  }

  runUntil(time: number): void {
    this.queue.runUntil(time)
  }

  /** Run in steps of `stepMs` until `done()` or `maxMs` elapsed; returns whether `done()` held. */
  runUntilTrue(done: () => boolean, maxMs: number, stepMs = 100): boolean {
    const end = this.now + maxMs
    while (this.now < end) {
      if (done()) return true
      this.queue.runUntil(Math.min(end, this.now + stepMs))
    }
    return done()
  }

  /** Dispatch of queued events (the QueueTarget contract); not for callers. */
  onEvent(kind: number, a: number, b: number, data: unknown): void {
    switch (kind) {
      case FRAME:
        // A frame in flight when the channel closes is lost, as on a real data channel.
        // A datagram only needs its receiver still up.
        if (this.datagram ? this.alive[b] : (this.links[b] as Map<number, number>).has(a))
          this.deliver(b, { type: 'frame', from: this.ids[a] as PeerId, bytes: data as Uint8Array })
        break
      case CONNECTED: {
        const { peer, epoch } = data as { peer: PeerId; epoch: number }
        if (epoch === this.epoch[a]) this.connected(a, b, peer)
        break
      }
      case CRASH_NOTICE:
        // After a restart the old life's channels are already gone, and a new one to b must stay.
        if (data === this.epoch[a] && this.unlink(a, b))
          this.deliver(b, { type: 'neighbor-down', peer: this.ids[a] as PeerId })
        break
      case CLOSE_NOTICE:
        if (data === this.epoch[b]) this.deliver(b, { type: 'neighbor-down', peer: this.ids[a] as PeerId })
        break
      case WAKE:
        if (this.wakeToken[a] !== b) return
        this.wakeAt[a] = Number.POSITIVE_INFINITY
        this.deliver(a, { type: 'tick' })
        break
      case DEFERRED:
        if (b === this.epoch[a]) this.deliver(a, data as NodeEvent)
        break
    }
  }

  private reachable(a: number, b: number): boolean {
    if (!this.alive[a] || !this.alive[b]) return false
    return this.partitionOf === undefined || this.partitionOf[a] === this.partitionOf[b]
  }

  private unlink(a: number, b: number): boolean {
    const had = (this.links[a] as Map<number, number>).delete(b)
    ;(this.links[b] as Map<number, number>).delete(a)
    return had
  }

  private deliver(i: number, event: NodeEvent): void {
    if (!this.alive[i]) return
    const stalledUntil = this.stalledUntil[i] as number
    if (stalledUntil > this.now) {
      this.queue.schedule(stalledUntil, this, DEFERRED, i, this.epoch[i] as number, event)
      return
    }
    const node = this.nodes[i] as MeshNode
    const effects = node.handle(this.now, event)
    for (let k = 0; k < effects.length; k++) {
      const effect = effects[k] as Effect
      this.perform(i, effect)
      if (this.observe !== undefined) this.observe(this.ids[i] as PeerId, effect, this.now)
    }
    this.armWake(i, node)
  }

  private armWake(i: number, node: MeshNode): void {
    const at = node.nextWakeAt()
    if (at === this.wakeAt[i]) return
    this.wakeAt[i] = at
    const token = (this.wakeToken[i] as number) + 1
    this.wakeToken[i] = token
    if (Number.isFinite(at)) this.queue.schedule(at, this, WAKE, i, token, undefined)
  }

  private perform(from: number, effect: Effect): void {
    switch (effect.type) {
      case 'send': {
        const to = this.index.get(effect.to)
        this.send(from, to, effect.bytes)
        break
      }
      case 'connect': {
        const to = this.index.get(effect.peer)
        // An unknown peer cannot be reached: report the failure after the usual delay.
        const pending = { peer: effect.peer, epoch: this.epoch[from] as number }
        this.queue.schedule(this.now + this.connectMs, this, CONNECTED, from, to ?? -1, pending)
        break
      }
      case 'disconnect': {
        const to = this.index.get(effect.peer)
        if (to === undefined || !this.unlink(from, to)) break
        this.queue.schedule(
          this.now + this.latency(this.random),
          this,
          CLOSE_NOTICE,
          from,
          to,
          this.epoch[to],
        )
        break
      }
      default:
        break
    }
  }

  private connected(from: number, to: number, peer: PeerId): void {
    if (!this.alive[from]) return
    const mine = this.links[from] as Map<number, number>
    if (to >= 0 && mine.has(to)) return
    if (to < 0 || to === from || !this.reachable(from, to)) {
      this.deliver(from, { type: 'neighbor-down', peer })
      return
    }
    mine.set(to, 0)
    ;(this.links[to] as Map<number, number>).set(from, 0)
    this.deliver(to, { type: 'neighbor-up', peer: this.ids[from] as PeerId })
    this.deliver(from, { type: 'neighbor-up', peer: this.ids[to] as PeerId })
  }

  private send(from: number, to: number | undefined, bytes: Uint8Array): void {
    this.framesSent++
    const mine = this.links[from] as Map<number, number>
    if (
      to === undefined ||
      (!this.datagram && !mine.has(to)) ||
      !this.reachable(from, to) ||
      this.random.next() < this.loss
    ) {
      this.framesLost++
      return
    }
    let at = this.now + this.latency(this.random)
    if (!this.datagram) {
      const last = mine.get(to) as number
      if (last > at) at = last
      mine.set(to, at)
    }
    this.queue.schedule(at, this, FRAME, from, to, bytes)
  }
}
