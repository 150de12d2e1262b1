/**
 * SWIM membership with Lifeguard (Das et al., 2002; Dadgar et al., 2018), sans-IO.
 *
 * Each probe period one member is pinged, round-robin over a shuffled list; without an
 * ack in time, `indirectProbes` helpers are asked to ping it (PING_REQ) and answer with
 * its ack or, under Lifeguard, a NACK; without any ack by the end of the period the
 * member becomes suspect. Suspicion carries the member's incarnation; the member
 * refutes it by raising its incarnation. A suspicion not refuted in time becomes dead.
 * Membership news rides on every SWIM frame (and on whatever else the host sends),
 * each item retransmitted retransmitMult·⌈log10(N+1)⌉ times.
 *
 * Who is probed is the host's choice (`ProbeScope`):
 *  - 'members': every known live member, over a connectionless transport (memberlist's model);
 *  - 'neighbors': only the peers the host names with addNeighbor (the overlay's active
 *    view); news still reaches everyone by gossip, hop by hop.
 *
 *   const swim = new Swim('a', resolveSwimOptions({}), random, host, 'neighbors')
 *   swim.start(now, meta)
 *   swim.addNeighbor('b')
 *   swim.tick(now)                   // at swim.nextWakeAt()
 *   swim.onFrame(now, 'b', frame)    // ping, ack, ping-req, nack, member-gossip
 */
import type { PeerId } from '../ids'
import type { MemberView } from '../node/member-view'
import { RandomSet } from '../node/random-set'
import { TimerHeap } from '../node/timer-heap'
import type { Random } from '../random'
import type { MemberState, MemberUpdate, SwimFrame } from '../wire/frame'
import { MAX_INCARNATION } from '../wire/limits'
import { BroadcastQueue } from './broadcast-queue'
import {
  applyHealthDelta,
  failedProbeHealthDelta,
  retransmitLimit,
  scaleByHealth,
  suspicionBounds,
  suspicionTimeoutMs,
} from './lifeguard'
import type { ResolvedSwimOptions } from './swim-options'

export type ProbeScope = 'members' | 'neighbors'

/** What SWIM needs from whoever runs it. */
export interface SwimHost {
  /** Send a SWIM frame (its `members` already filled). Best-effort. */
  send(to: PeerId, frame: SwimFrame): void
  /** A member's state, incarnation or metadata changed (self included). */
  changed(member: MemberView, previous: MemberState | undefined): void
}

export interface SwimStats {
  probes: number
  probesFailed: number
  indirectProbes: number
  suspicionsRaised: number
  refutations: number
  declaredDead: number
  /** Suspicions this peer raised or confirmed from its own failed probes. */
  accusations: number
  missedDeadlines: number
  /** New members refused because the table held `maxMembers` live members. */
  membersRejected: number
  /** Alive or suspect news about a forgotten member, at or below its last known incarnation. */
  staleRejected: number
}

/** alive < suspect < dead < left at one incarnation. A switch, not a keyed lookup: this runs for every piggybacked record. */
function rank(state: MemberState): number {
  switch (state) {
    case 'alive':
      return 0
    case 'suspect':
      return 1
    case 'dead':
      return 2
    default:
      return 3
  }
}
const EMPTY = new Uint8Array(0)
/**
 * Forgotten members remembered by id and last incarnation, oldest evicted first. Without
 * this, stale `alive` news arriving after a dead or left record was reaped would bring a
 * zombie back for good; past the cap, a failed connect to the zombie (connectFailed)
 * still starts a refutable suspicion. 1,024 ids cost ~100 KB, also at 10,000 simulated nodes.
 */
export const MAX_FORGOTTEN = 1_024

class Entry {
  /** Whether an item of the reap queue still refers to this entry (one at most). */
  reapQueued = false
  constructor(
    public state: MemberState,
    public incarnation: number,
    public meta: Uint8Array,
    public since: number,
    /** The original accuser of a suspect or dead record (forwarded, never replaced by a relayer). */
    public accuser: PeerId = '',
  ) {}
}

