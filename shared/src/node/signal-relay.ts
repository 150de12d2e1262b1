/**
 * Connection signaling through the mesh: where a signal for a peer without a channel
 * goes, and which copies to drop. Pure: the node feeds it its open channels.
 *
 * Routing is on-demand, after AODV (RFC 3561) with the frame's own fields:
 *
 * - **Direct.** A channel to `to` is open: the frame goes straight to it.
 * - **Discovery.** No route to `to` is known: the frame floods (every neighbour but the
 *   one it came from), `ttl` one lower per hop. Starting at `SIGNAL_RELAY_TTL` = 8 it
 *   reaches any peer within 10 hops, which covers the overlay of a room of thousands
 *   (HyParView's ~5 neighbours per peer give a diameter near log₄ N).
 * - **Reverse routes.** Every peer that takes a first copy of a frame from neighbour `n`
 *   records `origin → n`. The target's answer therefore walks back hop by hop to the
 *   origin without flooding, and records `target → previous hop` at every peer it
 *   passes: the rest of the exchange (candidates both ways) is unicast along one path.
 * - **Repair.** A route whose next hop has no open channel any more (a peer left), or
 *   that points back where the frame came from, is dropped and the frame floods from
 *   there with the ttl it has left. A routed frame that comes back to a peer that routed
 *   it (a loop, or a dead end that flooded) drops that peer's route and floods it too.
 *   Each peer sends a given signal at most once routed and once flooded.
 *
 * Every peer drops an (origin, nonce) it has already seen. Routes and seen signals are
 * kept in bounded maps (LRU): a route is replaced by newer news, dropped when broken, or
 * evicted when least recently used; it never expires by time. Signals sent before the
 * target's first reply find no route and flood again: the client holds those (the
 * initiator's trickled candidates) until that reply (client/src/webrtc/signal-router.ts).
 *
 * Flooding is the expensive part (every peer of the room passes each flood on), and
 * origins are not authenticated, so two budgets bound it: per origin (a peer making up
 * nonces) and per neighbour (a peer making up origins), a token bucket refilled with the
 * time the node passes in (`now`, ms; the relay reads no clock).
 *
 *   const relay = new SignalRelay('a', random)
 *   const out = relay.originate('z', data, linked)          // frames to send
 *   const r = relay.receive('b', frame, linked, now)        // { deliver?, forward }
 */
import type { PeerId } from '../ids'
import type { Random } from '../random'
import { type Bucket, createBucket, takeToken } from '../token-bucket'
import type { SignalRelayFrame } from '../wire/frame'

/**
 * Hops a flood may still take after the first: reaches peers 10 hops away. The issue
 * asks for rooms of thousands; a random overlay of degree 5 over 10,000 peers has a
 * diameter of about 7, so 10 leaves room for HyParView's less-than-random views. A
 * forged larger ttl is cut to this.
 */
export const SIGNAL_RELAY_TTL = 8
/** (origin, nonce) pairs remembered to drop copies: every flood passes every peer, so a few minutes of signaling in a busy room. */
export const SIGNAL_RELAY_SEEN = 2048
/** Routes kept (one per origin peer heard from); least recently used first out. */
export const SIGNAL_RELAY_ROUTES = 1024
/**
 * Floods this peer passes on for one origin while their signals are remembered (the last
 * SIGNAL_RELAY_SEEN signals). A connection costs its origin one flood (the route
 * discovery) and rarely a repair; an active view is under 10 links, so 64 leaves room for
 * a burst of reconnections, while a peer that makes up nonces cannot make the room flood
 * without end. Further floods are dropped and counted (`floodsRefused`).
 */
