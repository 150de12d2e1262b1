/**
 * A deterministic in-memory network for MeshNodes: virtual time, per-frame latency and
 * loss, FIFO links (data channels are ordered), partitions, crashes and stalls. It plays
 * the shell's part: it performs `send`/`connect`/`disconnect` effects and feeds back
 * `frame`/`neighbor-up`/`neighbor-down`/`tick` events.
 *
 *   const net = new SimNetwork({ seed: 1, loss: 0.1 })
 *   for (const id of ids) net.addNode(id, (random) => createNode({ id, replica, random }))
 *   net.runFor(30_000)
 */
import type { PeerId } from '../ids'
import type { Effect } from '../node/effect'
import type { MeshNode } from '../node/mesh-node'
import type { NodeEvent } from '../node/node-event'
import { type Random, seededRandom } from '../random'
import { EventQueue } from './event-queue'

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
  /** Called for every effect a node returns, after the network acted on it. */
  observe?: (node: PeerId, effect: Effect, now: number) => void
}

interface SimNode {
  readonly node: MeshNode
  alive: boolean
  /** Until when the node processes nothing (a throttled tab); events wait for it. */
  stalledUntil: number
  wakeAt: number
  wakeToken: number
}

export class SimNetwork {
  readonly random: Random
  private readonly queue = new EventQueue()
  private readonly nodes = new Map<PeerId, SimNode>()
  private readonly links = new Map<PeerId, Set<PeerId>>()
  /** Last delivery time per directed link, to keep links FIFO. */
  private readonly linkClock = new Map<string, number>()
  private partitionOf: Map<PeerId, number> | undefined
  private readonly latency: (random: Random) => number
  private readonly loss: number
  private readonly connectMs: number
  private readonly crashDetectMs: number
  private readonly observe: SimOptions['observe']
  framesSent = 0
  framesLost = 0

  constructor(options: SimOptions) {
    this.random = seededRandom(options.seed)
    this.latency = options.latencyMs ?? ((r) => 20 - 30 * Math.log(1 - r.next()))
    this.loss = options.loss ?? 0
    this.connectMs = options.connectMs ?? 500
    this.crashDetectMs = options.crashDetectMs ?? 5_000
    this.observe = options.observe
  }

  get now(): number {
    return this.queue.now
  }

  get eventsProcessed(): number {
    return this.queue.processed
  }

  /** Add a node and start it now. `make` gets a random source derived from the run's seed. */
  addNode(id: PeerId, make: (random: Random) => MeshNode): MeshNode {
    const node = make(seededRandom(this.random.int(2 ** 31)))
    this.nodes.set(id, { node, alive: true, stalledUntil: 0, wakeAt: Number.POSITIVE_INFINITY, wakeToken: 0 })
    this.links.set(id, new Set())
    this.deliver(id, { type: 'start' })
    return node
  }

  node(id: PeerId): MeshNode | undefined {
    return this.nodes.get(id)?.node
  }

  isAlive(id: PeerId): boolean {
    return this.nodes.get(id)?.alive === true
  }

  liveIds(): PeerId[] {
    return [...this.nodes].filter(([, n]) => n.alive).map(([id]) => id)
  }

  /** Feed an event to a node now (e.g. `local-update`, `peers-discovered`, `leave`). */
  inject(id: PeerId, event: NodeEvent): void {
    this.deliver(id, event)
  }

  /** Stop a node without warning; neighbours notice after `crashDetectMs`. */
  crash(id: PeerId): void {
    const sim = this.nodes.get(id)
    if (sim === undefined || !sim.alive) return
    sim.alive = false
    for (const peer of this.links.get(id) ?? []) {
      this.queue.push(this.now + this.crashDetectMs, () => {
        if (this.unlink(id, peer)) this.deliver(peer, { type: 'neighbor-down', peer: id })
      })
    }
  }

  /** Freeze a node for `ms`: it runs no events meanwhile, then catches up in order. */
  stall(id: PeerId, ms: number): void {
    const sim = this.nodes.get(id)
    if (sim !== undefined) sim.stalledUntil = Math.max(sim.stalledUntil, this.now + ms)
  }

  /** Split the network: frames and connections between different groups fail. */
  partition(groups: readonly (readonly PeerId[])[]): void {
    this.partitionOf = new Map()
    groups.forEach((group, index) => {
      for (const id of group) this.partitionOf?.set(id, index)
    })
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

  private reachable(a: PeerId, b: PeerId): boolean {
    if (!this.isAlive(a) || !this.isAlive(b)) return false
    return this.partitionOf === undefined || this.partitionOf.get(a) === this.partitionOf.get(b)
  }

  private unlink(a: PeerId, b: PeerId): boolean {
    const had = this.links.get(a)?.delete(b) === true
    this.links.get(b)?.delete(a)
    return had
  }

  private deliver(id: PeerId, event: NodeEvent): void {
    const sim = this.nodes.get(id)
    if (sim === undefined || !sim.alive) return
    if (sim.stalledUntil > this.now) {
      this.queue.push(sim.stalledUntil, () => this.deliver(id, event))
      return
    }
    const effects = sim.node.handle(this.now, event)
    for (const effect of effects) {
      this.perform(id, effect)
      this.observe?.(id, effect, this.now)
    }
    this.armWake(id, sim)
  }

  private armWake(id: PeerId, sim: SimNode): void {
    const at = sim.node.nextWakeAt()
    if (at === sim.wakeAt) return
    sim.wakeAt = at
    const token = ++sim.wakeToken
    if (!Number.isFinite(at)) return
    this.queue.push(at, () => {
      if (sim.wakeToken !== token) return
      sim.wakeAt = Number.POSITIVE_INFINITY
      this.deliver(id, { type: 'tick' })
    })
  }

  private perform(from: PeerId, effect: Effect): void {
    switch (effect.type) {
      case 'send':
        this.send(from, effect.to, effect.bytes)
        break
      case 'connect': {
        const to = effect.peer
        this.queue.push(this.now + this.connectMs, () => {
          if (!this.isAlive(from)) return
          if (this.links.get(from)?.has(to)) return
          if (to === from || !this.reachable(from, to)) {
            this.deliver(from, { type: 'neighbor-down', peer: to })
            return
          }
          this.links.get(from)?.add(to)
          this.links.get(to)?.add(from)
          this.deliver(to, { type: 'neighbor-up', peer: from })
          this.deliver(from, { type: 'neighbor-up', peer: to })
        })
        break
      }
      case 'disconnect': {
        const to = effect.peer
        if (!this.unlink(from, to)) break
        this.queue.push(this.now + this.latency(this.random), () =>
          this.deliver(to, { type: 'neighbor-down', peer: from }),
        )
        break
      }
      default:
        break
    }
  }

  private send(from: PeerId, to: PeerId, bytes: Uint8Array): void {
    this.framesSent++
    if (!this.links.get(from)?.has(to) || !this.reachable(from, to) || this.random.next() < this.loss) {
      this.framesLost++
      return
    }
    const key = `${from}\u0000${to}`
    const at = Math.max(this.now + this.latency(this.random), this.linkClock.get(key) ?? 0)
    this.linkClock.set(key, at)
    this.queue.push(at, () => {
      // A frame in flight when the channel closes is lost, as on a real data channel.
      if (this.links.get(to)?.has(from)) this.deliver(to, { type: 'frame', from, bytes })
    })
  }
}