/** Increments an incarnation, saturating at the wire cap. */
function nextIncarnation(incarnation: number): number {
  return Math.min(incarnation + 1, MAX_INCARNATION)
}

interface Suspicion {
  readonly incarnation: number
  readonly start: number
  readonly accusers: Set<PeerId>
  deadline: number
}

interface Probe {
  readonly target: PeerId
  readonly seq: number
  indirect: boolean
  readonly timeoutAt: number
  readonly endAt: number
  expectedNacks: number
  nacks: number
  /** Helpers asked to probe indirectly: only they (and the target) may ack. */
  helpers: readonly PeerId[]
}

interface Relay {
  readonly prober: PeerId
  readonly proberSeq: number
  readonly target: PeerId
  readonly deadline: number
}

function isLive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect'
}

export class Swim {
  readonly stats: SwimStats = {
    probes: 0,
    probesFailed: 0,
    indirectProbes: 0,
    suspicionsRaised: 0,
    refutations: 0,
    declaredDead: 0,
    accusations: 0,
    missedDeadlines: 0,
    membersRejected: 0,
    staleRejected: 0,
  }
  private readonly table = new Map<PeerId, Entry>()
  /** Members alive or suspect, self included: the N of every log N. */
  private liveCount = 0
  /** Probe candidates: live members ('members' scope) or the host's neighbours. */
  private readonly ring = new RandomSet<PeerId>()
  private ringCursor = 0
  /** Members declared dead and still remembered: candidates for partition healing. */
  private readonly deadSet = new RandomSet<PeerId>()
  /** Members alive (not suspect), self excluded: O(1) uniform picks for overlay repairs. */
  private readonly aliveSet = new RandomSet<PeerId>()
  /** Forgotten ids and their last incarnation, oldest first, at most MAX_FORGOTTEN. */
  private readonly forgotten = new Map<PeerId, number>()
  /** Dead and left members in the order they will be forgotten (retention is constant); one item per entry at most. */
  private readonly reapQueue: { id: PeerId; at: number }[] = []
  private reapHead = 0
  private readonly queue = new BroadcastQueue()
  private readonly suspicions = new Map<PeerId, Suspicion>()
  private readonly suspicionTimers = new TimerHeap<PeerId>()
  /**
   * Per id, the earliest suspicion timer pending. A later deadline is not pushed: that
   * timer re-arms when it fires. So a member flapping suspect/alive adds no timers, and
   * each id holds at most one timer per Lifeguard confirmation.
   */
  private readonly armedAt = new Map<PeerId, number>()
  private readonly relays = new Map<number, Relay>()
  private probe: Probe | undefined
  private nextProbeAt = Number.POSITIVE_INFINITY
  private nextGossipAt = Number.POSITIVE_INFINITY
  private seq = 0
  private health = 0
  /** Until then this peer judges no one: it has just noticed it was stalled. */
  private graceUntil = Number.NEGATIVE_INFINITY
  private incarnation = 1
  private meta: Uint8Array = EMPTY
  private stopped = true

  constructor(
    readonly self: PeerId,
    private readonly o: ResolvedSwimOptions,
    private readonly random: Random,
    private readonly host: SwimHost,
    private readonly scope: ProbeScope,
    /** Maps a decoded id to a canonical string; a simulator shares one table across nodes to save memory. */
    private readonly intern: (id: PeerId) => PeerId = (id) => id,
  ) {}

  // ------------------------------------------------------------------ lifecycle

  /**
   * Join: announce ourselves alive. `incarnation` lets a restarted peer start above its old
   * one. `announce: false` when every member already knows us (a roster given at start).
   */
  start(now: number, meta: Uint8Array = EMPTY, incarnation = 1, announce = true): void {
    this.stopped = false
    this.incarnation = incarnation
    this.meta = meta
    this.table.set(this.self, new Entry('alive', incarnation, meta, now))
    this.liveCount = 1
    // A random phase keeps peers that start together from probing in lockstep.
    this.nextProbeAt = now + this.random.int(this.o.probeIntervalMs)
    this.nextGossipAt = now + this.o.gossipIntervalMs
    if (announce) this.enqueue(this.selfUpdate())
    this.host.changed(this.view(this.self, this.table.get(this.self) as Entry), undefined)
  }

