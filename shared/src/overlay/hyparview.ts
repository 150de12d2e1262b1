/**
 * The HyParView overlay (Leitão, Pereira, Rodrigues, DSN 2007), sans-IO, over data
 * channels: the active view is the set of open channels the node keeps, the passive
 * view the peers it could open one to. Opening and closing channels are effects the
 * host performs (`connect` / `disconnect`); the outcome comes back as `linkUp` /
 * `linkDown`.
 *
 * Each channel is in one phase:
 *   connecting → (linkUp) → requested: we sent JOIN or NEIGHBOR, await NEIGHBOR_REPLY
 *   (incoming linkUp) → open: the peer must send JOIN or NEIGHBOR within a timeout
 *   active: in the active view
 *   closing: we sent DISCONNECT (or refused); resent until the peer closes, then forced
 *
 *   const hv = new HyParView('a', resolveHyParViewOptions({}), random, host)
 *   hv.discovered(now, ['b', 'c'])   // connects to one contact and sends JOIN
 *   hv.linkUp(now, 'b'); hv.onFrame(now, 'b', reply)
 */
import type { PeerId } from '../ids'
import type { Random } from '../random'
import type { OverlayFrame, ShuffleFrame, ShuffleReplyFrame } from '../wire/frame'
import { MAX_WALK_PATH } from '../wire/messages/overlay'
import type { ResolvedHyParViewOptions } from './hyparview-options'
import { PassiveView } from './passive-view'
import { RefusedPeers } from './refused-peers'

/** What the overlay needs from the node that runs it. */
export interface OverlayHost {
  send(to: PeerId, frame: OverlayFrame): void
  connect(peer: PeerId): void
  disconnect(peer: PeerId): void
  activeAdded(now: number, peer: PeerId): void
  activeRemoved(now: number, peer: PeerId): void
  /** False for peers membership knows to be dead or left: not worth a connection. */
  usable(peer: PeerId): boolean
  /** A random member believed alive: the last resort when the passive view is empty. */
  randomLive(): PeerId | undefined
  /** A random member declared dead: contacted now and then so healed partitions find each other. */
  randomDead(): PeerId | undefined
  /**
   * An outgoing connection to `peer` never opened (reported down, or timed out). The node
   * turns it into a refutable suspicion of a member believed alive. Optional.
   */
  connectFailed?(now: number, peer: PeerId): void
}

type Intent = 'join' | 'neighbor' | 'forward-join' | 'revive'
type Phase = 'connecting' | 'requested' | 'open' | 'active' | 'closing'

interface Link {
  phase: Phase
  intent: Intent | undefined
  deadline: number
  retries: number
}

export interface OverlayStats {
  joinsAccepted: number
  forwardJoins: number
  shuffles: number
  promotions: number
  evictions: number
  failedConnects: number
  /** FORWARD_JOIN walks that ended here with `maxActiveView` such connects in flight: joiner kept passive. */
  forwardJoinsDeferred: number
}

/** Most discovered contacts remembered for (re)joining. */
const MAX_CONTACTS = 16

/**
 * Most of the root's extra slots asked for at once, on top of `maxPendingConnects`: each
 * late link at the root reshapes the tree below it, but every connect is an offer and ICE
 * candidates through the signaling server, which takes bursts of 200 frames from a client.
 */
const MAX_EXTRA_PENDING = 8

export class HyParView {
  readonly stats: OverlayStats = {
    joinsAccepted: 0,
    forwardJoins: 0,
    shuffles: 0,
    promotions: 0,
    evictions: 0,
    failedConnects: 0,
    forwardJoinsDeferred: 0,
  }
  private readonly links = new Map<PeerId, Link>()
  private readonly active = new Set<PeerId>()
  private readonly passive: PassiveView
  private readonly contacts: PeerId[] = []
  /** Peers that turned us down as full: not asked again for a while. */
  private readonly refused = new RefusedPeers()
  private joined = false
  private stopped = true
  private nextShuffleAt = Number.POSITIVE_INFINITY
  private nextMaintainAt = Number.POSITIVE_INFINITY
  /** Entries we sent in our last SHUFFLE: evicted first when the reply's entries come in. */
  private lastShuffleSent: PeerId[] = []
  /** Set while a JOIN is being accepted, so the host can send the joiner the membership. */
  private acceptingJoinOf: PeerId | undefined
  /** Active slots over `activeViewSize` and `maxActiveView` (the broadcast tree's root keeps more). */
  private extra = 0

