/**
 * Plumtree: epidemic broadcast trees (Leitão, Pereira, Rodrigues, SRDS 2007), sans-IO,
 * over the overlay's active view.
 *
 * Each neighbour is eager (a tree link: gets full messages) or lazy. A message is pushed
 * over tree links and announced (batched IHAVE ids) to every neighbour. Which links are
 * the tree: by default (`tree: 'rooted'`) a breadth-first tree around the lowest member id,
 * kept by TREE frames (`rooted-tree.ts`); new links start lazy and duplicates prune
 * nothing. With `tree: 'emergent'` (the paper's), new links start eager and a copy that
 * comes twice over tree links PRUNEs the second link, so the eager links settle into a
 * spanning tree; the join and shortcut rules below shape that tree only.
 *
 *   const tree = new Plumtree('a', resolvePlumtreeOptions({}), host)
 *   tree.neighborUp('b')
 *   tree.broadcast(now, { origin: 'a', session, seq: 1 }, payload)
 *   tree.onFrame(now, 'b', frame)     // update, ihave, graft, prune
 *
 * Lost frames are repaired without reshaping the tree (PROTOCOL.md, "Plumtree under
 * loss", tells why each rule is there):
 * - Tree neighbours get the announcements too. Links are FIFO, so a tree neighbour's
 *   announcement of a message we lack means its push was lost: we GRAFT it from that
 *   neighbour at once, along the tree. On a rooted tree a message going up to our parent
 *   is announced to it at once as well, not only in the batch (`upward`).
 * - A message only lazy neighbours announced, still missing `graftTimeoutMs` later, is
 *   fetched from one of them without making it a tree link, and passed on marked as a
 *   detour (`DETOUR` added to its hop count). A duplicate involving a detour copy prunes
 *   nothing: the tree was slow there, not redundant.
 * - GRAFT with ids asks for those messages only; an empty GRAFT asks to become a tree
 *   link. A lazy link joins the tree only where the tree is broken: we have no tree link,
 *   one went down lately, we keep fetching from a link we pruned lately, or, after a
 *   fetch, our tree brought nothing at all for another 1-2 `graftTimeoutMs` (a slow
 *   repair would have; the wait is spread out so the peers cut off together do not all
 *   join at once).
 * - Shortcuts (§3.8, `hop-shortcuts.ts`): a lazy neighbour that announces what our tree
 *   link brings at fewer hops, on average, replaces that tree link.
 * - A message still missing after `MAX_ANNOUNCERS` GRAFTs is given up on and handed to
 *   the host (`pull`), which fetches it by anti-entropy at once from its announcers.
 */
import type { PeerId } from '../ids'
import type { BroadcastFrame, IHaveEntry, MessageId, UpdateFrame } from '../wire/frame'
import { AnnounceQueue, MAX_IHAVE_BATCH } from './announce-queue'
import { HopShortcuts } from './hop-shortcuts'
import { MAX_ANNOUNCERS, type Missing, MissingMessages } from './missing-messages'
import type { ResolvedPlumtreeOptions } from './plumtree-options'
import { RootedTree } from './rooted-tree'
import { SeenCache } from './seen-cache'

export interface PlumtreeHost {
  /** Send a broadcast frame; IHAVE frames get membership piggybacked by the host. */
  send(to: PeerId, frame: BroadcastFrame): void
  /** Hand a payload to the application. False when it is malformed: it is then not forwarded. */
  deliver(from: PeerId, payload: Uint8Array, frame: UpdateFrame): boolean
  /**
   * Plumtree stopped GRAFTing messages still missing here: bring them by anti-entropy now.
   * `holders` are neighbours that announced them (so hold them), those asked least first;
   * empty when none is a neighbour any more. Without it they wait for the periodic round.
   */
  pull?(holders: readonly PeerId[]): void
  /** Whether membership holds `peer` alive or suspect (the rooted tree follows only such a root). Default: always true. */
  usableRoot?(peer: PeerId): boolean
}