  /**
   * Members known from the start (memberlist joins with a list): alive at incarnation 0,
   * not gossiped, no change events. Their own news, if any, overrides.
   */
  seed(now: number, ids: readonly PeerId[]): void {
    for (const raw of ids) {
      if (raw === this.self || this.table.has(raw)) continue
      const id = this.intern(raw)
      this.table.set(id, new Entry('alive', 0, EMPTY, now))
      this.liveCount++
      this.aliveSet.add(id)
      if (this.scope === 'members') this.ring.add(id)
    }
    // SWIM §4.3, memberlist: a fresh random order. Walked in roster order, every peer
    // would probe p0, p1, … in lockstep and a member crashing just after its turn would
    // go unprobed for ~N periods.
    this.ring.shuffle(this.random)
    this.ringCursor = 0
  }

  /** Leave gracefully: returns the `left` record the host should send to every neighbour now. */
  leave(now: number): MemberUpdate {
    const me = this.table.get(this.self) as Entry
    // Idempotent: a second call repeats the goodbye without another incarnation.
    if (me.state === 'left') return this.selfUpdate()
    this.incarnation = nextIncarnation(this.incarnation)
    me.state = 'left'
    me.incarnation = this.incarnation
    me.since = now
    this.liveCount--
    this.stopped = true
    this.probe = undefined
    const update = this.selfUpdate()
    this.enqueue(update)
    this.host.changed(this.view(this.self, me), 'alive')
    return update
  }

  /** Publish new metadata: a new incarnation carries it, so it overrides older records. */
  setMeta(now: number, meta: Uint8Array): void {
    this.meta = meta
    this.incarnation = nextIncarnation(this.incarnation)
    const me = this.table.get(this.self) as Entry
    me.meta = meta
    me.incarnation = this.incarnation
    me.since = now
    this.enqueue(this.selfUpdate())
    this.host.changed(this.view(this.self, me), 'alive')
  }

  // ------------------------------------------------------------------ the host's view of the overlay

  /** 'neighbors' scope: `peer` can now be probed directly. */
  addNeighbor(peer: PeerId): void {
    if (this.scope === 'neighbors' && peer !== this.self) this.ring.add(peer)
  }

  /** 'neighbors' scope: `peer` left the active view; a probe of it is abandoned, not judged. */
  removeNeighbor(peer: PeerId): void {
    if (this.scope !== 'neighbors') return
    this.ring.delete(peer)
    if (this.probe?.target === peer) this.probe = undefined
  }

  /**
   * The host saw the link to `peer` fail without a goodbye: that is a failed probe.
   * The member becomes suspect (or this peer confirms an existing suspicion).
   */
  linkFailed(now: number, peer: PeerId): void {
    if (this.stopped || now < this.graceUntil) return
    this.accuse(now, peer)
  }

  /**
   * An outgoing connection to `peer` failed before it opened. For a member believed live
   * that is evidence too: it becomes suspect (refutable), so a member nobody is connected
   * to, kept alive only by stale news, still dies. Unknown peers are left alone.
   */
  connectFailed(now: number, peer: PeerId): void {
    if (this.stopped || now < this.graceUntil) return
    const e = this.table.get(peer)
    if (e !== undefined && isLive(e.state)) this.accuse(now, peer)
  }

  // ------------------------------------------------------------------ frames

  onFrame(now: number, from: PeerId, frame: SwimFrame): void {
    this.merge(now, frame.members)
    if (this.stopped) return
    switch (frame.type) {
      case 'ping':
        this.send(from, { type: 'ack', seq: frame.seq, members: [] })
        break
      case 'ack':
        this.onAck(from, frame.seq)
        break
      case 'nack':
        if (this.probe !== undefined && this.probe.seq === frame.seq) this.probe.nacks++
        break
      case 'ping-req':
        this.onPingReq(now, from, frame.seq, frame.target)
        break
      case 'member-gossip':
        break
    }
  }

