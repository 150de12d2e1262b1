/**
 * The composed node: HyParView keeps a small random overlay of data channels, Plumtree
 * broadcasts replica updates along a spanning tree of it, push-pull anti-entropy repairs
 * what broadcast missed, and SWIM + Lifeguard tracks membership with probes between
 * overlay neighbours and news piggybacked hop by hop. PROTOCOL.md tells how they fit.
 *
 *   const node = createNode({ id: 'a', replica: createYjsReplica(doc), random: seededRandom(7) })
 *   node.handle(0, { type: 'start' })
 *   node.handle(0, { type: 'peers-discovered', peers: ['b', 'c'] })   // → connect effects
 */
import { Plumtree } from '../broadcast/plumtree'
import type { PeerId } from '../ids'
import { Swim } from '../membership/swim'
import { HyParView } from '../overlay/hyparview'
import { PastDigest } from '../replica/past-digest'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type {
  Frame,
  MemberDigestFrame,
  MemberRefineAskFrame,
  MemberRefineFrame,
  MemberUpdate,
  SyncDiffFrame,
  SyncDigestFrame,
} from '../wire/frame'
import { DiffAdmission } from './diff-admission'
import type { DropReason, Effect } from './effect'
import type { MemberView } from './member-view'
import type { MeshNode } from './mesh-node'
import type { NodeEvent } from './node-event'
import { type NodeOptions, type ResolvedNodeOptions, resolveNodeOptions } from './node-options'
import { emptyStats, type NodeStats } from './node-stats'
import { RootLinks } from './root-links'
import { SignalRelay } from './signal-relay'

/** Thrown when the shell misuses the node (e.g. metadata over the cap); `code` is stable. */
export class NodeUsageError extends Error {
  constructor(
    readonly code: 'GM_ERR_META_TOO_LARGE' | 'GM_ERR_NOT_STARTED' | 'GM_ERR_EPHEMERAL_KIND',
    message: string,
  ) {
    super(message)
  }
}

/** The composed node, with read-only introspection for tests, benchmarks and dashboards. */
export interface GossipNode extends MeshNode {
  member(id: PeerId): MemberView | undefined
  /** The overlay's active view (a subset of `neighbors()`: channels still handshaking are not in it). */
  activeView(): PeerId[]
  passiveView(): readonly PeerId[]
  /** Plumtree's eager peers (the tree's links at this node). */
  eagerPeers(): PeerId[]
  /** The rooted broadcast tree here: its root, this peer's distance to it, its parent; undefined with `tree: 'emergent'`. */
  treePosition(): { root: PeerId; dist: number; parent: PeerId | undefined } | undefined
  /** Lifeguard's local health score: 0 is healthy; timeouts are stretched by score + 1. */
  healthScore(): number
  /** Members alive or suspect, self included. */
  liveMembers(): number
}

export function createNode(options: NodeOptions): GossipNode {
  return new ComposedNode(resolveNodeOptions(options))
}

/** Least time between two rounds of digests pushed after anti-entropy brought news. */
const REPAIR_PUSH_INTERVAL_MS = 1_000

/**
 * Openers sent to pull what Plumtree gave up on, each to another neighbour, until one is
 * answered with a diff. One fails when the opener or the diff is lost (19% at 10% frame
 * loss) or that neighbour sent us a diff within the interval (it answers with its digest
 * only: then the next goes at once, else a second later). Five all fail ~0.02% of the
 * time at 10% loss; the periodic round is left then. (Three were not enough: at 10,000
 * peers, 10% loss, seed 1, a message whose 4 GRAFT round trips all lost a frame was then
 * pulled from a neighbour that had just sent a diff and two whose round trips were lost,
 * and arrived 3.5 s after the benchmark's drain.)
 */
const PULL_ASKS = 5
const PULL_RETRY_MS = 1_000