  constructor(
    readonly self: PeerId,
    private readonly o: ResolvedHyParViewOptions,
    private readonly random: Random,
    private readonly host: OverlayHost,
  ) {
    this.passive = new PassiveView(o.passiveViewSize, random)
  }

  start(now: number): void {
    this.stopped = false
    this.nextShuffleAt = now + this.o.shuffleIntervalMs / 2 + this.random.int(this.o.shuffleIntervalMs)
    this.nextMaintainAt = now + 1_000
  }

  /** Stop: no more connections are asked for. The host closes the channels. */
  stop(): void {
    this.stopped = true
    this.nextShuffleAt = Number.POSITIVE_INFINITY
    this.nextMaintainAt = Number.POSITIVE_INFINITY
  }

  // ------------------------------------------------------------------ queries

  activeView(): PeerId[] {
    return [...this.active]
  }

  passiveView(): readonly PeerId[] {
    return this.passive.values()
  }

  isActive(peer: PeerId): boolean {
    return this.active.has(peer)
  }

  isLinked(peer: PeerId): boolean {
    const l = this.links.get(peer)
    return l !== undefined && l.phase !== 'connecting'
  }

  /** True while `peer`'s JOIN is being accepted by this peer (its contact). */
  joinedThrough(peer: PeerId): boolean {
    return this.acceptingJoinOf === peer
  }

  /**
   * Keep `extra` more active neighbours than `activeViewSize` (the cap rises as much).
   * Growing fills the view from the passive view, up to MAX_EXTRA_PENDING more connects at
   * a time than `maxPendingConnects`. Shrinking cancels our
   * own connects not yet open and leaves random neighbours over the new cap at once
   * (DISCONNECT, back to the passive view), `keep` ones last.
   */
  setExtraActive(now: number, extra: number, keep: (peer: PeerId) => boolean = () => false): void {
    if (extra === this.extra) return
    const shrinking = extra < this.extra
    this.extra = extra
    if (shrinking) {
      // (Not one already asked: the peer may have taken us in; a reply into a full view evicts one.)
      for (const [peer, l] of this.links)
        if (l.intent === 'neighbor' && l.phase === 'connecting') {
          this.links.delete(peer)
          this.host.disconnect(peer)
        }
      while (this.active.size > this.cap) {
        const victim = (this.randomActive((p) => !keep(p)) ?? this.randomActive(() => true)) as PeerId
        this.dropActive(now, victim, this.links.get(victim) as Link, true)
      }
    }
    this.maintain(now)
  }

  private get target(): number {
    return this.o.activeViewSize + this.extra
  }

  private get cap(): number {
    return this.o.maxActiveView + this.extra
  }

  get activeSize(): number {
    return this.active.size
  }

  // ------------------------------------------------------------------ events from the host

  /** Peers named by signaling: contacts to join through, and passive candidates. */
  discovered(now: number, peers: readonly PeerId[]): void {
    for (const p of peers) {
      if (p === this.self) continue
      if (!this.contacts.includes(p)) {
        this.contacts.push(p)
        if (this.contacts.length > MAX_CONTACTS) this.contacts.shift()
      }
      if (!this.links.has(p)) this.passive.add(p)
    }
    this.maintain(now)
  }

  linkUp(now: number, peer: PeerId): void {
    const l = this.links.get(peer)
    if (l === undefined) {
      // Incoming: the peer owes us a JOIN or NEIGHBOR. Cap idle incoming channels against floods.
      let idle = 0
      for (const x of this.links.values()) if (x.phase === 'open') idle++
      if (this.stopped || idle >= this.o.maxActiveView) {
        this.host.disconnect(peer)
        return
      }
      this.links.set(peer, {
        phase: 'open',
        intent: undefined,
        deadline: now + this.o.handshakeTimeoutMs,
        retries: 0,
      })
      return
    }
    if (l.phase !== 'connecting') return
    l.phase = 'requested'
    l.deadline = now + this.o.handshakeTimeoutMs
    if (l.intent === 'join') this.host.send(peer, { type: 'join' })
    // High priority when isolated, and for a peer we held as dead: after a partition heals,
    // that link may be the only one joining two overlays that are each whole.
    else
      this.host.send(peer, {
        type: 'neighbor',
        high: (l.intent === 'neighbor' && this.active.size === 0) || l.intent === 'revive',
      })
  }