  /**
   * Any frame from `peer` arrived: if it is the member being probed, it is alive. Over an
   * authenticated data channel a frame is as good as an ack.
   */
  heardFrom(peer: PeerId): void {
    const p = this.probe
    if (p !== undefined && p.target === peer) this.onAck(peer, p.seq)
  }

  /** The incarnation a forgotten member was last known at, if still remembered. */
  forgottenIncarnation(id: PeerId): number | undefined {
    return this.forgotten.get(id)
  }

  /** Merge membership news (piggybacked on any frame). */
  merge(now: number, updates: readonly MemberUpdate[]): void {
    for (const u of updates) this.apply(now, u)
  }

  /** Up to `piggybackBytes` of queued news, for the host to attach to any frame it sends. */
  piggyback(): MemberUpdate[] {
    return this.queue.take(this.o.piggybackBytes, retransmitLimit(this.o.retransmitMult, this.liveCount))
  }

  // ------------------------------------------------------------------ time

  nextWakeAt(): number {
    let at = Math.min(this.suspicionTimers.peek(), this.reapAt())
    if (this.stopped) return at
    at = Math.min(at, this.probe === undefined ? this.nextProbeAt : this.probeEventAt(this.probe))
    if (this.queue.size > 0) at = Math.min(at, this.nextGossipAt)
    const firstRelay = this.relays.values().next()
    if (!firstRelay.done) at = Math.min(at, firstRelay.value.deadline)
    return at
  }

  /**
   * The host noticed it runs late (now far past the wake-up time it asked for): this peer
   * was stalled, so the silence it measured is its own. Lifeguard: raise the health
   * score, drop the probe in flight unjudged, and judge no one until queued frames are read.
   */
  missedDeadline(now: number): void {
    if (!this.o.lifeguard || this.stopped) return
    this.stats.missedDeadlines++
    this.health = applyHealthDelta(this.health, 1, this.o.awarenessMaxMultiplier)
    this.graceUntil = now + this.scaled(this.o.probeIntervalMs)
    this.probe = undefined
    this.nextProbeAt = this.graceUntil
  }

  tick(now: number): void {
    this.reap(now)
    this.expireSuspicions(now)
    if (this.stopped) return
    this.expireRelays(now)
    if (this.probe !== undefined) this.advanceProbe(now, this.probe)
    if (this.probe === undefined && now >= this.nextProbeAt) this.startProbe(now)
    if (now >= this.nextGossipAt) {
      this.nextGossipAt = now + this.o.gossipIntervalMs
      if (this.queue.size > 0) this.gossip()
    }
  }

  // ------------------------------------------------------------------ queries

  get healthScore(): number {
    return this.health
  }

  get size(): number {
    return this.liveCount
  }

  get ownIncarnation(): number {
    return this.incarnation
  }

  member(id: PeerId): MemberView | undefined {
    const e = this.table.get(id)
    return e === undefined ? undefined : this.view(id, e)
  }

  members(): MemberView[] {
    const out: MemberView[] = []
    for (const [id, e] of this.table) out.push(this.view(id, e))
    return out
  }

  stateOf(id: PeerId): MemberState | undefined {
    return this.table.get(id)?.state
  }

  /** Our record of `id`, as gossip would carry it. */
  recordOf(id: PeerId): MemberUpdate | undefined {
    const e = this.table.get(id)
    if (e === undefined) return undefined
    return {
      id,
      state: e.state,
      incarnation: e.incarnation,
      meta: e.state === 'alive' ? e.meta : EMPTY,
      // The original accuser: a relayer is not an independent witness (Lifeguard counts accusers).
      from: e.state === 'suspect' || e.state === 'dead' ? e.accuser || this.self : '',
    }
  }

  /** When the suspicion of `id` will turn into dead, if it is suspect. */
  suspicionDeadline(id: PeerId): number | undefined {
    return this.suspicions.get(id)?.deadline
  }