export const SIGNAL_RELAY_FLOODS_PER_ORIGIN = 64
/**
 * Floods of others' signals one neighbour may make this peer pass on: a token bucket of
 * SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST tokens refilled at this rate, one token per flood.
 *
 * What an honest room floods while its signaling server is down: the connections its
 * overlay opens. Shuffles open none; a peer that crashes or leaves makes each of its ~5
 * neighbours open a replacement (HyParView's `maintain`: at most `maxPendingConnects` = 3
 * attempts in flight, a new one a second at most, a stale passive entry costs another),
 * and a connection costs one discovery flood, a second when its held candidates go
 * before the answer (client, after 5 s). So a failure costs the room about 5–10 floods.
 * Every flood passes every peer, most through the fastest of its neighbours, but all of
 * them may come through one link (a peer left with a single neighbour). 50 a second per
 * link is a room losing 5–10 peers every second, without end: a 10,000-peer room losing
 * 3–6 % of its peers a minute. (Each flood is about N·(degree − 1) frames of ~1 KiB: a room
 * that really floods that much is saturated before this budget matters.) The client does
 * not flood to revive a peer its node holds dead (join-mesh.ts), which would otherwise be
 * a flood per peer per shuffle interval.
 */
export const SIGNAL_RELAY_NEIGHBOR_FLOODS_PER_SECOND = 50
/**
 * The bucket's size: 500 floods at once, the repairs of 50–100 peers failing together
 * (1 % of a 10,000-peer room), spread over a peer's ~5 links. A neighbour making up
 * origins gets this many passed on at once, then the rate above, where before only its
 * upload bandwidth bounded it.
 */
export const SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST = 500
/**
 * Buckets kept for neighbours whose channel has closed, so that reconnecting does not
 * refill one; oldest out first. Buckets of open channels are always kept (bounded by the
 * active view and the client's connection cap).
 */
export const SIGNAL_RELAY_NEIGHBOR_BUCKETS = 64

export interface RelaySend {
  readonly to: PeerId
  readonly frame: SignalRelayFrame
}

export interface RelayReceived {
  /** The signal, when this peer is its target (first copy only). */
  readonly deliver?: { readonly from: PeerId; readonly data: Uint8Array }
  readonly forward: RelaySend[]
}

/** What the relay did, since it was made. Frame counts are frames handed to the node to send. */
export interface SignalRelayStats {
  /** Signals this peer started. */
  originated: number
  /** Signals delivered to this peer (first copies). */
  delivered: number
  /** Frames sent straight to the target over its channel. */
  sentDirect: number
  /** Frames sent to the next hop of a known route. */
  sentRouted: number
  /** Frames sent while flooding (one per neighbour). */
  sentFlooded: number
  /** Signals this peer flooded: route discoveries and repairs. */
  floods: number
  /** Copies of a signal already seen, dropped. */
  duplicates: number
  /** Signals dropped with their ttl spent and no channel to the target. */
  expired: number
  /** Routes dropped because their next hop's channel is gone or points back. */
  routesBroken: number
  /** Routed signals that came back here: the route was dropped and the signal flooded. */
  loops: number
  /** Malformed signals (addressed to their origin or to the peer that passed them), or copies of our own we do not remember. */
  rejected: number
  /** Signals not flooded on because their origin already had SIGNAL_RELAY_FLOODS_PER_ORIGIN floods in the window. */
  floodsRefused: number
  /** Signals not flooded on because the neighbour they came from had spent its flood budget (SIGNAL_RELAY_NEIGHBOR_FLOODS_PER_SECOND). */
  floodsRateLimited: number
  /** Routes held now (≤ SIGNAL_RELAY_ROUTES). */
  routes: number
  /** Signals remembered now (≤ SIGNAL_RELAY_SEEN). */
  remembered: number
  /** Neighbours' flood budgets held now (≤ open channels + SIGNAL_RELAY_NEIGHBOR_BUCKETS). */
  budgets: number
}

/** Marks a signal this peer did not route (flooded, delivered, dropped or sent direct). */
const NOT_ROUTED = null

export class SignalRelay {
  /** (origin, nonce) → the next hop this peer routed the signal to, or NOT_ROUTED. Insertion-ordered: oldest first. */
  private readonly seen = new Map<string, PeerId | typeof NOT_ROUTED>()
  /** Destination → neighbour to send through. Insertion-ordered by last use: LRU first. */
  private readonly routes = new Map<PeerId, PeerId>()
  private readonly counts: Omit<SignalRelayStats, 'routes' | 'remembered' | 'budgets'> = {
    originated: 0,
    delivered: 0,
    sentDirect: 0,
    sentRouted: 0,
    sentFlooded: 0,
    floods: 0,
    duplicates: 0,
    expired: 0,
    routesBroken: 0,
    loops: 0,
    rejected: 0,
    floodsRefused: 0,
    floodsRateLimited: 0,
  }
  /** Signals of others this peer flooded, still in `seen`: key → origin. */
  private readonly flooded = new Map<string, PeerId>()
  /** Per origin, how many of those: a peer making up nonces cannot make the room flood without end. */
  private readonly floodsBy = new Map<PeerId, number>()
  /** Per neighbour, its flood budget: a peer making up origins cannot either. Insertion-ordered by last use. */
  private readonly buckets = new Map<PeerId, Bucket>()