export interface PlumtreeStats {
  /** Payload frames sent: eager pushes and graft answers. */
  payloadsSent: number
  /** Of those, answers to GRAFTs. */
  graftAnswers: number
  ihaveEntriesSent: number
  /** Message ids GRAFTed. */
  graftsSent: number
  /** Of those, GRAFTed at once: a tree neighbour announced a message whose push to us was lost. */
  graftsOnAnnounce: number
  /** Of those, fetched from a lazy neighbour because our tree had not brought them in time. */
  graftsOffTree: number
  /** Of those, asked of our parent (rooted tree) because lazy neighbours announced them and the tree had not brought them in time. */
  graftsParent: number
  /** Lazy links made tree links (empty GRAFT sent): no tree link, one went down, or we had cut it. */
  treeRepairs: number
  /** Missing messages no longer GRAFTed (`MAX_ANNOUNCERS` asks unanswered, or no announcer left): handed to anti-entropy. */
  graftsAbandoned: number
  /** Tree links swapped for a lazy neighbour that announced a message `shortcutThreshold` hops closer to its origin (§3.8). */
  shortcuts: number
  prunesSent: number
  delivered: number
  duplicates: number
  /** Of the duplicates, answers to our own GRAFTs that another copy beat. */
  duplicatesAsked: number
  /** Of the duplicates, pushes over a link we hold lazy (our PRUNE was lost or crossed the push). */
  duplicatesLazy: number
  /** Rooted tree: times this peer took another parent (or became a root). */
  parentChanges: number
  /** Rooted tree: TREE frames sent. */
  treeAdverts: number
  /** Rooted tree: TREE frames dropped, over a neighbour's budget. */
  treeAdvertsDropped: number
  /** Copies the application rejected (malformed payload): dropped, not marked seen, no PRUNE. */
  rejected: number
  /** GRAFTed messages not resent: a repeated id, or over the neighbour's `graftBudgetBytes`. */
  graftsRefused: number
}

/** Bytes resent to one neighbour in answer to GRAFTs within the current window. */
interface GraftWindow {
  start: number
  bytes: number
}

/** The window of `graftBudgetBytes`. */
const GRAFT_WINDOW_MS = 1_000
/**
 * Added to the hop count of a copy that left the tree (fetched from, or pushed by, a lazy
 * neighbour) and kept as it is passed on: its duplicates prune nothing. Real hop counts
 * stay far below it (P99 24 at 1,000 peers and 10% loss in the benchmark); the wire
 * allows up to 255.
 */
export const DETOUR = 128
/**
 * After a tree link goes down, for this many `graftTimeoutMs` a message our tree does not
 * bring makes its announcer a tree link: the tree is broken here, and the next broadcasts
 * show it within a second or two.
 */
const DOWN_WINDOW = 3
/**
 * A link cut by a PRUNE (either way) joins the tree again when we had to fetch
 * `CUT_FETCHES` messages from it within `CUT_WINDOW` × `graftTimeoutMs` of the cut. Two
 * broadcasts in flight can cut two links of one cycle and split the tree; the cut that
 * did it is then undone. One or two fetches are not enough evidence: right after the
 * first broadcast builds the tree every node has just cut links, and at 10% frame loss a
 * slow repair makes a fetch now and then. Undoing on the first fetch made ~20 peers join
 * links at once after the first broadcast, and the new cycles were cut again, in pairs
 * (simulation, n = 100, 10% loss).
 */
const CUT_WINDOW = 10
const CUT_FETCHES = 3

/** A number in [0, 1) fixed by (peer, message): spreads decisions out without a random source. */
function spread(self: string, key: string): number {
  let h = 0x811c9dc5
  for (const s of [self, ' ', key])
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return (h >>> 0) / 2 ** 32
}

export function messageKey(id: MessageId): string {
  // Spaces cannot occur in peer ids, so the key is unambiguous.
  return `${id.session} ${id.seq} ${id.origin}`
}