  /** Every live member's record: the state a joiner is sent. */
  snapshot(): MemberUpdate[] {
    const out: MemberUpdate[] = []
    for (const id of this.table.keys()) {
      const r = this.recordOf(id)
      if (r !== undefined && isLive(r.state)) out.push(r)
    }
    return out
  }

  /** A random member believed alive (not self), or undefined; O(1) expected. */
  randomLive(): PeerId | undefined {
    return this.aliveSet.pick(this.random)
  }

  /** A random member declared dead and still remembered (for partition healing). */
  randomDead(): PeerId | undefined {
    return this.deadSet.pick(this.random)
  }

  // ------------------------------------------------------------------ probing

  private startProbe(now: number): void {
    const target = this.nextTarget()
    const period = this.scaled(this.o.probeIntervalMs)
    this.nextProbeAt = now + period
    if (target === undefined) return
    this.stats.probes++
    const seq = ++this.seq
    this.probe = {
      target,
      seq,
      indirect: false,
      timeoutAt: now + this.scaled(this.o.probeTimeoutMs),
      endAt: now + period,
      expectedNacks: 0,
      nacks: 0,
      helpers: [],
    }
    this.send(target, { type: 'ping', seq, members: [] })
  }

  private nextTarget(): PeerId | undefined {
    for (let tries = this.ring.size; tries > 0; tries--) {
      if (this.ringCursor >= this.ring.size) {
        this.ring.shuffle(this.random)
        this.ringCursor = 0
      }
      const id = this.ring.at(this.ringCursor++) as PeerId
      const state = this.table.get(id)?.state
      // Neighbours we have no record of yet are probed too: they are connected, so alive until shown otherwise.
      if (state === undefined || isLive(state)) return id
    }
    return undefined
  }

  private probeEventAt(p: Probe): number {
    return p.indirect ? p.endAt : p.timeoutAt
  }

  private advanceProbe(now: number, p: Probe): void {
    if (!p.indirect && now >= p.timeoutAt) {
      p.indirect = true
      const helpers = this.helpers(p.target)
      p.helpers = helpers
      this.stats.indirectProbes += helpers.length
      for (const h of helpers) this.send(h, { type: 'ping-req', seq: p.seq, target: p.target, members: [] })
      // A second direct ping, as memberlist's TCP fallback: a lost frame is not a dead peer.
      this.send(p.target, { type: 'ping', seq: p.seq, members: [] })
      p.expectedNacks = this.o.lifeguard ? helpers.length : 0
    }
    if (p.indirect && now >= p.endAt) {
      this.probe = undefined
      this.stats.probesFailed++
      if (this.o.lifeguard)
        this.health = applyHealthDelta(
          this.health,
          failedProbeHealthDelta(p.expectedNacks, p.nacks),
          this.o.awarenessMaxMultiplier,
        )
      if (now >= this.graceUntil) this.accuse(now, p.target)
    }
  }

  private helpers(target: PeerId): PeerId[] {
    return this.ring.sample(this.random, this.o.indirectProbes, (id) => id === target)
  }

  private onAck(from: PeerId, seq: number): void {
    const p = this.probe
    // Only the target, or a helper we asked, may answer a probe: seqs are easy to guess.
    if (p !== undefined && p.seq === seq && (from === p.target || p.helpers.includes(from))) {
      this.probe = undefined
      if (this.o.lifeguard) this.health = applyHealthDelta(this.health, -1, this.o.awarenessMaxMultiplier)
      return
    }
    const relay = this.relays.get(seq)
    if (relay !== undefined && relay.target === from) {
      this.relays.delete(seq)
      this.send(relay.prober, { type: 'ack', seq: relay.proberSeq, members: [] })
    }
  }