class ComposedNode implements GossipNode {
  readonly id: PeerId
  private readonly stat: NodeStats = { ...emptyStats(), sentByType: {}, bytesByType: {} }
  private readonly swim: Swim
  private readonly overlay: HyParView
  private readonly tree: Plumtree
  /** Peers with an open channel, as the shell reported them. */
  private readonly linked = new Set<PeerId>()
  /** Neighbours we completed an anti-entropy exchange with. */
  private readonly syncedWith = new Set<PeerId>()
  /** Which digests earn a diff of the document. */
  private readonly admission: DiffAdmission
  /** When each neighbour last got a member snapshot. */
  private readonly lastSnapshotTo = new Map<PeerId, number>()
  /** Neighbours sent a member digest whose refinement (MEMBER_REFINE) we would still take. */
  private readonly memberDigestsOut = new Set<PeerId>()
  /** Neighbours sent a refinement, with the fine buckets it offered: their one ask is answered. */
  private readonly refinesOut = new Map<PeerId, Uint8Array>()
  /** Effects of the event being handled. */
  private out: Effect[] = []
  private now = 0
  private wakeAt = Number.POSITIVE_INFINITY
  private nextAntiEntropyAt = Number.POSITIVE_INFINITY
  private nextMemberDigestAt = Number.POSITIVE_INFINITY
  /** When to push digests to every neighbour after anti-entropy brought news (rate-limited). */
  private repairPushAt = Number.POSITIVE_INFINITY
  private lastRepairPush = Number.NEGATIVE_INFINITY
  /**
   * A pull of what Plumtree gave up on: neighbours to ask (those holding it first), asks
   * left, when the next one is due, and whom we asked last (its diff ends the pull).
   */
  private pull: { holders: PeerId[]; left: number; at: number; asked: PeerId | undefined } | undefined
  private started = false
  private left = false
  private seq = 0
  /** Distinguishes this run's updates from those of an earlier run with the same id. */
  private readonly session: number
  private readonly relay: SignalRelay
  /** What the replica held a moment ago: routine rounds leave out what came since. */
  private readonly pastDigest: PastDigest
  /** The tree's root keeps more active neighbours. */
  private readonly rootLinks: RootLinks

  constructor(private readonly o: ResolvedNodeOptions) {
    this.id = o.id
    this.session = o.random.int(2 ** 31)
    this.relay = new SignalRelay(o.id, o.random)
    // The window `inFlight` uses too: past it, a broadcast that has not arrived was lost.
    this.pastDigest = new PastDigest(o.replica, 2 * o.graftTimeoutMs)
    this.admission = new DiffAdmission(o.antiEntropyIntervalMs)
    this.rootLinks = new RootLinks(o.rootLinks, 2 * o.treeRefreshMs, 12 * o.treeRefreshMs)
    this.swim = new Swim(
      o.id,
      o,
      o.random,
      {
        send: (to, frame) => {
          if (this.linked.has(to)) this.send(to, frame)
        },
        changed: (member, previous) => this.memberChanged(member, previous),
      },
      'neighbors',
      o.memberIndex,
    )
    this.overlay = new HyParView(o.id, o, o.random, {
      send: (to, frame) => this.send(to, frame),
      connect: (peer) => this.out.push({ type: 'connect', peer }),
      disconnect: (peer) => {
        this.linked.delete(peer)
        this.forgetPeer(peer)
        this.out.push({ type: 'disconnect', peer })
      },
      activeAdded: (_now, peer) => this.activeAdded(peer),
      activeRemoved: (_now, peer) => {
        this.swim.removeNeighbor(peer)
        this.tree.neighborDown(peer)
      },
      usable: (peer) => {
        const s = this.swim.stateOf(peer)
        return s !== 'dead' && s !== 'left'
      },
      randomLive: () => this.swim.randomLive(),
      randomDead: () => this.swim.randomDead(),
      connectFailed: (now, peer) => this.swim.connectFailed(now, peer),
    })
    this.tree = new Plumtree(o.id, o, {
      send: (to, frame) => this.send(to, frame),
      deliver: (from, payload) => this.applyRemote(from, payload) !== 'bad',
      pull: (holders) => this.startPull(holders),
      // Only a member we know alive or suspect: one TREE frame naming an id nobody has
      // heard of must not make the room follow it.
      usableRoot: (peer) => {
        const state = this.swim.stateOf(peer)
        return state === 'alive' || state === 'suspect'
      },
    })
  }

  // ------------------------------------------------------------------ MeshNode