export class Plumtree {
  private readonly counters: PlumtreeStats = {
    payloadsSent: 0,
    graftAnswers: 0,
    ihaveEntriesSent: 0,
    graftsSent: 0,
    graftsOnAnnounce: 0,
    graftsOffTree: 0,
    graftsParent: 0,
    treeRepairs: 0,
    graftsAbandoned: 0,
    shortcuts: 0,
    prunesSent: 0,
    delivered: 0,
    duplicates: 0,
    duplicatesAsked: 0,
    duplicatesLazy: 0,
    parentChanges: 0,
    treeAdverts: 0,
    treeAdvertsDropped: 0,
    rejected: 0,
    graftsRefused: 0,
  }
  private readonly eager = new Set<PeerId>()
  private readonly lazy = new Set<PeerId>()
  private readonly seen: SeenCache
  private readonly cache = new Map<string, UpdateFrame>()
  private cacheBytes = 0
  private readonly missing: MissingMessages
  /** Recent messages whose first copy here took a detour (at most `messageCacheSize`). */
  private readonly detours = new Set<string>()
  private readonly announce: AnnounceQueue
  private readonly shortcuts: HopShortcuts
  private readonly graftWindows = new Map<PeerId, GraftWindow>()
  /** Tree links lost to a PRUNE (sent or received): when, and fetches from them since. */
  private readonly cuts = new Map<PeerId, { at: number; fetches: number }>()
  /** When a tree link last went down. */
  private downAt = Number.NEGATIVE_INFINITY
  /** The latest time we were given (`neighborDown` carries none). */
  private now = 0
  private lastActivity = Number.NEGATIVE_INFINITY
  /** When our tree last brought a message a lazy neighbour had announced first, in time. */
  private treeWonAt = Number.NEGATIVE_INFINITY
  /** A lazy link to join if our tree brings nothing a lazy neighbour announces until `at`. */
  private candidate: { peer: PeerId; since: number; at: number } | undefined
  /** The rooted tree that decides the tree links (`tree: 'rooted'`); undefined: the paper's emergent tree. */
  private readonly rooted: RootedTree | undefined

  constructor(
    readonly self: PeerId,
    private readonly o: ResolvedPlumtreeOptions,
    private readonly host: PlumtreeHost,
  ) {
    this.seen = new SeenCache(o.seenCacheSize)
    this.missing = new MissingMessages(o.maxMissing)
    this.announce = new AnnounceQueue(o.lazyPushDelayMs)
    this.shortcuts = new HopShortcuts(
      o.shortcutThreshold,
      o.shortcutSamples,
      o.messageCacheSize,
      o.shortcutSettleMs,
    )
    if (o.tree === 'rooted')
      this.rooted = new RootedTree(self, o.treeRefreshMs, {
        send: (to, frame) => host.send(to, frame),
        usableRoot: (peer) => host.usableRoot?.(peer) ?? true,
        linkChanged: (peer, tree) => {
          if (!this.isNeighbor(peer)) return
          if (tree) {
            this.lazy.delete(peer)
            this.eager.add(peer)
          } else {
            this.eager.delete(peer)
            this.lazy.add(peer)
          }
        },
      })
  }

  /** Counters, the rooted tree's included. */
  get stats(): Readonly<PlumtreeStats> {
    if (this.rooted !== undefined) {
      this.counters.parentChanges = this.rooted.stats.parentChanges
      this.counters.treeAdverts = this.rooted.stats.advertsSent
      this.counters.treeAdvertsDropped = this.rooted.stats.advertsDropped
    }
    return this.counters
  }

  /** The rooted tree's root, distance and parent here (undefined with `tree: 'emergent'`). */
  treePosition(): ReturnType<RootedTree['position']> | undefined {
    return this.rooted?.position()
  }

  /** Whether this peer is the rooted tree's root; false with the emergent tree. */
  isRoot(): boolean {
    return this.rooted?.isRoot() === true
  }

  neighborUp(peer: PeerId): void {
    if (this.isNeighbor(peer)) return
    if (this.rooted === undefined) {
      this.eager.add(peer)
      return
    }
    // A rooted tree link is one the advertisements agree on; until then the link is lazy.
    this.lazy.add(peer)
    this.rooted.neighborUp(this.now, peer)
  }

  neighborDown(peer: PeerId): void {
    if (this.eager.delete(peer)) this.downAt = this.now
    this.lazy.delete(peer)
    this.announce.forget(peer)
    this.graftWindows.delete(peer)
    this.cuts.delete(peer)
    this.rooted?.neighborDown(this.now, peer)
  }

  /** Membership holds `peer` dead or gone. */
  memberGone(peer: PeerId): void {
    this.rooted?.memberGone(this.now, peer)
  }

  isEager(peer: PeerId): boolean {
    return this.eager.has(peer)
  }

  eagerPeers(): PeerId[] {
    return [...this.eager]
  }

  /**
   * Whether a broadcast is in flight here: one delivered or originated in the last
   * `2 × graftTimeoutMs`, or one announced and still missing. Anti-entropy that runs now
   * finds those messages in its diffs; that is no news a repair needs to spread.
   */
  inFlight(now: number): boolean {
    return this.missing.size > 0 || now - this.lastActivity < 2 * this.o.graftTimeoutMs
  }