  private onPingReq(now: number, from: PeerId, seq: number, target: PeerId): void {
    if (target === this.self) {
      this.send(from, { type: 'ack', seq, members: [] })
      return
    }
    // In 'neighbors' scope a helper can reach only its own neighbours; otherwise it
    // answers at once with a nack, which still tells the prober that it is heard.
    const reachable = this.scope === 'members' || this.ring.has(target)
    if (!reachable || this.relays.size >= this.o.maxRelays) {
      if (this.o.lifeguard) this.send(from, { type: 'nack', seq, members: [] })
      return
    }
    const local = ++this.seq
    this.relays.set(local, {
      prober: from,
      proberSeq: seq,
      target,
      deadline: now + this.scaled(this.o.probeTimeoutMs),
    })
    this.send(target, { type: 'ping', seq: local, members: [] })
  }

  private expireRelays(now: number): void {
    // Insertion order is deadline order up to health changes, which only delay a nack.
    for (const [local, relay] of this.relays) {
      if (relay.deadline > now) break
      this.relays.delete(local)
      if (this.o.lifeguard) this.send(relay.prober, { type: 'nack', seq: relay.proberSeq, members: [] })
    }
  }

  // ------------------------------------------------------------------ suspicion

  /** This peer's own evidence against `id`: start a suspicion or confirm one. */
  private accuse(now: number, id: PeerId): void {
    this.stats.accusations++
    const e = this.table.get(id)
    if (e === undefined) {
      // A neighbour we never had a record of: it is suspect at incarnation 0, which any word from it refutes.
      this.apply(now, { id, state: 'suspect', incarnation: 0, meta: EMPTY, from: this.self })
      return
    }
    if (!isLive(e.state)) return
    this.apply(now, { id, state: 'suspect', incarnation: e.incarnation, meta: EMPTY, from: this.self })
  }

  private startSuspicion(now: number, id: PeerId, incarnation: number, accuser: PeerId): void {
    const s: Suspicion = { incarnation, start: now, accusers: new Set([accuser]), deadline: 0 }
    this.suspicions.set(id, s)
    this.stats.suspicionsRaised++
    this.rearm(id, s)
  }

  /** A further independent accuser: Lifeguard shortens the timeout. Returns whether it was new. */
  private confirm(id: PeerId, accuser: PeerId): boolean {
    const s = this.suspicions.get(id)
    // The cheap tests first: a saturated suspicion needs no hashing of the accuser's id.
    if (s === undefined || !this.o.lifeguard || s.accusers.size > this.expectedConfirmations()) return false
    if (s.accusers.has(accuser)) return false
    s.accusers.add(accuser)
    this.rearm(id, s)
    return true
  }

  private expectedConfirmations(): number {
    const k = this.o.suspicionMult - 2
    // memberlist: with too few peers to confirm, do not wait for confirmations.
    return this.liveCount - 2 < k ? 0 : k
  }

  private rearm(id: PeerId, s: Suspicion): void {
    const { minMs, maxMs } = suspicionBounds(
      this.liveCount,
      this.o.suspicionMult,
      this.o.suspicionMaxMult,
      this.o.probeIntervalMs,
    )
    const timeout = this.o.lifeguard
      ? suspicionTimeoutMs(s.accusers.size - 1, this.expectedConfirmations(), minMs, maxMs)
      : minMs
    s.deadline = s.start + timeout
    this.arm(id, s.deadline)
  }

  private expireSuspicions(now: number): void {
    for (const id of this.suspicionTimers.popDue(now)) {
      if ((this.armedAt.get(id) ?? Number.POSITIVE_INFINITY) <= now) this.armedAt.delete(id)
      const s = this.suspicions.get(id)
      if (s === undefined) continue // refuted
      if (s.deadline > now) {
        this.arm(id, s.deadline) // a newer suspicion, or one pushed later by a grace period
        continue
      }
      if (now < this.graceUntil || this.stopped) {
        // Stalled just now: frames that may refute this are still queued behind us.
        if (!this.stopped) this.arm(id, this.graceUntil)
        continue
      }
      this.apply(now, { id, state: 'dead', incarnation: s.incarnation, meta: EMPTY, from: this.self })
      if (this.table.get(id)?.state === 'dead') this.stats.declaredDead++
    }
  }

