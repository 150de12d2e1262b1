/**
 * Test helper: SignalRelays alone on a fixed graph (no overlay, no membership), with
 * seeded per-frame latency in virtual time, so routing can be checked on chosen shapes
 * (lines, rings) and on random graphs of thousands of peers in milliseconds.
 *
 *   const net = relayNet(lineEdges(12), seed)
 *   net.signal('p0', 'p9', 'offer')      // runs until quiet
 *   net.deliveredTo('p9')                // [{ from: 'p0', data: 'offer', ... }]
 *   net.frames                           // SIGNAL_RELAY frames sent so far
 *   net.burst([['p1', 'p7', 'a'], …])     // many signals at once, then run until quiet
 */
import type { PeerId } from '../ids'
import { seededRandom } from '../random'
import type { SignalRelayFrame } from '../wire/frame'
import { type RelaySend, SignalRelay } from './signal-relay'

export interface Delivery {
  readonly at: number
  readonly to: PeerId
  readonly from: PeerId
  readonly data: string
}

export interface RelayNet {
  relay(id: PeerId): SignalRelay
  /** Originate a signal and run until no frame is in flight; returns the frames it cost. */
  signal(from: PeerId, to: PeerId, data: string): number
  /** Originate all of these at the same instant, then run until quiet; returns the frames they cost. */
  burst(signals: readonly (readonly [PeerId, PeerId, string])[]): number
  deliveredTo(id: PeerId): Delivery[]
  /** Close every channel of `id` (a peer leaving). */
  remove(id: PeerId): void
  /** Hop distance from `a` to `b` over open channels (Infinity when unreachable). */
  distance(a: PeerId, b: PeerId): number
  /** Peers that sent a frame carrying `data`, in order. */
  carriers(data: string): PeerId[]
  readonly frames: number
}

interface InFlight {
  readonly from: PeerId
  readonly to: PeerId
  readonly frame: SignalRelayFrame
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function relayNet(edges: readonly (readonly [PeerId, PeerId])[], seed: number): RelayNet {
  const random = seededRandom(seed)
  const adjacency = new Map<PeerId, Set<PeerId>>()
  const relays = new Map<PeerId, SignalRelay>()
  const linksOf = (id: PeerId): Set<PeerId> => {
    let set = adjacency.get(id)
    if (set === undefined) {
      set = new Set()
      adjacency.set(id, set)
      relays.set(id, new SignalRelay(id, seededRandom(random.int(2 ** 31))))
    }
    return set
  }
  for (const [a, b] of edges) {
    linksOf(a).add(b)
    linksOf(b).add(a)
  }
  const deliveries: Delivery[] = []
  const carried: Array<{ from: PeerId; data: string }> = []
  /** In-flight frames by arrival time (latencies are whole ms, so buckets keep it O(frames)). */
  const buckets = new Map<number, InFlight[]>()
  let inFlight = 0
  let now = 0
  let frames = 0

  const post = (from: PeerId, sends: readonly RelaySend[]): void => {
    for (const { to, frame } of sends) {
      frames++
      carried.push({ from, data: decoder.decode(frame.data) })
      // 1-10 ms: copies overtake each other, as they do over real channels.
      const at = now + 1 + random.int(10)
      const bucket = buckets.get(at)
      if (bucket === undefined) buckets.set(at, [{ from, to, frame }])
      else bucket.push({ from, to, frame })
      inFlight++
    }
  }

  const run = (): void => {
    while (inFlight > 0) {
      now++
      const bucket = buckets.get(now)
      if (bucket === undefined) continue
      buckets.delete(now)
      inFlight -= bucket.length
      for (const next of bucket) {
        // A channel closed while the frame was in flight loses it.
        if (!adjacency.get(next.from)?.has(next.to)) continue
        const relay = relays.get(next.to) as SignalRelay
        const r = relay.receive(next.from, next.frame, linksOf(next.to), now)
        if (r.deliver !== undefined)
          deliveries.push({
            at: now,
            to: next.to,
            from: r.deliver.from,
            data: decoder.decode(r.deliver.data),
          })
        post(next.to, r.forward)
      }
    }
  }

  return {
    relay: (id) => relays.get(id) as SignalRelay,
    signal(from, to, data) {
      const before = frames
      post(from, (relays.get(from) as SignalRelay).originate(to, encoder.encode(data), linksOf(from)))
      run()
      return frames - before
    },
    burst(signals) {
      const before = frames
      for (const [from, to, data] of signals)
        post(from, (relays.get(from) as SignalRelay).originate(to, encoder.encode(data), linksOf(from)))
      run()
      return frames - before
    },
    deliveredTo: (id) => deliveries.filter((d) => d.to === id),
    remove(id) {
      for (const peer of linksOf(id)) adjacency.get(peer)?.delete(id)
      linksOf(id).clear()
    },
    distance(a, b) {
      const dist = new Map<PeerId, number>([[a, 0]])
      const todo = [a]
      for (let i = 0; i < todo.length; i++) {
        const id = todo[i] as PeerId
        const d = dist.get(id) as number
        if (id === b) return d
        for (const peer of adjacency.get(id) ?? []) {
          if (!dist.has(peer)) {
            dist.set(peer, d + 1)
            todo.push(peer)
          }
        }
      }
      return Number.POSITIVE_INFINITY
    },
    carriers: (data) => carried.filter((c) => c.data === data).map((c) => c.from),
    get frames() {
      return frames
    },
  }
}

/** p0 - p1 - … - p(n-1). */
export function lineEdges(n: number): Array<[PeerId, PeerId]> {
  return Array.from({ length: n - 1 }, (_, i) => [`p${i}`, `p${i + 1}`])
}

/** A line closed into a ring. */
export function ringEdges(n: number): Array<[PeerId, PeerId]> {
  return [...lineEdges(n), [`p${n - 1}`, 'p0']]
}

/**
 * A random overlay like HyParView's: each peer links to `links` random others (so the
 * mean degree is about 2·links), plus a line through all peers so the graph is connected.
 */
export function randomOverlayEdges(n: number, links: number, seed: number): Array<[PeerId, PeerId]> {
  const random = seededRandom(seed)
  const edges = new Set<string>()
  const out: Array<[PeerId, PeerId]> = []
  const add = (a: number, b: number): void => {
    if (a === b) return
    const key = a < b ? `${a} ${b}` : `${b} ${a}`
    if (edges.has(key)) return
    edges.add(key)
    out.push([`p${a}`, `p${b}`])
  }
  const order = random.shuffle(Array.from({ length: n }, (_, i) => i))
  for (let i = 1; i < n; i++) add(order[i - 1] as number, order[i] as number)
  for (let i = 0; i < n; i++) for (let k = 1; k < links; k++) add(i, random.int(n))
  return out
}