  handle(now: number, event: NodeEvent): Effect[] {
    this.out = []
    this.now = now
    if (event.type === 'start') {
      if (!this.started) this.start(now)
    } else if (this.started && !this.left) {
      // Woken far later than asked: this peer was stalled (Lifeguard local health).
      if (now > this.wakeAt + this.o.lateToleranceMs) this.swim.missedDeadline(now)
      this.dispatch(now, event)
    }
    if (this.started && !this.left) {
      const extra = this.rootLinks.slots(now, this.tree.isRoot() && this.swim.size > 1)
      // A root stepping down sheds random neighbours, but not the link to its new parent.
      this.overlay.setExtraActive(now, extra, (peer) => peer === this.tree.treePosition()?.parent)
    }
    // A wake time already past means "tick at once": lateness counts from now, not from it.
    this.wakeAt = this.left ? Number.POSITIVE_INFINITY : Math.max(now, this.computeWake())
    const out = this.out
    this.out = []
    return out
  }

  nextWakeAt(): number {
    return this.wakeAt
  }

  members(): MemberView[] {
    return this.swim.members()
  }

  member(id: PeerId): MemberView | undefined {
    return this.swim.member(id)
  }

  neighbors(): PeerId[] {
    return [...this.linked]
  }

  activeView(): PeerId[] {
    return this.overlay.activeView()
  }

  passiveView(): readonly PeerId[] {
    return this.overlay.passiveView()
  }

  eagerPeers(): PeerId[] {
    return this.tree.eagerPeers()
  }

  treePosition(): { root: PeerId; dist: number; parent: PeerId | undefined } | undefined {
    return this.tree.treePosition()
  }

  healthScore(): number {
    return this.swim.healthScore
  }

  liveMembers(): number {
    return this.swim.size
  }

  stats(): NodeStats {
    const s = this.stat
    return {
      ...s,
      dropped: { ...s.dropped },
      sentByType: { ...s.sentByType },
      bytesByType: { ...s.bytesByType },
      membership: { ...this.swim.stats, healthScore: this.swim.healthScore, members: this.swim.size },
      overlay: {
        ...this.overlay.stats,
        active: this.overlay.activeSize,
        passive: this.overlay.passiveView().length,
      },
      broadcast: { ...this.tree.stats },
      relay: this.relay.stats(),
    }
  }

  // ------------------------------------------------------------------ events

  private start(now: number): void {
    this.started = true
    this.swim.start(now, this.o.meta, this.o.incarnation)
    this.overlay.start(now)
    this.nextAntiEntropyAt = now + this.o.antiEntropyIntervalMs
    this.nextMemberDigestAt = now + this.o.random.int(this.o.memberDigestIntervalMs)
  }

  private dispatch(now: number, event: Exclude<NodeEvent, { type: 'start' }>): void {
    switch (event.type) {
      case 'peers-discovered':
        this.overlay.discovered(
          now,
          event.peers.filter((p) => p !== this.id),
        )
        break
      case 'neighbor-up':
        if (event.peer === this.id) break
        this.linked.add(event.peer)
        this.introduce(event.peer)
        this.overlay.linkUp(now, event.peer)
        break
      case 'neighbor-down':
        this.linked.delete(event.peer)
        this.forgetPeer(event.peer)
        // A channel lost without DISCONNECT is a failed probe of that peer.
        if (this.overlay.linkDown(now, event.peer)) this.swim.linkFailed(now, event.peer)
        break
      case 'frame':
        this.onFrame(now, event.from, event.bytes)
        break
      case 'tick':
        this.swim.tick(now)
        this.overlay.tick(now)
        this.tree.tick(now)
        if (this.pull !== undefined && now >= this.pull.at) this.pullNext(now)
        if (now >= this.repairPushAt) this.repairPush(now)
        if (now >= this.nextAntiEntropyAt) {
          this.nextAntiEntropyAt = now + this.o.antiEntropyIntervalMs
          const peer = this.o.random.pick(this.overlay.activeView())
          if (peer !== undefined) this.sendDigest(peer, true, true)
        }
        this.pastDigest.tick(now)
        if (now >= this.nextMemberDigestAt) {
          this.nextMemberDigestAt = now + this.o.memberDigestIntervalMs
          const peer = this.o.random.pick(this.overlay.activeView())
          if (peer !== undefined) this.sendMemberDigest(peer)
        }
        break
      case 'local-update':
        this.seq++
        this.stat.updatesOriginated++
        this.tree.broadcast(now, { origin: this.id, session: this.session, seq: this.seq }, event.update)
        break
      case 'set-meta':
        if (event.meta.length > this.o.maxMetaBytes)
          throw new NodeUsageError(
            'GM_ERR_META_TOO_LARGE',
            `metadata is ${event.meta.length} bytes, cap ${this.o.maxMetaBytes} (maxMetaBytes)`,
          )
        this.swim.setMeta(now, event.meta)
        break
      case 'relay-signal':
        for (const { to, frame } of this.relay.originate(event.to, event.data, this.linked))
          this.send(to, frame)
        break
      case 'send-ephemeral':
        this.sendEphemeral(event.to, event.kind, event.payload)
        break
      case 'leave': {
        const goodbye = this.swim.leave(now)
        // Tell every neighbour directly; their gossip carries it on.
        for (const peer of this.linked) this.send(peer, { type: 'member-gossip', members: [goodbye] })
        this.overlay.stop()
        this.left = true
        break
      }
    }
  }