  private arm(id: PeerId, at: number): void {
    const armed = this.armedAt.get(id)
    if (armed !== undefined && armed <= at) return
    this.armedAt.set(id, at)
    this.suspicionTimers.push(at, id)
  }

  // ------------------------------------------------------------------ the merge rules

  private apply(now: number, u: MemberUpdate): void {
    if (u.id === this.self) {
      this.aboutSelf(now, u)
      return
    }
    const e = this.table.get(u.id)
    if (e !== undefined) {
      // The common case on a full piggyback: news we already hold. It is decided on the
      // incarnation and state alone, before anything is allocated or queued.
      if (u.incarnation < e.incarnation) return
      if (u.incarnation === e.incarnation) {
        const order = rank(u.state) - rank(e.state)
        if (order < 0) return
        if (order === 0) {
          if (u.state === 'suspect' && this.confirm(u.id, u.from)) this.enqueue(u)
          return
        }
      }
      this.update(now, u, e)
      return
    }
    // News of an unknown dead or left member is not worth remembering.
    if (!isLive(u.state)) return
    const last = this.forgotten.get(u.id)
    if (last !== undefined) {
      // Stale news of a member we reaped: only a newer incarnation (a refutation) brings it back.
      if (u.incarnation <= last) {
        this.stats.staleRejected++
        return
      }
      this.forgotten.delete(u.id)
    }
    if (this.liveCount >= this.o.maxMembers) {
      this.stats.membersRejected++
      return
    }
    const alive = u.state === 'alive'
    const entry = new Entry(
      u.state,
      u.incarnation,
      alive ? copyBytes(u.meta) : EMPTY,
      now,
      alive ? '' : u.from,
    )
    const id = this.intern(u.id)
    this.table.set(id, entry)
    this.transition(now, id, entry, undefined, u.from)
    this.enqueue(alive ? withMeta(u, id, entry.meta) : u)
    this.host.changed(this.view(id, entry), undefined)
  }

  /** Newer news about a known member. */
  private update(now: number, u: MemberUpdate, e: Entry): void {
    const previous = e.state
    const metaChanged = u.state === 'alive' && !sameBytes(e.meta, u.meta)
    e.incarnation = u.incarnation
    // A copy: the decoded bytes are a view that would pin the whole received frame.
    if (metaChanged) e.meta = copyBytes(u.meta)
    if (previous !== u.state || metaChanged) e.since = now
    if (u.state === 'suspect' || u.state === 'dead') e.accuser = u.from
    e.state = u.state
    this.transition(now, u.id, e, previous, u.from)
    this.enqueue(u.state === 'alive' ? withMeta(u, u.id, e.meta) : u)
    this.host.changed(this.view(u.id, e), previous)
  }

  /** Someone says something about us: refute anything but the truth with a higher incarnation. */
  private aboutSelf(now: number, u: MemberUpdate): void {
    if (this.stopped) return
    if (u.incarnation < this.incarnation) return
    if (u.state === 'alive' && u.incarnation === this.incarnation) return
    // Saturates: at the cap a refutation cannot outrank the accusation, but every frame still decodes.
    this.incarnation = nextIncarnation(u.incarnation)
    const me = this.table.get(this.self) as Entry
    me.incarnation = this.incarnation
    me.since = now
    if (u.state !== 'alive') {
      this.stats.refutations++
      if (this.o.lifeguard) this.health = applyHealthDelta(this.health, 1, this.o.awarenessMaxMultiplier)
    }
    this.enqueue(this.selfUpdate())
    this.host.changed(this.view(this.self, me), 'alive')
  }