  /** Originate a message (already applied locally). */
  broadcast(now: number, id: MessageId, payload: Uint8Array): void {
    this.now = now
    this.lastActivity = now
    const frame: UpdateFrame = { type: 'update', ...id, hops: 0, payload }
    this.seen.add(messageKey(id))
    this.remember(frame)
    this.forward(now, frame, undefined)
  }

  onFrame(now: number, from: PeerId, f: BroadcastFrame): void {
    this.now = now
    switch (f.type) {
      case 'update':
        this.onUpdate(now, from, f)
        break
      case 'ihave':
        this.onIHave(now, from, f.ids)
        break
      case 'graft':
        this.onGraft(now, from, f.ids)
        break
      case 'tree':
        this.rooted?.onAdvert(now, from, f)
        break
      case 'prune':
        // A rooted tree's links follow its advertisements only.
        if (this.rooted === undefined && this.eager.delete(from)) {
          this.lazy.add(from)
          this.cuts.set(from, { at: now, fetches: 0 })
        }
        break
    }
  }

  nextWakeAt(): number {
    return Math.min(
      this.missing.nextWakeAt(),
      this.announce.nextFlushAt,
      this.rooted?.nextWakeAt() ?? Infinity,
    )
  }

  tick(now: number): void {
    this.now = now
    this.rooted?.tick(now)
    this.repair(now)
    if (now >= this.announce.nextFlushAt)
      for (const [peer, ids] of this.announce.flush()) this.sendIHave(peer, ids)
  }

  // ------------------------------------------------------------------ receive

  private onUpdate(now: number, from: PeerId, f: UpdateFrame): void {
    const key = messageKey(f)
    const tree = this.eager.has(from)
    // A copy that left the tree: fetched from, or pushed by, a lazy neighbour, or passed
    // on from one. Its duplicates say nothing about redundant tree links.
    const detour = f.hops >= DETOUR || !tree
    if (this.seen.has(key)) {
      this.counters.duplicates++
      // The answer to a GRAFT of ours that lost a race with another copy: not redundancy.
      if (this.missing.wasAsked(key, from)) {
        this.counters.duplicatesAsked++
        return
      }
      if (!this.isNeighbor(from)) return
      if (!tree) this.counters.duplicatesLazy++
      if (this.rooted !== undefined) {
        // It takes the link for a tree link and we do not: one of the advertisements was lost.
        if (!tree) this.rooted.correct(now, from)
        return
      }
      // A push over a lazy link means our PRUNE was lost: say it again. A second copy over
      // the tree makes the link it came over redundant, unless either copy was a detour.
      if (!tree || (!detour && !this.detours.has(key))) this.prune(now, from)
      return
    }
    // Seen only once delivered: a malformed copy (maybe forged) must not make the good
    // copies that follow look like duplicates. It is dropped; the message stays missing.
    if (!this.host.deliver(from, f.payload, f)) {
      this.counters.rejected++
      return
    }
    this.seen.add(key)
    this.counters.delivered++
    this.lastActivity = now
    this.remember(f)
    // Our tree brought something: it is whole here, a fetch was a slow repair up the tree.
    // (Counting only messages a lazy neighbour had announced first missed the common case
    // of a tree that is faster than every announcement, and joined a link after most
    // fetches: 20-80 needless tree repairs per 40 broadcasts at n = 100, 10% loss.)
    if (!detour) this.treeWonAt = now
    this.missing.received(key)
    let hops = Math.min((f.hops % DETOUR) + 1, DETOUR - 1)
    if (this.rooted !== undefined) {
      // Pushed over a link we hold lazy (not an answer to a GRAFT): its sender misreads the link.
      if (!tree && !this.missing.wasAsked(key, from)) this.rooted.correct(now, from)
      this.forward(now, { ...f, hops }, from)
      return
    }
    if (!detour) this.shortcuts.pushed(key, from, f.hops)
    if (detour && this.isNeighbor(from)) {
      if (this.eager.size === 0) {
        // No tree link at all: this one becomes ours (that is how a node rejoins the tree).
        this.join(from)
      } else {
        hops += DETOUR
        this.rememberDetour(key)
        // Pushed over a link we made lazy: our PRUNE was lost or crossed the push.
        if (!tree && !this.missing.wasAsked(key, from)) this.prune(now, from)
      }
    }
    this.forward(now, { ...f, hops }, from)
  }