  constructor(
    private readonly self: PeerId,
    private readonly random: Random,
  ) {}

  originate(to: PeerId, data: Uint8Array, linked: ReadonlySet<PeerId>): RelaySend[] {
    if (to === this.self) {
      this.counts.rejected++
      return []
    }
    const frame: SignalRelayFrame = {
      type: 'signal-relay',
      origin: this.self,
      to,
      nonce: this.random.int(2 ** 31),
      ttl: SIGNAL_RELAY_TTL,
      data,
    }
    this.counts.originated++
    const key = keyOf(frame)
    this.remember(key)
    return this.forward(key, frame, linked, undefined, true)
  }

  /** A frame from neighbour `from` at time `now` (ms, the node's clock). */
  receive(from: PeerId, frame: SignalRelayFrame, linked: ReadonlySet<PeerId>, now: number): RelayReceived {
    if (frame.to === frame.origin || frame.to === from) {
      this.counts.rejected++
      return { forward: [] }
    }
    const key = keyOf(frame)
    const routedTo = this.seen.get(key)
    if (routedTo !== undefined) {
      this.counts.duplicates++
      if (routedTo === NOT_ROUTED || frame.to === this.self) return { forward: [] }
      // It came back after this peer routed it on: the path beyond loops or ended in a
      // repair flood. Either way the route is bad; flood from here (once).
      this.counts.loops++
      if (this.routes.get(frame.to) === routedTo) this.routes.delete(frame.to)
      this.seen.set(key, NOT_ROUTED)
      if (this.wouldFlood(frame, linked, from, false) && !this.spend(from, linked, now))
        return { forward: [] }
      return { forward: this.forward(key, frame, linked, from, false) }
    }
    if (frame.origin === this.self) {
      // Ours, but forgotten (or forged): nothing to learn, nowhere useful to send it.
      this.counts.rejected++
      return { forward: [] }
    }
    // Over budget: dropped before anything is remembered or learned from it, so a copy of
    // the same signal from another neighbour is still taken, and no route points here.
    if (
      frame.to !== this.self &&
      this.wouldFlood(frame, linked, from, true) &&
      !this.spend(from, linked, now)
    )
      return { forward: [] }
    this.remember(key)
    // The first copy came the fastest way from its origin: the way back.
    if (from !== frame.origin) this.learn(frame.origin, from)
    if (frame.to === this.self) {
      this.counts.delivered++
      return { deliver: { from: frame.origin, data: frame.data }, forward: [] }
    }
    return { forward: this.forward(key, frame, linked, from, true) }
  }

  /** The next hop this peer would route a signal for `to` through, if it knows one. For tests and dashboards. */
  routeTo(to: PeerId): PeerId | undefined {
    return this.routes.get(to)
  }

  stats(): SignalRelayStats {
    return {
      ...this.counts,
      routes: this.routes.size,
      remembered: this.seen.size,
      budgets: this.buckets.size,
    }
  }