  private onFrame(now: number, from: PeerId, bytes: Uint8Array): void {
    this.stat.framesReceived++
    this.stat.bytesReceived += bytes.length
    if (!this.linked.has(from)) {
      this.drop(from, 'not-neighbor', 'frame from a peer without an open channel')
      return
    }
    const decoded = decodeFrame(bytes, this.o.wireLimits)
    if (!decoded.ok) {
      this.drop(from, decoded.error.code, decoded.error.detail)
      return
    }
    const f = decoded.frame
    // Any frame over the channel proves its sender alive (Lifeguard-style evidence, and
    // cheap: overlay neighbours talk all the time), so loss alone rarely fails a probe.
    this.swim.heardFrom(from)
    switch (f.type) {
      case 'ping':
      case 'ack':
      case 'ping-req':
      case 'nack':
      case 'member-gossip':
        this.swim.onFrame(now, from, f)
        break
      case 'join':
      case 'forward-join':
      case 'neighbor':
      case 'neighbor-reply':
      case 'disconnect':
      case 'shuffle':
      case 'shuffle-reply':
        this.overlay.onFrame(now, from, f)
        break
      case 'ihave':
        this.swim.merge(now, f.members, from)
        if (this.overlay.isActive(from)) this.tree.onFrame(now, from, f)
        break
      case 'update':
        if (this.overlay.isActive(from)) this.tree.onFrame(now, from, f)
        else this.applyRemote(from, f.payload) // a frame in flight as the link closed: still news
        break
      case 'graft':
      case 'prune':
      case 'tree':
        if (this.overlay.isActive(from)) this.tree.onFrame(now, from, f)
        break
      case 'sync-digest':
        this.onDigest(from, f)
        break
      case 'member-snapshot':
        this.swim.mergeSnapshot(now, f.members, from)
        break
      case 'member-digest':
        this.onMemberDigest(from, f)
        break
      case 'member-refine':
        this.onMemberRefine(from, f)
        break
      case 'member-refine-ask':
        this.onMemberRefineAsk(from, f)
        break
      case 'sync-diff':
        this.onDiff(from, f)
        break
      case 'signal-relay': {
        const r = this.relay.receive(from, f, this.linked, now)
        if (r.deliver !== undefined) this.out.push({ type: 'signal', ...r.deliver })
        for (const { to, frame } of r.forward) this.send(to, frame)
        break
      }
      case 'ephemeral':
        // Only from an open channel (checked above); never forwarded here.
        this.out.push({ type: 'ephemeral', from, kind: f.kind, payload: f.payload })
        break
    }
  }

  /** An EPHEMERAL frame to one neighbour; dropped and counted when it cannot be sent or would be refused. */
  private sendEphemeral(to: PeerId, kind: number, payload: Uint8Array): void {
    if (!Number.isInteger(kind) || kind < 0 || kind > 255)
      throw new NodeUsageError('GM_ERR_EPHEMERAL_KIND', `ephemeral kind ${kind} is not a byte (0-255)`)
    if (!this.linked.has(to)) {
      this.drop(to, 'not-neighbor', `ephemeral message to ${to}, which has no open channel`)
      return
    }
    const cap = this.o.wireLimits.maxEphemeralBytes
    if (payload.length > cap) {
      // The receiver would drop it unread: report it here instead.
      this.drop(
        to,
        'send-oversized',
        `ephemeral payload is ${payload.length} bytes, cap ${cap} (wireLimits.maxEphemeralBytes)`,
      )
      return
    }
    this.send(to, { type: 'ephemeral', kind, payload })
  }

  // ------------------------------------------------------------------ glue between layers