  private onIHave(now: number, from: PeerId, ids: readonly IHaveEntry[]): void {
    if (!this.isNeighbor(from)) return
    const tree = this.eager.has(from)
    // With no tree link at all, the first neighbour that announces something becomes one
    // (a rooted tree's links follow its advertisements only).
    const attach = !tree && this.eager.size === 0 && this.rooted === undefined
    const ask: MessageId[] = []
    for (const id of ids) {
      const key = messageKey(id)
      if (this.seen.has(key)) {
        if (!tree && id.hops < DETOUR && this.rooted === undefined) {
          const parent = this.shortcuts.announced(now, key, from, id.hops)
          if (parent !== undefined && this.eager.has(parent)) this.shortcut(now, from, parent)
        }
        continue
      }
      // A rooted tree asks its parent halfway (`askParentFirst`), then fetches off the tree.
      const wait = this.rooted === undefined ? this.o.graftTimeoutMs : this.o.graftTimeoutMs / 2
      const m = this.missing.announced(key, id, from, tree, now + wait, id.hops % DETOUR)
      if (m === undefined) continue
      // A tree neighbour pushed it before announcing it, on a FIFO link: the push was lost.
      if (m.grafts === 0 && (tree || attach)) {
        this.missing.asking(now + this.o.graftRetryMs, key, m, from)
        ask.push(m.id)
      }
    }
    if (ask.length === 0) return
    this.counters.graftsOnAnnounce += ask.length
    if (attach) this.join(from)
    // A lost push, or a neighbour that does not know the link is a tree link (our TREE frame
    // to it was lost): tell it again, which costs a few bytes and settles the second case.
    this.rooted?.correct(now, from)
    this.sendGraft(from, ask)
  }

  /**
   * Resend what a neighbour GRAFTs, each message once per GRAFT and at most
   * `graftBudgetBytes` of payload per neighbour per second (one message always fits), so
   * a small GRAFT cannot make this peer send a large multiple of it. What is refused
   * is left to the neighbour's next announcer or to anti-entropy. An empty GRAFT asks to
   * be a tree link again.
   */
  private onGraft(now: number, from: PeerId, ids: readonly MessageId[]): void {
    if (!this.isNeighbor(from)) return
    if (ids.length === 0) {
      if (this.rooted === undefined && this.lazy.delete(from)) this.eager.add(from)
      return
    }
    let w = this.graftWindows.get(from)
    if (w === undefined || now - w.start >= GRAFT_WINDOW_MS) {
      w = { start: now, bytes: 0 }
      this.graftWindows.set(from, w)
    }
    const answered = new Set<string>()
    for (const id of ids) {
      const key = messageKey(id)
      if (answered.has(key)) {
        this.counters.graftsRefused++
        continue
      }
      answered.add(key)
      const f = this.cache.get(key)
      if (f === undefined) continue
      if (w.bytes > 0 && w.bytes + f.payload.length > this.o.graftBudgetBytes) {
        this.counters.graftsRefused++
        continue
      }
      w.bytes += f.payload.length
      this.counters.payloadsSent++
      this.counters.graftAnswers++
      this.host.send(from, f)
    }
  }

  // ------------------------------------------------------------------ send

  private forward(now: number, f: UpdateFrame, from: PeerId | undefined): void {
    for (const p of this.eager) {
      if (p === from || p === f.origin) continue
      this.counters.payloadsSent++
      this.host.send(p, f)
    }
    // The DETOUR mark goes with it: an announcer whose copy left the tree is no shortcut.
    const entry: IHaveEntry = { origin: f.origin, session: f.session, seq: f.seq, hops: f.hops }
    const up = this.upward(from)
    // Announced to tree neighbours too: behind the push on a FIFO link, the announcement
    // tells a neighbour whose copy was lost to GRAFT it from us at once.
    for (const p of this.neighbors()) {
      if (p === from || p === f.origin) continue
      // On the way up to the root, at once as well (see `upward`).
      if (p === up) this.sendIHave(p, [entry])
      const full = this.announce.add(now, p, entry)
      if (full !== undefined) this.sendIHave(p, full)
    }
  }