  /** The channel to `peer` closed. Returns true when an active neighbour was lost without a goodbye. */
  linkDown(now: number, peer: PeerId): boolean {
    const l = this.links.get(peer)
    if (l === undefined) return false
    this.links.delete(peer)
    let unexpected = false
    if (l.phase === 'active') {
      this.removeActive(now, peer)
      unexpected = true
    } else if (l.phase === 'connecting' || l.phase === 'requested') {
      this.stats.failedConnects++
      this.passive.delete(peer)
      if (l.phase === 'connecting') this.host.connectFailed?.(now, peer)
    }
    this.maintain(now)
    return unexpected
  }

  /** Membership says `peer` is dead or left: forget it and close its channel. */
  memberGone(now: number, peer: PeerId): void {
    this.passive.delete(peer)
    const l = this.links.get(peer)
    if (l === undefined) return
    if (l.phase === 'connecting') return
    this.links.delete(peer)
    if (l.phase === 'active') this.removeActive(now, peer)
    this.host.disconnect(peer)
    this.maintain(now)
  }

  onFrame(now: number, from: PeerId, f: OverlayFrame): void {
    if (this.stopped) return
    const l = this.links.get(from)
    if (l === undefined) return
    switch (f.type) {
      case 'join':
        this.onRequest(now, from, l, true, true)
        break
      case 'neighbor':
        this.onRequest(now, from, l, f.high, false)
        break
      case 'neighbor-reply':
        if (l.phase !== 'requested') break
        if (f.accepted) {
          this.addActive(now, from, l)
        } else {
          this.refused.note(now, from)
          this.links.delete(from)
          this.host.disconnect(from)
          this.passive.add(from)
          this.maintain(now)
        }
        break
      case 'disconnect':
        this.links.delete(from)
        if (l.phase === 'active') {
          this.removeActive(now, from)
          this.passive.add(from)
        }
        this.host.disconnect(from)
        this.maintain(now)
        break
      case 'forward-join':
        if (l.phase === 'active') this.onForwardJoin(now, from, f.joiner, f.ttl)
        break
      case 'shuffle':
        if (l.phase === 'active') this.onShuffle(from, f)
        break
      case 'shuffle-reply':
        if (l.phase === 'active') this.onShuffleReply(f)
        break
    }
  }

  // ------------------------------------------------------------------ time

  nextWakeAt(): number {
    let at = Math.min(this.nextShuffleAt, this.nextMaintainAt)
    for (const l of this.links.values()) if (l.phase !== 'active' && l.deadline < at) at = l.deadline
    return at
  }

  tick(now: number): void {
    for (const [peer, l] of this.links) {
      if (l.phase === 'active' || l.deadline > now) continue
      if (l.phase === 'closing' && l.retries < 2) {
        l.retries++
        l.deadline = now + this.o.disconnectRetryMs
        this.host.send(peer, { type: 'disconnect' })
        continue
      }
      if (l.phase === 'connecting' || l.phase === 'requested') this.stats.failedConnects++
      if (l.phase === 'requested' || l.phase === 'open') {
        // The channel is open and the handshake timed out: the peer may have taken us into
        // its active view (its reply was lost). Say goodbye, or it would see a neighbour
        // vanish and accuse us of failing.
        l.phase = 'closing'
        l.intent = undefined
        l.retries = 0
        l.deadline = now + this.o.disconnectRetryMs
        this.host.send(peer, { type: 'disconnect' })
        continue
      }
      if (l.phase === 'connecting') this.passive.delete(peer)
      this.links.delete(peer)
      this.host.disconnect(peer)
      if (l.phase === 'connecting') this.host.connectFailed?.(now, peer)
    }
    if (this.stopped) return
    if (now >= this.nextShuffleAt) {
      this.nextShuffleAt = now + this.o.shuffleIntervalMs
      this.shuffle()
      this.revive(now)
    }
    if (now >= this.nextMaintainAt) {
      this.nextMaintainAt = now + 1_000
      this.maintain(now)
    }
  }