  /** Bookkeeping of a state change: counts, probe list, suspicion, dead set, reaping. */
  private transition(
    now: number,
    id: PeerId,
    e: Entry,
    previous: MemberState | undefined,
    accuser: PeerId,
  ): void {
    const was = previous !== undefined && isLive(previous)
    const is = isLive(e.state)
    if (is && !was) this.liveCount++
    if (was && !is) this.liveCount--
    if (e.state === 'alive') this.aliveSet.add(id)
    else this.aliveSet.delete(id)
    if (this.scope === 'members') {
      // A newcomer goes to a random place in the round-robin (SWIM §4.3), not to its end.
      if (is) this.ring.addAtRandom(id, this.random)
      else this.ring.delete(id)
    }
    if (e.state === 'suspect') this.startSuspicion(now, id, e.incarnation, accuser)
    else this.suspicions.delete(id)
    if (e.state === 'dead') this.deadSet.add(id)
    else this.deadSet.delete(id)
    if (!is) {
      if (!e.reapQueued) {
        e.reapQueued = true
        this.reapQueue.push({ id, at: now + this.o.deadRetentionMs })
      }
      if (this.probe?.target === id) this.probe = undefined
    }
  }

  private reapAt(): number {
    return this.reapQueue[this.reapHead]?.at ?? Number.POSITIVE_INFINITY
  }

  private reap(now: number): void {
    while (this.reapHead < this.reapQueue.length) {
      const r = this.reapQueue[this.reapHead] as { id: PeerId; at: number }
      if (r.at > now) break
      this.reapHead++
      const e = this.table.get(r.id)
      if (e === undefined) continue
      e.reapQueued = false
      if (isLive(e.state)) continue
      const due = e.since + this.o.deadRetentionMs
      if (due > now) {
        // Changed since it was queued (dead, then alive, then left again): wait out its own retention.
        e.reapQueued = true
        this.reapQueue.push({ id: r.id, at: due })
        continue
      }
      this.table.delete(r.id)
      this.deadSet.delete(r.id)
      this.forgotten.delete(r.id)
      this.forgotten.set(r.id, e.incarnation)
      if (this.forgotten.size > MAX_FORGOTTEN)
        this.forgotten.delete(this.forgotten.keys().next().value as PeerId)
    }
    // Compact the consumed prefix now and then so the array does not grow forever.
    if (this.reapHead > 1_024 && this.reapHead * 2 > this.reapQueue.length) {
      this.reapQueue.splice(0, this.reapHead)
      this.reapHead = 0
    }
  }

  // ------------------------------------------------------------------ helpers

  private gossip(): void {
    // Over a sparse overlay a neighbour that is skipped may have no other source of the
    // news, so each round covers every neighbour (the transmission limit still caps the
    // total); over a connectionless transport, `gossipFanout` random members as memberlist.
    const targets =
      this.scope === 'neighbors'
        ? this.ring.values().slice()
        : this.ring.sample(this.random, this.o.gossipFanout)
    for (const to of targets) {
      if (this.queue.size === 0) break
      this.send(to, { type: 'member-gossip', members: [] })
    }
  }

  /** Send a SWIM frame with piggybacked news (used by hosts for goodbyes). */
  sendTo(to: PeerId, frame: SwimFrame): void {
    this.send(to, frame)
  }

  private send(to: PeerId, frame: SwimFrame): void {
    const members = frame.members.length > 0 ? frame.members : this.piggyback()
    this.host.send(to, { ...frame, members })
  }

  private enqueue(u: MemberUpdate): void {
    this.queue.enqueue(u)
  }

  private selfUpdate(): MemberUpdate {
    const me = this.table.get(this.self) as Entry
    return {
      id: this.self,
      state: me.state,
      incarnation: me.incarnation,
      meta: me.state === 'alive' ? me.meta : EMPTY,
      from: '',
    }
  }

  private scaled(ms: number): number {
    return scaleByHealth(ms, this.health)
  }

  private view(id: PeerId, e: Entry): MemberView {
    return { id, state: e.state, version: e.incarnation, meta: e.meta, since: e.since }
  }
}

/** A copy that does not pin the received frame; empty metadata (the common case) shares one array. */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return bytes.length === 0 ? EMPTY : bytes.slice()
}

/** `u` with our copy of its metadata, as an object literal of one shape (a spread is slower and varies). */
function withMeta(u: MemberUpdate, id: PeerId, meta: Uint8Array): MemberUpdate {
  return { id, state: u.state, incarnation: u.incarnation, meta, from: u.from }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