  /**
   * Rooted tree: our parent, when a message goes up to it (it came from a child or a lazy
   * link, or starts here). A push lost on the way up holds the message back from every
   * other subtree, the whole room but the origin's corner, where one lost on the way down
   * holds back one subtree; if the batched announcement that would repair it is lost too,
   * the rest of the room fetches it off the tree a second later, at the fetching peer's
   * hop count plus its depth, and passes it on at that. So the parent is also told at
   * once, in a frame of its own: one small frame per hop up (each message goes up in a
   * push of its own, so never more frames than pushes), a few per broadcast in the room.
   * 3,000 peers, 10% loss, seeds 1-4, with the overlay's settling fixes either way: hops
   * P99 15 / 11 / 11 / 10 → 11 / 11 / 10 / 10, latency P50 671 / 694 / 599 / 619 → 527 /
   * 543 / 498 / 510 ms.
   */
  private upward(from: PeerId | undefined): PeerId | undefined {
    const parent = this.rooted?.position().parent
    return parent !== undefined && parent !== from && this.eager.has(parent) ? parent : undefined
  }

  private sendIHave(peer: PeerId, ids: IHaveEntry[]): void {
    if (ids.length === 0) return
    this.counters.ihaveEntriesSent += ids.length
    this.host.send(peer, { type: 'ihave', ids, members: [] })
  }

  private sendGraft(peer: PeerId, ids: MessageId[]): void {
    this.counters.graftsSent += ids.length
    for (let i = 0; i < ids.length; i += MAX_IHAVE_BATCH)
      this.host.send(peer, { type: 'graft', ids: ids.slice(i, i + MAX_IHAVE_BATCH) })
  }

  // ------------------------------------------------------------------ tree links

  private isNeighbor(peer: PeerId): boolean {
    return this.eager.has(peer) || this.lazy.has(peer)
  }

  private *neighbors(): Iterable<PeerId> {
    yield* this.eager
    yield* this.lazy
  }

  /** `peer` becomes a tree link on both ends (an empty GRAFT makes it hold us eager too). */
  private join(peer: PeerId): void {
    this.counters.treeRepairs++
    if (this.lazy.delete(peer)) this.eager.add(peer)
    this.cuts.delete(peer)
    this.host.send(peer, { type: 'graft', ids: [] })
  }

  /** §3.8: `closer` (lazy) becomes our tree link, `parent` stops being one. */
  private shortcut(now: number, closer: PeerId, parent: PeerId): void {
    this.counters.shortcuts++
    this.lazy.delete(closer)
    this.eager.add(closer)
    this.cuts.delete(closer)
    this.host.send(closer, { type: 'graft', ids: [] })
    this.prune(now, parent)
  }

  private prune(now: number, peer: PeerId): void {
    if (this.eager.delete(peer)) {
      this.lazy.add(peer)
      this.cuts.set(peer, { at: now, fetches: 0 })
    }
    this.counters.prunesSent++
    this.host.send(peer, { type: 'prune' })
  }

  /** Whether a lazy announcer should join the tree rather than only be fetched from. */
  private mayJoin(now: number, peer: PeerId): boolean {
    if (this.eager.size === 0 || now - this.downAt < DOWN_WINDOW * this.o.graftTimeoutMs) return true
    const cut = this.cuts.get(peer)
    if (cut === undefined || now - cut.at >= CUT_WINDOW * this.o.graftTimeoutMs) return false
    // A link we cut, and we keep fetching from it: the cut left us without its side.
    cut.fetches++
    return cut.fetches >= CUT_FETCHES
  }

  // ------------------------------------------------------------------ repair

