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
import type { Random } from '../random'
import type { MemberState, MemberUpdate, RefinedBucket, SubBucketAsk, SwimFrame } from '../wire/frame'
import { MAX_INCARNATION } from '../wire/limits'
import { BroadcastQueue } from './broadcast-queue'
import { applyHealthDelta, failedProbeHealthDelta, retransmitLimit, scaleByHealth } from './lifeguard'
import {
  asksOf,
  bucketOf,
  bucketsFor,
  coarseCount,
  idHash,
  MemberDigest,
  maskOf,
  refines,
  subBucketOf,
} from './member-digest'
import { LocalMemberIndex, type MemberIndex } from './member-index'
import { MemberTable, rank } from './member-table'
import { NewsLog } from './news-log'
import { Rechecks } from './rechecks'
import { type ProbeRing, SlotRing } from './slot-ring'
import { Suspicions } from './suspicions'
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
  /** 'neighbors' scope: news a lagging link never got because the news log was full. */
  newsOverrun: number
  /** Records sent to neighbours whose membership digest differed from ours. */
  digestRecordsSent: number
  /** Digests answered with sub-bucket sums (MEMBER_REFINE) rather than records. */
  digestRefinements: number
  /** 'neighbors' scope: failed probes followed by a recheck (rechecks.ts), and those the recheck confirmed. */
  rechecks: number
  rechecksFailed: number
}

const EMPTY = new Uint8Array(0)
/**
 * Forgotten members remembered by id and last incarnation, oldest evicted first. Without
 * this, stale `alive` news arriving after a dead or left record was reaped would bring a
 * zombie back for good; past the cap, a failed connect to the zombie (connectFailed)
 * still starts a refutable suspicion. 1,024 ids cost ~100 KB, also at 10,000 simulated nodes.
 */
export const MAX_FORGOTTEN = 1_024

/** Rechecks at once: one per active neighbour at most in practice (maxActiveView is 7 by default). */
const MAX_RECHECKS = 16