  /** On a new channel, both sides exchange what they know of themselves and each other, so a restarted or wrongly-dead peer refutes at once. */
  private introduce(peer: PeerId): void {
    const records: MemberUpdate[] = []
    const me = this.swim.recordOf(this.id)
    if (me !== undefined) records.push(me)
    const them = this.swim.recordOf(peer)
    if (them !== undefined) records.push(them)
    else {
      // Forgotten after it died or left: tell it the incarnation to refute, or its alive is stale here.
      const last = this.swim.forgottenIncarnation(peer)
      if (last !== undefined)
        records.push({ id: peer, state: 'dead', incarnation: last, meta: new Uint8Array(0), from: this.id })
    }
    this.send(peer, { type: 'member-gossip', members: records })
  }

  private activeAdded(peer: PeerId): void {
    this.swim.addNeighbor(peer)
    this.tree.neighborUp(peer)
    if (this.overlay.joinedThrough(peer)) this.sendSnapshot(peer)
    // A new link is where a flood may have gone missing (the overlay reshaped while news
    // went by): compare member tables now rather than at the next round.
    else this.sendMemberDigest(peer)
    // Catch up at once rather than waiting for the next anti-entropy round.
    this.sendDigest(peer, true)
  }

  private sendMemberDigest(peer: PeerId): void {
    this.memberDigestsOut.add(peer)
    this.send(peer, { type: 'member-digest', buckets: this.swim.digest() })
  }

  /**
   * Membership anti-entropy: answer with our records where the digests differ, or with the
   * sub-sums of those buckets when they hold many records (a gap spread over the room). A
   * small frame can ask for the whole table: only active neighbours, once per round.
   */
  private onMemberDigest(from: PeerId, f: MemberDigestFrame): void {
    if (!this.overlay.isActive(from)) {
      this.drop(from, 'unsolicited', 'member digest from a peer outside the active view')
      return
    }
    const last = this.lastSnapshotTo.get(from) ?? Number.NEGATIVE_INFINITY
    if (this.now - last < this.o.antiEntropyIntervalMs) return
    const answer = this.swim.digestAnswer(this.now, f.buckets)
    if (answer === undefined) return
    if ('records' in answer) {
      this.sendSnapshot(from, answer.records)
      return
    }
    // The refinement is this round's answer; the one ask it invites is part of it.
    this.lastSnapshotTo.set(from, this.now)
    this.refinesOut.set(from, answer.offered)
    this.send(from, { type: 'member-refine', buckets: answer.refine })
  }

  /**
   * A neighbour refined its answer to our digest: ask for its records in the sub-buckets
   * that differ, then push ours there. The ask goes first: channels are ordered, so the
   * neighbour answers it before merging our records and does not send them back.
   * Accepted once per digest we sent, so a neighbour cannot make us send our table at will.
   */
  private onMemberRefine(from: PeerId, f: MemberRefineFrame): void {
    if (!this.overlay.isActive(from) || !this.memberDigestsOut.delete(from)) {
      this.drop(from, 'unsolicited', 'member refinement answering no member digest of ours')
      return
    }
    const { records, asks } = this.swim.refinementAnswer(this.now, f.buckets)
    if (asks.length > 0) this.send(from, { type: 'member-refine-ask', asks })
    this.sendMembers(from, records)
  }

  /** The neighbour we sent a refinement asks for our records in some of its sub-buckets. */
  private onMemberRefineAsk(from: PeerId, f: MemberRefineAskFrame): void {
    const offered = this.refinesOut.get(from)
    if (!this.overlay.isActive(from) || offered === undefined) {
      this.drop(from, 'unsolicited', 'member refine ask answering no refinement of ours')
      return
    }
    this.refinesOut.delete(from)
    if (f.asks.some((a) => offered[a.bucket] !== 1)) {
      this.drop(from, 'unsolicited', 'member refine ask for buckets our refinement did not offer')
      return
    }
    this.sendMembers(from, this.swim.recordsAsked(f.asks))
  }

  /** The join state transfer (every live member, memberlist's push-pull on join), or the records a member digest showed missing. */
  private sendSnapshot(peer: PeerId, all: readonly MemberUpdate[] = this.swim.snapshot()): void {
    this.lastSnapshotTo.set(peer, this.now)
    this.sendMembers(peer, all)
  }

  /** Member records as MEMBER_SNAPSHOT frames, chunked by `maxListItems`. */
  private sendMembers(peer: PeerId, all: readonly MemberUpdate[]): void {
    const chunk = this.o.wireLimits.maxListItems
    for (let i = 0; i < all.length; i += chunk)
      this.send(peer, { type: 'member-snapshot', members: all.slice(i, i + chunk) })
  }