  private repair(now: number): void {
    const grafts = new Map<PeerId, MessageId[]>()
    let abandoned: PeerId[] | undefined
    for (const [key, m] of this.missing.due(now)) {
      const parent = this.askParentFirst(m)
      const peer = parent ?? this.nextAnnouncer(key, m)
      // The ask of our parent is not one of the MAX_ANNOUNCERS asks of announcers.
      if (peer === undefined || m.grafts - (m.parentAsked ? 1 : 0) >= MAX_ANNOUNCERS) {
        // Nobody left to ask, or every ask went unanswered: anti-entropy brings it, now
        // (see `pull`), from the announcers, which hold it.
        this.missing.drop(key)
        this.counters.graftsAbandoned++
        abandoned ??= []
        for (const a of m.announcers) if (!abandoned.includes(a)) abandoned.push(a)
        continue
      }
      this.missing.asking(
        now + (parent === undefined ? this.o.graftRetryMs : this.o.graftTimeoutMs / 2),
        key,
        m,
        peer,
      )
      const list = grafts.get(peer)
      if (list === undefined) grafts.set(peer, [m.id])
      else list.push(m.id)
    }
    for (const [peer, ids] of grafts) {
      if (this.lazy.has(peer)) {
        if (this.rooted !== undefined) this.counters.graftsOffTree += ids.length
        else if (this.mayJoin(now, peer)) this.join(peer)
        else {
          this.counters.graftsOffTree += ids.length
          if (this.candidate === undefined) {
            // Maybe a slow repair up our tree, maybe a broken tree. Wait (a spread-out while,
            // so the peers cut off with us do not all join at once) for our tree to bring
            // anything a lazy neighbour announces; join this link if it does not.
            const at = now + this.o.graftTimeoutMs * (1 + spread(this.self, messageKey(ids[0] as MessageId)))
            this.candidate = { peer, since: now, at }
            this.missing.wakeAt(at)
          }
        }
      }
      this.sendGraft(peer, ids)
    }
    if (abandoned !== undefined) this.host.pull?.(abandoned)
    const c = this.candidate
    if (c !== undefined && now >= c.at) {
      this.candidate = undefined
      if (this.treeWonAt < c.since && this.lazy.has(c.peer)) this.join(c.peer)
    }
  }

  /**
   * Rooted tree: a message lazy neighbours announced and our tree has not brought in half
   * of `graftTimeoutMs` is asked of our parent, and fetched off the tree from a lazy
   * announcer only at `graftTimeoutMs`, as with the emergent tree. The parent's push and
   * its announcement to us may both have been lost (1% at 10% loss): then the copy comes
   * along the tree, at the tree's hop count, instead of at a lazy neighbour's hops and
   * passed on down our subtree, with the tree's own copy coming too. When the parent lacks
   * it as well, nothing comes back and the fetch is as late as it was.
   */
  private askParentFirst(m: Missing): PeerId | undefined {
    if (this.rooted === undefined || m.grafts > 0) return undefined
    const parent = this.rooted.position().parent
    if (parent === undefined || !this.eager.has(parent) || m.announcers.includes(parent)) return undefined
    this.counters.graftsParent++
    m.parentAsked = true
    return parent
  }

  /**
   * Whom to GRAFT next: a tree neighbour that announced it; else, on a rooted tree, the
   * lazy announcer not asked yet whose copy travelled fewest hops (ours goes on down our
   * subtree at that count; with the first announcer, 2% of deliveries at 1,000 peers came
   * 13-15 hops long, PROTOCOL.md "A rooted tree"); else a link we cut, else the first.
   */
  private nextAnnouncer(key: string, m: Missing): PeerId | undefined {
    const a = m.announcers
    for (let i = a.length - 1; i >= 0; i--) if (!this.isNeighbor(a[i] as PeerId)) a.splice(i, 1)
    const tree = a.find((p) => this.eager.has(p))
    if (tree !== undefined) return tree
    if (this.rooted !== undefined) {
      let best: PeerId | undefined
      for (const p of a)
        if (!this.missing.wasAsked(key, p) && (best === undefined || hopsOf(m, p) < hopsOf(m, best))) best = p
      if (best !== undefined) return best
    }
    return a.find((p) => this.cuts.has(p)) ?? a[0]
  }

  private rememberDetour(key: string): void {
    this.detours.add(key)
    if (this.detours.size > this.o.messageCacheSize)
      this.detours.delete(this.detours.values().next().value as string)
  }

  private remember(f: UpdateFrame): void {
    const key = messageKey(f)
    if (this.cache.has(key)) return
    // A copy: a received payload is a view that would pin its whole frame.
    this.cache.set(key, { ...f, payload: f.payload.slice() })
    this.cacheBytes += f.payload.length
    // Maps iterate in insertion order: evict the oldest first.
    for (const [k, old] of this.cache) {
      if (this.cache.size <= this.o.messageCacheSize && this.cacheBytes <= this.o.messageCacheBytes) break
      this.cache.delete(k)
      this.cacheBytes -= old.payload.length
    }
  }
}

function hopsOf(m: Missing, peer: PeerId): number {
  return m.hopsOf.get(peer) ?? Number.POSITIVE_INFINITY
}