  // ------------------------------------------------------------------ join

  private onRequest(now: number, from: PeerId, l: Link, high: boolean, isJoin: boolean): void {
    if (l.phase === 'active' || l.phase === 'closing') return
    // Both sides asked at once (their request crossed ours): both accept.
    const crossed = l.phase === 'requested'
    const accept = high || crossed || this.active.size < this.cap
    this.host.send(from, { type: 'neighbor-reply', accepted: accept })
    if (!accept) {
      l.phase = 'closing'
      l.intent = undefined
      l.deadline = now + this.o.disconnectRetryMs
      return
    }
    if (isJoin) this.acceptingJoinOf = from
    this.addActive(now, from, l)
    this.acceptingJoinOf = undefined
    if (isJoin) {
      this.stats.joinsAccepted++
      for (const n of this.active) {
        if (n !== from)
          this.host.send(n, { type: 'forward-join', joiner: from, ttl: this.o.activeRandomWalkLength })
      }
    }
  }

  private onForwardJoin(now: number, from: PeerId, joiner: PeerId, ttl: number): void {
    this.stats.forwardJoins++
    if (joiner === this.self) return
    const walkEnds = ttl === 0 || this.active.size <= 1
    if (walkEnds) {
      this.walkEnded(now, joiner)
      return
    }
    if (ttl === this.o.passiveRandomWalkLength && !this.links.has(joiner)) this.passive.add(joiner)
    const next = this.randomActive((p) => p !== from && p !== joiner)
    if (next === undefined) this.walkEnded(now, joiner)
    else
      this.host.send(next, {
        type: 'forward-join',
        joiner,
        ttl: Math.min(ttl, this.o.activeRandomWalkLength) - 1,
      })
  }

  /**
   * A FORWARD_JOIN walk ends here: connect to the joiner, unless `maxActiveView` such
   * connects are already in flight (more could not all be kept); then the joiner goes to
   * the passive view, so a burst of walks (or a neighbour forging them) cannot make this
   * peer open a connection each. A cap of `maxPendingConnects` (3) was too tight: in a
   * burst of joins honest walks were refused and the tree test saw extra repairs.
   */
  private walkEnded(now: number, joiner: PeerId): void {
    let pending = 0
    for (const l of this.links.values())
      if (l.intent === 'forward-join' && (l.phase === 'connecting' || l.phase === 'requested')) pending++
    if (pending < this.o.maxActiveView) {
      this.connectTo(now, joiner, 'forward-join', true)
      return
    }
    this.stats.forwardJoinsDeferred++
    if (!this.links.has(joiner) && this.host.usable(joiner)) this.passive.add(joiner)
  }

  // ------------------------------------------------------------------ shuffle

  private shuffle(): void {
    const target = this.randomActive(() => true)
    if (target === undefined) return
    this.stats.shuffles++
    const entries = [
      this.self,
      ...[...this.active].filter((p) => p !== target).slice(0, this.o.shuffleActive),
      ...this.passive.sample(this.o.shufflePassive),
    ]
    this.lastShuffleSent = entries
    this.host.send(target, {
      type: 'shuffle',
      path: [this.self],
      ttl: this.o.activeRandomWalkLength,
      entries,
    })
  }

  private onShuffle(from: PeerId, f: ShuffleFrame): void {
    if (f.ttl > 0 && this.active.size > 1 && f.path.length < MAX_WALK_PATH) {
      const next = this.randomActive((p) => p !== from && !f.path.includes(p))
      if (next !== undefined) {
        this.host.send(next, {
          type: 'shuffle',
          path: [...f.path, this.self],
          ttl: f.ttl - 1,
          entries: f.entries,
        })
        return
      }
    }
    const reply = this.passive.sample(f.entries.length)
    this.integrate(f.entries, reply)
    this.host.send(from, { type: 'shuffle-reply', path: f.path.slice(0, -1), entries: reply })
  }

  private onShuffleReply(f: ShuffleReplyFrame): void {
    if (f.path.length === 0) {
      this.integrate(f.entries, this.lastShuffleSent)
      return
    }
    // Retrace the walk; a hop whose link has gone loses the reply, which costs only freshness.
    const back = f.path[f.path.length - 1] as PeerId
    if (this.active.has(back))
      this.host.send(back, { type: 'shuffle-reply', path: f.path.slice(0, -1), entries: f.entries })
  }