  private memberChanged(member: MemberView, previous: string | undefined): void {
    this.out.push({ type: 'member-changed', member })
    if (member.id === this.id) return
    if ((member.state === 'dead' || member.state === 'left') && previous !== member.state) {
      this.overlay.memberGone(this.now, member.id)
      this.tree.memberGone(member.id)
    }
  }

  // ------------------------------------------------------------------ replication

  /** Merge a remote payload. 'bad' payloads are dropped and counted. */
  private applyRemote(from: PeerId, payload: Uint8Array): 'changed' | 'unchanged' | 'bad' {
    const result = this.o.replica.apply(payload)
    if (!result.ok) {
      this.drop(from, 'bad-update', result.reason)
      return 'bad'
    }
    if (!result.value.changed) {
      this.stat.duplicatesReceived++
      return 'unchanged'
    }
    this.stat.updatesApplied++
    this.out.push({ type: 'replica-changed', from })
    return 'changed'
  }

  /** `routine`: a periodic round, which leaves out what is still in flight (see PastDigest). */
  private sendDigest(to: PeerId, wantsReply: boolean, routine = false): void {
    if (wantsReply) this.admission.openerSent(to)
    this.send(to, { type: 'sync-digest', digest: this.o.replica.digest(), wantsReply, routine })
  }

  /**
   * A digest asks for a diff, which can be the whole document: answered as DiffAdmission
   * says (a reply to an opener we sent; an opener from an active neighbour, within its
   * limits, past which only our digest goes back). Anything else is dropped.
   */
  private onDigest(from: PeerId, f: SyncDigestFrame): void {
    let answer = true
    if (f.wantsReply) {
      if (!this.overlay.isActive(from)) {
        this.drop(from, 'unsolicited', 'sync digest from a peer outside the active view')
        return
      }
      answer = this.admission.mayAnswerOpener(this.now, from)
    } else if (!this.admission.takeReply(from)) {
      this.drop(from, 'unsolicited', 'sync digest reply to no opener of ours')
      return
    }
    if (!answer) this.stat.diffsDeferred = (this.stat.diffsDeferred ?? 0) + 1
    else if (f.routine) {
      const lacksOnlyRecent = this.pastDigest.heldBy(f.digest)
      if (!lacksOnlyRecent.ok) {
        this.drop(from, 'bad-digest', lacksOnlyRecent.reason)
        return
      }
      if (lacksOnlyRecent.value) {
        answer = false
        this.stat.diffsInFlight = (this.stat.diffsInFlight ?? 0) + 1
      }
    }
    if (answer) {
      const diff = this.o.replica.diff(f.digest)
      if (!diff.ok) {
        this.drop(from, 'bad-digest', diff.reason)
        return
      }
      if (diff.value !== null) {
        if (f.wantsReply) this.admission.diffSent(this.now, from)
        this.send(from, { type: 'sync-diff', diff: diff.value })
      }
    }
    if (f.wantsReply) this.sendDigest(from, false, f.routine)
    // The neighbour we pulled from answered with no diff before its digest (channels are
    // ordered): it had sent us one within the interval, or the diff was lost. Ask the next.
    // (A routine answer is to an earlier routine opener, not to the pull.)
    else if (!f.routine && this.pull?.asked === from) this.pullNext(this.now)
    // An answer arrives after the diff the peer sent us (channels are ordered), so from
    // here on we hold at least what that neighbour held when it answered (on a routine
    // round, what it held a moment before: newer updates are still coming by broadcast).
    if (!f.wantsReply && !this.syncedWith.has(from)) {
      const first = this.syncedWith.size === 0
      this.syncedWith.add(from)
      if (first) this.out.push({ type: 'synced', with: from })
    }
  }

  private onDiff(from: PeerId, f: SyncDiffFrame): void {
    // It holds all `from` had that we lacked when it answered, what it announced included.
    if (this.pull?.asked === from) this.pull = undefined
    // Data that only anti-entropy brought (a healed partition) is not in any Plumtree
    // message: pass it on by opening exchanges with the other neighbours, at most once a second.
    // While a broadcast is in flight, news in a diff is almost surely that broadcast, which
    // Plumtree delivers anyway; pushing digests then only finds the next one in flight.
    if (
      this.applyRemote(from, f.diff) === 'changed' &&
      this.repairPushAt === Number.POSITIVE_INFINITY &&
      !this.tree.inFlight(this.now)
    )
      // Wait out the graft window first: a broadcast still in flight is not worth repairing.
      this.repairPushAt = Math.max(
        this.now + 2 * this.o.graftTimeoutMs,
        this.lastRepairPush + REPAIR_PUSH_INTERVAL_MS,
      )
  }

