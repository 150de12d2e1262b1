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
import { decodeFrame, encodeFrame } from '../wire/codec'
import type {
  Frame,
  MemberDigestFrame,
  MemberRefineAskFrame,
  MemberRefineFrame,
  MemberUpdate,
} from '../wire/frame'
import { DocumentSync } from './document-sync'
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

class ComposedNode implements GossipNode {
  readonly id: PeerId
  private readonly stat: NodeStats = { ...emptyStats(), sentByType: {}, bytesByType: {} }
  private readonly swim: Swim
  private readonly overlay: HyParView
  private readonly tree: Plumtree
  /** Peers with an open channel, as the shell reported them. */
  private readonly linked = new Set<PeerId>()
  /** Anti-entropy of the document with neighbours. */
  private readonly sync: DocumentSync
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
  private nextMemberDigestAt = Number.POSITIVE_INFINITY
  private started = false
  private left = false
  private seq = 0
  /** Distinguishes this run's updates from those of an earlier run with the same id. */
  private readonly session: number
  private readonly relay: SignalRelay
  /** The tree's root keeps more active neighbours. */
  private readonly rootLinks: RootLinks

  constructor(private readonly o: ResolvedNodeOptions) {
    this.id = o.id
    this.session = o.random.int(2 ** 31)
    this.relay = new SignalRelay(o.id, o.random)
    this.sync = new DocumentSync(o, this.stat, {
      send: (to, frame) => this.send(to, frame),
      drop: (from, reason, detail) => this.drop(from, reason, detail),
      apply: (from, payload) => this.applyRemote(from, payload),
      synced: (peer) => this.out.push({ type: 'synced', with: peer }),
      isActive: (peer) => this.overlay.isActive(peer),
      activeView: () => this.overlay.activeView(),
      inFlight: (now) => this.tree.inFlight(now),
    })
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
      pull: (holders) => this.sync.startPull(this.now, holders),
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
    this.sync.start(now)
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
        this.sync.tick(now)
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
        this.sync.onDigest(now, from, f)
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
        this.sync.onDiff(now, from, f)
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
    this.sync.linked(peer)
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

  // ------------------------------------------------------------------ plumbing

  /** Per-peer state of a neighbour that is gone. */
  private forgetPeer(peer: PeerId): void {
    this.sync.forget(peer)
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
      this.sync.nextWakeAt(),
      this.nextMemberDigestAt,
    )
  }
}