  private integrate(entries: readonly PeerId[], sent: readonly PeerId[]): void {
    for (const p of entries) {
      if (p === this.self || this.links.has(p) || !this.host.usable(p)) continue
      this.passive.add(p, sent)
    }
  }

  // ------------------------------------------------------------------ keeping the active view full

  /** Open connections until the active view (with attempts in flight) reaches its target. */
  private maintain(now: number): void {
    if (this.stopped) return
    let pending = 0
    for (const l of this.links.values()) if (l.phase === 'connecting' || l.phase === 'requested') pending++
    // One JOIN at a time: each accepted JOIN starts its own random walks, so parallel joins
    // would triple the joiner's neighbours and evictions elsewhere.
    // The root's extra slots open (mostly) at once: each new link at the root reshapes the
    // tree below it, so the sooner they are all open the sooner the tree holds still.
    const limit = this.joined ? this.o.maxPendingConnects + Math.min(this.extra, MAX_EXTRA_PENDING) : 1
    while (this.active.size + pending < this.target && pending < limit) {
      const candidate = this.candidate(now)
      if (candidate === undefined) return
      this.connectTo(now, candidate.peer, candidate.intent, false)
      pending++
    }
  }

  private candidate(now: number): { peer: PeerId; intent: Intent } | undefined {
    // Alone, a request is high priority and always taken: peers that refused us do not count.
    const alone = this.active.size === 0
    const free = (p: PeerId) =>
      p !== this.self && !this.links.has(p) && this.host.usable(p) && (alone || !this.refused.blocks(now, p))
    if (!this.joined) {
      // A random contact each attempt: a JOIN lost on one link must not be retried there forever.
      const contact = this.random.pick(this.contacts.filter(free))
      if (contact !== undefined) return { peer: contact, intent: 'join' }
    }
    const p = this.passive.pick(free)
    if (p !== undefined) return { peer: p, intent: this.joined ? 'neighbor' : 'join' }
    const live = this.host.randomLive()
    if (live !== undefined && free(live)) return { peer: live, intent: this.joined ? 'neighbor' : 'join' }
    return undefined
  }

  /**
   * Now and then, connect to a peer declared dead: if it is alive (a healed partition) the
   * introduction makes it refute, and the link bridges the two sides.
   */
  private revive(now: number): void {
    const dead = this.host.randomDead()
    if (dead !== undefined && !this.links.has(dead)) this.connectTo(now, dead, 'revive', true)
  }

  private connectTo(now: number, peer: PeerId, intent: Intent, overBudget: boolean): void {
    if (peer === this.self || this.links.has(peer)) return
    if (!overBudget) this.stats.promotions++
    this.links.set(peer, { phase: 'connecting', intent, deadline: now + this.o.connectTimeoutMs, retries: 0 })
    this.host.connect(peer)
  }

  private addActive(now: number, peer: PeerId, l: Link): void {
    if (this.active.size >= this.cap) {
      const victim = this.randomActive((p) => p !== peer)
      const vl = victim === undefined ? undefined : this.links.get(victim)
      if (victim !== undefined && vl !== undefined) {
        this.stats.evictions++
        this.dropActive(now, victim, vl, true)
      }
    }
    l.phase = 'active'
    l.intent = undefined
    this.refused.clear(peer)
    this.active.add(peer)
    this.passive.delete(peer)
    this.joined = true
    this.host.activeAdded(now, peer)
  }

  /** Leave `peer` politely: DISCONNECT now, close once it has closed or after retries. */
  private dropActive(now: number, peer: PeerId, l: Link, toPassive: boolean): void {
    if (l.phase === 'active') this.removeActive(now, peer)
    if (toPassive) this.passive.add(peer)
    l.phase = 'closing'
    l.intent = undefined
    l.retries = 0
    l.deadline = now + this.o.disconnectRetryMs
    this.host.send(peer, { type: 'disconnect' })
  }

  private removeActive(now: number, peer: PeerId): void {
    if (this.active.delete(peer)) this.host.activeRemoved(now, peer)
  }

  private randomActive(accept: (p: PeerId) => boolean): PeerId | undefined {
    const candidates = [...this.active].filter(accept)
    return this.random.pick(candidates)
  }
}