  /**
   * Plumtree gave up GRAFTing messages (every ask unanswered, or no announcer left). The
   * periodic round would come up to `antiEntropyIntervalMs` later, and one whose diff is
   * lost costs another interval: ask a neighbour that announced them now, and another a
   * second later, until a diff comes (`PULL_ASKS` at most).
   */
  private startPull(holders: readonly PeerId[]): void {
    const p = this.pull
    if (p === undefined) {
      this.pull = {
        holders: holders.slice(0, 2 * PULL_ASKS),
        left: PULL_ASKS,
        at: this.now,
        asked: undefined,
      }
      return
    }
    p.left = PULL_ASKS
    // Bounded: more holders than asks left are never reached.
    for (const h of holders) if (p.holders.length < 2 * PULL_ASKS && !p.holders.includes(h)) p.holders.push(h)
  }

  private pullNext(now: number): void {
    const p = this.pull as NonNullable<typeof this.pull>
    let peer: PeerId | undefined
    while (peer === undefined && p.holders.length > 0) {
      const h = p.holders.shift() as PeerId
      if (h !== p.asked && this.overlay.isActive(h)) peer = h
    }
    // No holder left: any other neighbour very likely has it by now.
    peer ??= this.o.random.pick(this.overlay.activeView().filter((a) => a !== p.asked))
    if (p.left === 0 || peer === undefined) {
      this.pull = undefined
      return
    }
    p.left--
    p.asked = peer
    p.at = now + PULL_RETRY_MS
    this.stat.pulls = (this.stat.pulls ?? 0) + 1
    this.sendDigest(peer, true)
  }

  private repairPush(now: number): void {
    this.repairPushAt = Number.POSITIVE_INFINITY
    this.lastRepairPush = now
    for (const peer of this.overlay.activeView()) this.sendDigest(peer, true)
  }

  // ------------------------------------------------------------------ plumbing

  /** Per-peer state of a neighbour that is gone. */
  private forgetPeer(peer: PeerId): void {
    this.syncedWith.delete(peer)
    this.admission.forget(peer)
    this.lastSnapshotTo.delete(peer)
    this.memberDigestsOut.delete(peer)
    this.refinesOut.delete(peer)
  }

  private send(to: PeerId, frame: Frame): void {
    let f = frame
    // IHAVE batches go out regularly anyway: membership news rides along for free.
    if (f.type === 'ihave' && f.members.length === 0) f = { ...f, members: this.swim.piggyback(to) }
    const bytes = encodeFrame(f)
    if (bytes.length > this.o.wireLimits.maxFrameBytes) {
      // The receiver would drop it unread: report it here instead of failing silently there.
      this.drop(
        to,
        'send-oversized',
        `${f.type} frame to ${to} is ${bytes.length} bytes, cap ${this.o.wireLimits.maxFrameBytes} (wireLimits.maxFrameBytes)`,
      )
      return
    }
    const s = this.stat
    s.framesSent++
    s.bytesSent += bytes.length
    const sent = s.sentByType as Record<string, number>
    const sentBytes = s.bytesByType as Record<string, number>
    sent[f.type] = (sent[f.type] ?? 0) + 1
    sentBytes[f.type] = (sentBytes[f.type] ?? 0) + bytes.length
    this.out.push({ type: 'send', to, bytes })
  }

  private drop(from: PeerId, reason: DropReason, detail: string): void {
    this.stat.dropped[reason] = (this.stat.dropped[reason] ?? 0) + 1
    this.out.push({ type: 'dropped', from, reason, detail })
  }

  private computeWake(): number {
    return Math.min(
      this.swim.nextWakeAt(),
      this.overlay.nextWakeAt(),
      this.tree.nextWakeAt(),
      this.nextAntiEntropyAt,
      this.nextMemberDigestAt,
      this.repairPushAt,
      this.pull?.at ?? Number.POSITIVE_INFINITY,
    )
  }
}