  /** Direct, else routed (when `useRoute` and a live route is known), else flooded. */
  private forward(
    key: string,
    frame: SignalRelayFrame,
    linked: ReadonlySet<PeerId>,
    from: PeerId | undefined,
    useRoute: boolean,
  ): RelaySend[] {
    // The originator sends the full ttl; each peer after it passes on one less.
    const ttl = from === undefined ? frame.ttl : Math.min(frame.ttl, SIGNAL_RELAY_TTL) - 1
    if (linked.has(frame.to)) {
      this.counts.sentDirect++
      return [{ to: frame.to, frame: withTtl(frame, Math.max(ttl, 0)) }]
    }
    if (ttl < 0) {
      this.counts.expired++
      return []
    }
    const next = withTtl(frame, ttl)
    if (useRoute) {
      const hop = this.routes.get(frame.to)
      if (hop !== undefined) {
        if (linked.has(hop) && hop !== from && hop !== frame.origin) {
          this.learn(frame.to, hop) // most recently used
          this.seen.set(key, hop)
          this.counts.sentRouted++
          return [{ to: hop, frame: next }]
        }
        this.routes.delete(frame.to)
        this.counts.routesBroken++
      }
    }
    if (from !== undefined) {
      const floods = this.floodsBy.get(frame.origin) ?? 0
      if (floods >= SIGNAL_RELAY_FLOODS_PER_ORIGIN) {
        this.counts.floodsRefused++
        return []
      }
      if (!this.flooded.has(key)) {
        this.flooded.set(key, frame.origin)
        this.floodsBy.set(frame.origin, floods + 1)
      }
    }
    this.counts.floods++
    const out: RelaySend[] = []
    for (const peer of linked) if (peer !== from && peer !== frame.origin) out.push({ to: peer, frame: next })
    this.counts.sentFlooded += out.length
    return out
  }

  /** Whether `forward` would flood this frame: no channel to its target, ttl left, no live route. */
  private wouldFlood(
    frame: SignalRelayFrame,
    linked: ReadonlySet<PeerId>,
    from: PeerId,
    useRoute: boolean,
  ): boolean {
    if (linked.has(frame.to) || Math.min(frame.ttl, SIGNAL_RELAY_TTL) - 1 < 0) return false
    if (!useRoute) return true
    const hop = this.routes.get(frame.to)
    return hop === undefined || !linked.has(hop) || hop === from || hop === frame.origin
  }

  /** Take one flood token from `from`'s bucket; false (counted) when it has none. */
  private spend(from: PeerId, linked: ReadonlySet<PeerId>, now: number): boolean {
    let bucket = this.buckets.get(from)
    if (bucket === undefined) {
      bucket = createBucket(SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST, now)
      this.trimBuckets(linked)
    } else this.buckets.delete(from) // re-inserted below: most recently used
    this.buckets.set(from, bucket)
    // A clock that went back refills nothing (takeToken).
    if (takeToken(bucket, SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST, SIGNAL_RELAY_NEIGHBOR_FLOODS_PER_SECOND, now))
      return true
    this.counts.floodsRateLimited++
    return false
  }

  /** Keep at most SIGNAL_RELAY_NEIGHBOR_BUCKETS buckets of closed channels, least recently used out first. */
  private trimBuckets(linked: ReadonlySet<PeerId>): void {
    let closed = 0
    for (const peer of this.buckets.keys()) if (!linked.has(peer)) closed++
    for (const peer of this.buckets.keys()) {
      if (closed <= SIGNAL_RELAY_NEIGHBOR_BUCKETS) return
      if (linked.has(peer)) continue
      this.buckets.delete(peer)
      closed--
    }
  }

  private learn(to: PeerId, via: PeerId): void {
    this.routes.delete(to)
    this.routes.set(to, via)
    if (this.routes.size > SIGNAL_RELAY_ROUTES) {
      const oldest = this.routes.keys().next().value
      if (oldest !== undefined) this.routes.delete(oldest)
    }
  }

  private remember(key: string): void {
    this.seen.set(key, NOT_ROUTED)
    if (this.seen.size > SIGNAL_RELAY_SEEN) {
      const oldest = this.seen.keys().next().value
      if (oldest !== undefined) {
        this.seen.delete(oldest)
        this.forgetFlood(oldest)
      }
    }
  }

  private forgetFlood(key: string): void {
    const origin = this.flooded.get(key)
    if (origin === undefined) return
    this.flooded.delete(key)
    const left = (this.floodsBy.get(origin) ?? 1) - 1
    if (left > 0) this.floodsBy.set(origin, left)
    else this.floodsBy.delete(origin)
  }
}

const keyOf = (frame: SignalRelayFrame): string => `${frame.origin} ${frame.nonce}`

const withTtl = (frame: SignalRelayFrame, ttl: number): SignalRelayFrame =>
  frame.ttl === ttl ? frame : { ...frame, ttl }