/** Increments an incarnation, saturating at the wire cap. */
function nextIncarnation(incarnation: number): number {
  return Math.min(incarnation + 1, MAX_INCARNATION)
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
    newsOverrun: 0,
    digestRecordsSent: 0,
    digestRefinements: 0,
    rechecks: 0,
    rechecksFailed: 0,
  }
  /** Every member this peer remembers, by slot of `index`. */
  private readonly table: MemberTable
  private readonly selfSlot: number
  /** Members alive or suspect, self included: the N of every log N. */
  private liveCount = 0
  /** Members alive (not suspect), self excluded: for random picks by the overlay. */
  private aliveCount = 0
  /** Probe candidates: live members ('members' scope) or the host's neighbours. */
  private readonly ring: ProbeRing
  private ringCursor = 0
  /** Members declared dead and still remembered: candidates for partition healing (few). */
  private readonly deadSet = new RandomSet<PeerId>()
  /** Forgotten ids and their last incarnation, oldest first, at most MAX_FORGOTTEN. */
  private readonly forgotten = new Map<PeerId, number>()
  /** Dead and left members in the order they will be forgotten (retention is constant); one item per entry at most. */
  private readonly reapQueue: { id: PeerId; at: number }[] = []
  private reapHead = 0
  /** 'members' scope: memberlist's transmit-limited queue. */
  private readonly queue = new BroadcastQueue()
  /** 'neighbors' scope: news flooded once per overlay link. */
  private readonly news: NewsLog | undefined
  /** Merging a snapshot: members new to us are not news to anyone else. */
  private quiet = false
  /** Bucket sums over live members, for membership anti-entropy. */
  private readonly digestSums = new MemberDigest()
  private readonly suspicions: Suspicions
  private readonly relays = new Map<number, Relay>()
  private probe: Probe | undefined
  /** Neighbours whose probe failed, pinged a few more times before they are suspected. */
  private readonly rechecks = new Rechecks(MAX_RECHECKS)
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
    /** Ids ↔ table slots; a simulator shares one across nodes to save memory. */
    private readonly index: MemberIndex = new LocalMemberIndex(),
  ) {
    this.suspicions = new Suspicions(o)
    this.selfSlot = index.slotOf(self)
    this.table = new MemberTable(index.capacity)
    // Over the overlay the ring holds a few neighbours; over datagrams, every member.
    this.ring = scope === 'neighbors' ? new RandomSet<PeerId>() : new SlotRing(index)
    if (scope === 'neighbors') this.news = new NewsLog(o.newsLogCapacity, o.newsRetainMs)
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Join: announce ourselves alive. `incarnation` lets a restarted peer start above its old
   * one. `announce: false` when every member already knows us (a roster given at start).
   */
  start(now: number, meta: Uint8Array = EMPTY, incarnation = 1, announce = true): void {
    this.stopped = false
    this.incarnation = incarnation
    this.meta = meta
    this.table.put(this.selfSlot, 'alive', incarnation, meta, now)
    this.digestSums.add(now, idHash(this.self), incarnation)
    this.liveCount = 1
    // A random phase keeps peers that start together from probing in lockstep.
    this.nextProbeAt = now + this.random.int(this.o.probeIntervalMs)
    this.nextGossipAt = now + this.o.gossipIntervalMs
    if (announce) this.enqueue(now, this.selfUpdate())
    this.host.changed(this.view(this.selfSlot), undefined)
  }

  /**
   * Members known from the start (memberlist joins with a list): alive at incarnation 0,
   * not gossiped, no change events. Their own news, if any, overrides.
   */
  seed(now: number, ids: readonly PeerId[]): void {
    for (const raw of ids) {
      if (raw === this.self || this.table.has(this.index.find(raw))) continue
      const slot = this.index.slotOf(raw)
      const id = this.index.idAt(slot)
      this.table.put(slot, 'alive', 0, EMPTY, now)
      this.digestSums.add(now, idHash(id), 0)
      this.liveCount++
      this.aliveCount++
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
    const me = this.selfSlot
    // Idempotent: a second call repeats the goodbye without another incarnation.
    if (this.table.stateOf(me) === 'left') return this.selfUpdate()
    this.incarnation = nextIncarnation(this.incarnation)
    this.digestSums.remove(now, idHash(this.self), this.table.incarnationOf(me))
    this.table.setState(me, 'left')
    this.table.setIncarnation(me, this.incarnation)
    this.table.setSince(me, now)
    this.liveCount--
    this.stopped = true
    this.probe = undefined
    this.rechecks.clear()
    const update = this.selfUpdate()
    this.enqueue(now, update)
    this.host.changed(this.view(me), 'alive')
    return update
  }

  /** Publish new metadata: a new incarnation carries it, so it overrides older records. */
  setMeta(now: number, meta: Uint8Array): void {
    this.meta = meta
    this.incarnation = nextIncarnation(this.incarnation)
    this.table.setMeta(this.selfSlot, meta)
    this.reincarnate(now, this.selfSlot, this.incarnation)
    this.table.setSince(this.selfSlot, now)
    this.enqueue(now, this.selfUpdate())
    this.host.changed(this.view(this.selfSlot), 'alive')
  }

  // ------------------------------------------------------------------ the host's view of the overlay

  /** 'neighbors' scope: `peer` can now be probed directly. */
  addNeighbor(peer: PeerId): void {
    if (this.scope !== 'neighbors' || peer === this.self) return
    this.ring.add(peer)
    this.news?.addLink(peer)
  }

  /** 'neighbors' scope: `peer` left the active view; a probe of it is abandoned, not judged. */
  removeNeighbor(peer: PeerId): void {
    if (this.scope !== 'neighbors') return
    this.ring.delete(peer)
    this.news?.removeLink(peer)
    if (this.probe?.target === peer) this.probe = undefined
    this.rechecks.drop(peer)
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
    const state = this.stateOf(peer)
    if (state !== undefined && isLive(state)) this.accuse(now, peer)
  }

  // ------------------------------------------------------------------ frames

  onFrame(now: number, from: PeerId, frame: SwimFrame): void {
    this.merge(now, frame.members, from)
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
    this.rechecks.heard(peer)
    const p = this.probe
    if (p !== undefined && p.target === peer) this.onAck(peer, p.seq)
  }

  /** The incarnation a forgotten member was last known at, if still remembered. */
  forgottenIncarnation(id: PeerId): number | undefined {
    return this.forgotten.get(id)
  }

  /** Merge membership news (piggybacked on any frame) from neighbour `from`. */
  merge(now: number, updates: readonly MemberUpdate[], from: PeerId = ''): void {
    for (const u of updates) this.apply(now, u, from)
  }

  /**
   * Merge a slice of a neighbour's member table (a join snapshot): members new to us are
   * recorded but not passed on, since everyone but us already holds them. Changes to
   * members we knew are news as usual.
   */
  mergeSnapshot(now: number, updates: readonly MemberUpdate[], from: PeerId): void {
    this.quiet = true
    try {
      this.merge(now, updates, from)
    } finally {
      this.quiet = false
    }
  }

  /** Up to `piggybackBytes` of news for `to`, for the host to attach to any frame it sends there. */
  piggyback(to: PeerId, maxBytes = this.o.piggybackBytes): MemberUpdate[] {
    if (this.news !== undefined) return this.news.take(to, maxBytes)
    return this.queue.take(maxBytes, retransmitLimit(this.o.retransmitMult, this.liveCount))
  }

  private hasNews(): boolean {
    return this.news !== undefined ? this.news.pending() : this.queue.size > 0
  }

  // ------------------------------------------------------------------ time

  nextWakeAt(): number {
    let at = Math.min(this.suspicions.nextAt(), this.reapAt())
    if (this.stopped) return at
    at = Math.min(at, this.probe === undefined ? this.nextProbeAt : this.probeEventAt(this.probe))
    if (this.hasNews()) at = Math.min(at, this.nextGossipAt)
    const firstRelay = this.relays.values().next()
    if (!firstRelay.done) at = Math.min(at, firstRelay.value.deadline)
    if (this.rechecks.size > 0) at = Math.min(at, this.rechecks.nextAt())
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
    if (this.rechecks.size > 0) this.advanceRechecks(now)
    if (this.probe !== undefined) this.advanceProbe(now, this.probe)
    if (this.probe === undefined && now >= this.nextProbeAt) this.startProbe(now)
    if (now >= this.nextGossipAt) {
      this.nextGossipAt = now + this.o.gossipIntervalMs
      if (this.hasNews()) this.gossip()
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
    const slot = this.index.find(id)
    return this.table.has(slot) ? this.view(slot) : undefined
  }

  members(): MemberView[] {
    const out: MemberView[] = []
    for (let slot = 0; slot < this.table.span; slot++) if (this.table.has(slot)) out.push(this.view(slot))
    return out
  }

  stateOf(id: PeerId): MemberState | undefined {
    return this.table.stateOf(this.index.find(id))
  }

  /** Our record of `id`, as gossip would carry it. */
  recordOf(id: PeerId): MemberUpdate | undefined {
    const slot = this.index.find(id)
    return this.table.has(slot) ? this.recordAt(slot) : undefined
  }

  /** When the suspicion of `id` will turn into dead, if it is suspect. */
  suspicionDeadline(id: PeerId): number | undefined {
    return this.suspicions.deadline(id)
  }

  /** Every live member's record: the state a joiner is sent. */
  snapshot(): MemberUpdate[] {
    const out: MemberUpdate[] = []
    for (let slot = 0; slot < this.table.span; slot++) {
      const state = this.table.stateOf(slot)
      if (state !== undefined && isLive(state)) out.push(this.recordAt(slot))
    }
    return out
  }

  /** The membership digest at the granularity that fits our table (see member-digest.ts). */
  digest(): number[] {
    return this.digestSums.coarse(bucketsFor(this.liveCount))
  }

  /**
   * The answer to a neighbour's digest: our records (any state) in the buckets where
   * `theirs` differs from our digest and that have settled, what the neighbour lacks or
   * holds differently; or, when those are many (`refines`: a gap spread over the room),
   * the buckets' sub-sums (`refine`, the fine buckets in `offered`), so the
   * neighbour asks only for the sub-buckets that differ. Undefined when nothing differs.
   */
  digestAnswer(
    now: number,
    theirs: readonly number[],
  ): { records: MemberUpdate[] } | { refine: RefinedBucket[]; offered: Uint8Array } | undefined {
    const buckets = this.digestSums.differing(theirs, now - this.o.memberDigestSettleMs)
    if (buckets === undefined) return undefined
    const slots = this.slotsIn(buckets, bucketOf)
    if (slots.length === 0) return undefined
    if (!refines(slots.length, coarseCount(buckets, theirs.length))) return { records: this.recordsOf(slots) }
    this.stats.digestRefinements++
    return { refine: this.digestSums.refinement(buckets), offered: buckets }
  }

  /**
   * A neighbour's refinement of its answer to our digest: the sub-buckets that differ, to
   * ask it for its records there, and our records in those of them that have settled here
   * (it may lack them).
   */
  refinementAnswer(
    now: number,
    theirs: readonly RefinedBucket[],
  ): { records: MemberUpdate[]; asks: SubBucketAsk[] } {
    const mask = this.digestSums.refineDiffering(theirs)
    if (mask === undefined) return { records: [], asks: [] }
    const push = this.digestSums.settled(mask, now - this.o.memberDigestSettleMs)
    return { records: this.recordsOf(this.slotsIn(push, subBucketOf)), asks: asksOf(mask) }
  }

  /** Our records in the sub-buckets a neighbour asked for after our refinement. */
  recordsAsked(asks: readonly SubBucketAsk[]): MemberUpdate[] {
    return this.recordsOf(this.slotsIn(maskOf(asks), subBucketOf))
  }

  /** Slots of our records (any state) whose id hash `of` maps to a marked entry of `mask`. */
  private slotsIn(mask: Uint8Array, of: (hash: number) => number): number[] {
    const out: number[] = []
    for (let slot = 0; slot < this.table.span; slot++)
      if (this.table.has(slot) && mask[of(this.index.hashAt(slot))] === 1) out.push(slot)
    return out
  }

  /** The records in `slots`, sent for membership anti-entropy. */
  private recordsOf(slots: readonly number[]): MemberUpdate[] {
    this.stats.digestRecordsSent += slots.length
    return slots.map((slot) => this.recordAt(slot))
  }

  /** A random member believed alive (not self), or undefined; O(1) expected. */
  randomLive(): PeerId | undefined {
    if (this.aliveCount === 0) return undefined
    // Rejection sampling over the table's slots (mostly alive in practice), then a scan
    // from a random start: no per-member set to keep, at 10,000 members per peer.
    const span = this.table.span
    for (let tries = 0; tries < 32; tries++) {
      const slot = this.random.int(span)
      if (slot !== this.selfSlot && this.table.stateOf(slot) === 'alive') return this.index.idAt(slot)
    }
    const start = this.random.int(span)
    for (let k = 0; k < span; k++) {
      const slot = (start + k) % span
      if (slot !== this.selfSlot && this.table.stateOf(slot) === 'alive') return this.index.idAt(slot)
    }
    return undefined
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
      const state = this.stateOf(id)
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
      if (now >= this.graceUntil) this.recheckOrAccuse(now, p.target)
    }
  }

  /** Over the overlay a suspicion floods the room: give a neighbour a recheck first (rechecks.ts). */
  private recheckOrAccuse(now: number, target: PeerId): void {
    const timeoutMs = this.scaled(this.o.probeTimeoutMs)
    const plan = {
      pings: this.o.recheckPings,
      spacingMs: timeoutMs / 2,
      windowMs: ((this.o.recheckPings - 1) * timeoutMs) / 2 + timeoutMs,
    }
    if (this.scope === 'neighbors' && this.rechecks.start(now, target, plan)) {
      this.stats.rechecks++
      this.advanceRechecks(now)
    } else this.accuse(now, target)
  }

  private advanceRechecks(now: number): void {
    const { ping, failed } = this.rechecks.due(now)
    // Acks match no probe: any frame from the peer clears its recheck (heardFrom).
    for (const peer of ping) this.send(peer, { type: 'ping', seq: ++this.seq, members: [] })
    for (const peer of failed) {
      this.stats.rechecksFailed++
      if (now >= this.graceUntil) this.accuse(now, peer)
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
    const slot = this.index.find(id)
    const state = this.table.stateOf(slot)
    if (state === undefined) {
      // A neighbour we never had a record of: it is suspect at incarnation 0, which any word from it refutes.
      this.apply(now, { id, state: 'suspect', incarnation: 0, meta: EMPTY, from: this.self })
      return
    }
    if (!isLive(state)) return
    this.apply(now, {
      id,
      state: 'suspect',
      incarnation: this.table.incarnationOf(slot),
      meta: EMPTY,
      from: this.self,
    })
  }

  private expireSuspicions(now: number): void {
    // Stalled just now (grace period): frames that may refute are still queued behind us.
    for (const { id, incarnation } of this.suspicions.due(now, this.graceUntil, !this.stopped)) {
      this.apply(now, { id, state: 'dead', incarnation, meta: EMPTY, from: this.self })
      if (this.stateOf(id) === 'dead') this.stats.declaredDead++
    }
  }

  // ------------------------------------------------------------------ the merge rules

  private apply(now: number, u: MemberUpdate, from: PeerId = ''): void {
    if (u.id === this.self) {
      this.aboutSelf(now, u)
      return
    }
    const known = this.index.find(u.id)
    if (this.table.has(known)) {
      // The common case on a full piggyback: news we already hold. It is decided on the
      // incarnation and state alone, before anything is allocated or queued.
      const incarnation = this.table.incarnationOf(known)
      if (u.incarnation < incarnation) return
      if (u.incarnation === incarnation) {
        const order = rank(u.state) - rank(this.table.stateOf(known) as MemberState)
        if (order < 0) return
        if (order === 0) {
          if (u.state === 'suspect' && this.suspicions.confirm(u.id, u.from, this.liveCount))
            this.enqueue(now, u, from)
          // The neighbour holds what we would send it: skip it in the flood.
          // (Keyed by the index's copy of the id: its hash is cached, a decoded id's is not.)
          else if (from !== '') this.news?.heard(from, this.index.idAt(known), u.incarnation, u.state)
          return
        }
      }
      this.update(now, u, known, from)
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
    const slot = this.index.slotOf(u.id)
    const id = this.index.idAt(slot)
    this.table.put(slot, u.state, u.incarnation, alive ? copyBytes(u.meta) : EMPTY, now, alive ? '' : u.from)
    this.digestSums.add(now, idHash(id), u.incarnation, u.state === 'suspect')
    this.transition(now, id, slot, undefined, u.from)
    if (!this.quiet) this.enqueue(now, alive ? withMeta(u, id, this.table.metaOf(slot)) : u, from)
    this.host.changed(this.view(slot), undefined)
  }

  /** Newer news about a known member. */
  private update(now: number, u: MemberUpdate, slot: number, from: PeerId): void {
    const t = this.table
    const previous = t.stateOf(slot) as MemberState
    const metaChanged = u.state === 'alive' && !sameBytes(t.metaOf(slot), u.meta)
    const id = this.index.idAt(slot)
    const hash = idHash(id)
    if (isLive(previous)) this.digestSums.remove(now, hash, t.incarnationOf(slot), previous === 'suspect')
    if (isLive(u.state)) this.digestSums.add(now, hash, u.incarnation, u.state === 'suspect')
    t.setIncarnation(slot, u.incarnation)
    // A copy: the decoded bytes are a view that would pin the whole received frame.
    if (metaChanged) t.setMeta(slot, copyBytes(u.meta))
    if (previous !== u.state || metaChanged) t.setSince(slot, now)
    t.setAccuser(slot, u.state === 'suspect' || u.state === 'dead' ? u.from : '')
    t.setState(slot, u.state)
    this.transition(now, id, slot, previous, u.from)
    this.enqueue(now, u.state === 'alive' ? withMeta(u, id, t.metaOf(slot)) : u, from)
    this.host.changed(this.view(slot), previous)
  }

  /** Someone says something about us: refute anything but the truth with a higher incarnation. */
  private aboutSelf(now: number, u: MemberUpdate): void {
    if (this.stopped) return
    if (u.incarnation < this.incarnation) return
    if (u.state === 'alive' && u.incarnation === this.incarnation) return
    // Saturates: at the cap a refutation cannot outrank the accusation, but every frame still decodes.
    this.incarnation = nextIncarnation(u.incarnation)
    this.reincarnate(now, this.selfSlot, this.incarnation)
    this.table.setSince(this.selfSlot, now)
    if (u.state !== 'alive') {
      this.stats.refutations++
      if (this.o.lifeguard) this.health = applyHealthDelta(this.health, 1, this.o.awarenessMaxMultiplier)
    }
    this.enqueue(now, this.selfUpdate())
    this.host.changed(this.view(this.selfSlot), 'alive')
  }

  /** Bookkeeping of a state change: counts, probe list, suspicion, dead set, reaping. */
  private transition(
    now: number,
    id: PeerId,
    slot: number,
    previous: MemberState | undefined,
    accuser: PeerId,
  ): void {
    const state = this.table.stateOf(slot) as MemberState
    const was = previous !== undefined && isLive(previous)
    const is = isLive(state)
    if (is && !was) this.liveCount++
    if (was && !is) this.liveCount--
    if (state === 'alive' && previous !== 'alive') this.aliveCount++
    if (state !== 'alive' && previous === 'alive') this.aliveCount--
    if (this.scope === 'members') {
      // A newcomer goes to a random place in the round-robin (SWIM §4.3), not to its end.
      if (is) this.ring.addAtRandom(id, this.random)
      else this.ring.delete(id)
    }
    if (state === 'suspect') {
      this.suspicions.start(now, id, this.table.incarnationOf(slot), accuser, this.liveCount)
      this.stats.suspicionsRaised++
    } else this.suspicions.delete(id)
    if (state === 'dead') this.deadSet.add(id)
    else this.deadSet.delete(id)
    if (!is) {
      if (!this.table.reapQueued(slot)) {
        this.table.setReapQueued(slot, true)
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
      const slot = this.index.find(r.id)
      const state = this.table.stateOf(slot)
      if (state === undefined) continue
      this.table.setReapQueued(slot, false)
      if (isLive(state)) continue
      const due = this.table.sinceOf(slot) + this.o.deadRetentionMs
      if (due > now) {
        // Changed since it was queued (dead, then alive, then left again): wait out its own retention.
        this.table.setReapQueued(slot, true)
        this.reapQueue.push({ id: r.id, at: due })
        continue
      }
      const incarnation = this.table.incarnationOf(slot)
      this.table.forget(slot)
      if (!this.ring.has(r.id)) this.index.release(slot)
      this.deadSet.delete(r.id)
      this.forgotten.delete(r.id)
      this.forgotten.set(r.id, incarnation)
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
    if (this.news !== undefined) {
      for (const to of this.ring.values().slice()) {
        const members = this.news.take(to, this.o.gossipBytes)
        if (members.length > 0) this.host.send(to, { type: 'member-gossip', members })
      }
      this.stats.newsOverrun = this.news.overrun
      return
    }
    for (const to of this.ring.sample(this.random, this.o.gossipFanout)) {
      if (this.queue.size === 0) break
      this.send(to, { type: 'member-gossip', members: [] })
    }
  }

  /** Send a SWIM frame with piggybacked news (used by hosts for goodbyes). */
  sendTo(to: PeerId, frame: SwimFrame): void {
    this.send(to, frame)
  }

  private send(to: PeerId, frame: SwimFrame): void {
    const members = frame.members.length > 0 ? frame.members : this.piggyback(to)
    this.host.send(to, { ...frame, members })
  }

  /** News to pass on; `from` is the neighbour it came from ('' when it is ours). */
  private enqueue(now: number, u: MemberUpdate, from: PeerId = ''): void {
    if (this.news !== undefined) this.news.append(now, u, from)
    else this.queue.enqueue(u)
  }

  private selfUpdate(): MemberUpdate {
    return this.recordAt(this.selfSlot)
  }

  /** The record in `slot`, as gossip carries it. */
  private recordAt(slot: number): MemberUpdate {
    const t = this.table
    const state = t.stateOf(slot) as MemberState
    return {
      id: this.index.idAt(slot),
      state,
      incarnation: t.incarnationOf(slot),
      meta: state === 'alive' ? t.metaOf(slot) : EMPTY,
      // The original accuser: a relayer is not an independent witness (Lifeguard counts accusers).
      from: state === 'suspect' || state === 'dead' ? t.accuserOf(slot) || this.self : '',
    }
  }

  /** A live entry's new incarnation, kept in the digest. */
  private reincarnate(now: number, slot: number, incarnation: number): void {
    const hash = idHash(this.index.idAt(slot))
    this.digestSums.remove(now, hash, this.table.incarnationOf(slot))
    this.table.setIncarnation(slot, incarnation)
    this.digestSums.add(now, hash, incarnation)
  }

  private scaled(ms: number): number {
    return scaleByHealth(ms, this.health)
  }

  private view(slot: number): MemberView {
    const t = this.table
    return {
      id: this.index.idAt(slot),
      state: t.stateOf(slot) as MemberState,
      version: t.incarnationOf(slot),
      meta: t.metaOf(slot),
      since: t.sinceOf(slot),
    }
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
