/**
 * The shape of Plumtree's tree with `tree: 'rooted'` (the default): a breadth-first tree of
 * the overlay around one root, kept by a distance gradient as a spanning-tree or
 * distance-vector protocol keeps one, instead of by cutting the links duplicates come over.
 *
 *   const t = new RootedTree('c', 5_000, host)
 *   t.neighborUp(now, 'a')                                 // advertises itself to 'a'
 *   t.onAdvert(now, 'a', { type: 'tree', root: 'a', dist: 0, parent: false, child: false })
 *   t.isLink('a')                                          // true: 'a' is the lower root, our parent
 *
 * Why (PROTOCOL.md, "A rooted tree"): one tree serves every origin. Cut where duplicates of
 * broadcasts from random origins crossed, and joined again at repairs, it drifted toward a
 * random spanning tree: hop paths of 24 at 1,000 peers and 33-36 at 10,000 (10% loss), and
 * every repair a cycle that cost duplicates until a broadcast cut it. A breadth-first tree
 * around one peer is about twice log_(d-1) N deep between any two peers, has no cycle, and
 * lost frames never reshape it.
 *
 * Each peer tells every neighbour (TREE frame) the root it follows, its distance to it, and
 * whether it holds that neighbour as its parent and as its child. It follows the lowest
 * root id it hears of (itself when none is lower) through the neighbour closest to it,
 * lowest id on ties, skipping
 * - neighbours whose parent it is (split horizon: no two-peer loop);
 * - roots membership does not hold alive or suspect (stale, or invented by a neighbour);
 * - distances of MAX_TREE_DEPTH: a root cut off from part of the room is counted up to it
 *   there and dropped (counting to infinity, bounded), and the next lowest id takes over.
 * Tree links are the parent and the neighbours that named us their parent. Each frame also
 * says what its sender believes of the link, so a lost frame shows at the next one (or at a
 * push over a link one side holds lazy, `correct`) and is answered; every `refreshMs` each
 * neighbour gets our frame again, which bounds how long a lost one misleads it.
 *
 * Frames to one neighbour are paced (ADVERT_GAP_MS: what changes meanwhile goes in the next
 * one) and frames from one are budgeted, so counting to infinity after the root crashes
 * costs each peer at most a frame per link per step, and a neighbour cannot make us send
 * more than that whatever it sends.
 */
import type { PeerId } from '../ids'
import { type Bucket, createBucket, takeToken } from '../token-bucket'
import type { TreeFrame } from '../wire/frame'
import { MAX_TREE_DEPTH } from '../wire/limits'

export interface RootedTreeHost {
  send(to: PeerId, frame: TreeFrame): void
  /** Whether membership holds `root` alive or suspect: only then may it be followed. */
  usableRoot(root: PeerId): boolean
  /** `peer` became a tree link (`tree` true) or stopped being one. */
  linkChanged(peer: PeerId, tree: boolean): void
}

/** What a neighbour last told us. */
interface Advert {
  readonly root: PeerId
  readonly dist: number
  /** It holds us as its parent. */
  readonly parentIsUs: boolean
}

interface Neighbor {
  advert: Advert | undefined
  /** Frames taken from it (ADVERT_BURST, ADVERTS_PER_SECOND). */
  budget: Bucket
  /** When we last sent it a frame. */
  sentAt: number
  /** A frame held back by ADVERT_GAP_MS, due then (infinite: none). */
  dueAt: number
}

/**
 * Least time between two TREE frames to one neighbour; a change within it goes out when it
 * is up, in one frame with whatever else changed. The first change after a quiet spell goes
 * at once, so a tree forms as fast as before; counting a lost root's distance up (one step a
 * round trip) is slowed to one step per gap and costs a frame per link per step.
 */
const ADVERT_GAP_MS = 100
/**
 * TREE frames taken from one neighbour: a burst of 32, then 16 a second (an honest one sends
 * at most 10 a second, ADVERT_GAP_MS). Past that they are dropped and counted: each carries
 * its sender's whole state, so the next one makes up for them.
 */
const ADVERT_BURST = 32
const ADVERTS_PER_SECOND = 16

export interface RootedTreeStats {
  /** Times this peer took another parent (or became a root). */
  parentChanges: number
  /** TREE frames sent. */
  advertsSent: number
  /** TREE frames dropped: over a neighbour's budget. */
  advertsDropped: number
}

export class RootedTree {
  readonly stats: RootedTreeStats = { parentChanges: 0, advertsSent: 0, advertsDropped: 0 }
  private root: PeerId
  private dist = 0
  private parent: PeerId | undefined
  private readonly neighbors = new Map<PeerId, Neighbor>()
  private readonly links = new Set<PeerId>()
  /** Unset until the first tick. */
  private refreshAt = Number.POSITIVE_INFINITY
  private now = 0
  /** Neighbours advertised to (or due to be) during the current `onAdvert` (only then collected). */
  private readonly told = new Set<PeerId>()
  private collecting = false

  constructor(
    readonly self: PeerId,
    private readonly refreshMs: number,
    private readonly host: RootedTreeHost,
  ) {
    this.root = self
  }

  /** The root followed, the distance to it and the parent (undefined at a root). */
  position(): { root: PeerId; dist: number; parent: PeerId | undefined } {
    return { root: this.root, dist: this.dist, parent: this.parent }
  }

  /**
   * Whether this peer is the root of a tree with others in it: it follows itself, a
   * neighbour's frame has reached it, and none names a lower root. A joiner that has not
   * heard of the room's root yet (its member snapshot lost) is the root of a tree of its
   * own for seconds, though its neighbours name the real one; one still trying to join (no
   * neighbour yet, its JOINs lost: 11 s for one peer of 3,000 at 10% loss) is the root of
   * nothing.
   */
  isRoot(): boolean {
    if (this.root !== this.self) return false
    let heard = false
    for (const n of this.neighbors.values()) {
      if (n.advert === undefined) continue
      if (n.advert.root < this.self) return false
      heard = true
    }
    return heard
  }

  isLink(peer: PeerId): boolean {
    return this.links.has(peer)
  }

  nextWakeAt(): number {
    let at = this.refreshAt
    for (const n of this.neighbors.values()) if (n.dueAt < at) at = n.dueAt
    return at
  }

  neighborUp(now: number, peer: PeerId): void {
    this.now = now
    if (this.neighbors.has(peer)) return
    this.neighbors.set(peer, {
      advert: undefined,
      budget: createBucket(ADVERT_BURST, now),
      sentAt: Number.NEGATIVE_INFINITY,
      dueAt: Number.POSITIVE_INFINITY,
    })
    this.advertise(peer)
  }

  neighborDown(now: number, peer: PeerId): void {
    this.now = now
    if (!this.neighbors.delete(peer)) return
    this.links.delete(peer)
    this.update()
  }

  onAdvert(now: number, from: PeerId, f: TreeFrame): void {
    this.now = now
    const n = this.neighbors.get(from)
    if (n === undefined) return
    if (!takeToken(n.budget, ADVERT_BURST, ADVERTS_PER_SECOND, now)) {
      this.stats.advertsDropped++
      return
    }
    const wasChild = n.advert?.parentIsUs === true
    n.advert = { root: f.root, dist: f.dist, parentIsUs: f.parent }
    this.told.clear()
    this.collecting = true
    this.update()
    this.collecting = false
    if (this.told.has(from)) return
    // It named us its parent or stopped: acknowledge (our frame says we hold it as a child
    // or no longer). Or it is wrong about our parent (our last frame to it was lost).
    if (f.parent !== wasChild || f.child !== (this.parent === from)) this.advertise(from)
  }

  /** Membership holds `peer` dead or gone: stop following it as a root. */
  memberGone(now: number, peer: PeerId): void {
    this.now = now
    let follows = this.root === peer
    for (const n of this.neighbors.values()) if (n.advert?.root === peer) follows = true
    if (follows) this.update()
  }

  /** Evidence that `peer` misreads our link (it pushed over a link we hold lazy): advertise to it again. */
  correct(now: number, peer: PeerId): void {
    this.now = now
    if (this.neighbors.has(peer)) this.advertise(peer)
  }

  tick(now: number): void {
    this.now = now
    for (const [peer, n] of this.neighbors) if (n.dueAt <= now) this.send(peer, n)
    if (this.refreshAt === Number.POSITIVE_INFINITY) this.refreshAt = now + this.refreshMs
    if (now < this.refreshAt) return
    this.refreshAt = now + this.refreshMs
    for (const p of this.neighbors.keys()) this.advertise(p)
  }

  /** Follow the best root and parent the neighbours offer; tell them what changed. */
  private update(): void {
    let root = this.self
    let dist = 0
    let parent: PeerId | undefined
    for (const [p, n] of this.neighbors) {
      const a = n.advert
      if (a === undefined || a.parentIsUs || a.dist >= MAX_TREE_DEPTH || a.root === this.self) continue
      if (a.root > root) continue
      const d = a.dist + 1
      if (a.root === root && (d > dist || (d === dist && parent !== undefined && p > parent))) continue
      if (!this.host.usableRoot(a.root)) continue
      root = a.root
      dist = d
      parent = p
    }
    const moved = root !== this.root || dist !== this.dist
    const oldParent = this.parent
    this.root = root
    this.dist = dist
    this.parent = parent
    if (parent !== oldParent) this.stats.parentChanges++
    if (moved) for (const p of this.neighbors.keys()) this.advertise(p)
    else if (parent !== oldParent) {
      if (oldParent !== undefined && this.neighbors.has(oldParent)) this.advertise(oldParent)
      if (parent !== undefined) this.advertise(parent)
    }
    this.syncLinks()
  }

  private syncLinks(): void {
    for (const [p, n] of this.neighbors) {
      const tree = p === this.parent || n.advert?.parentIsUs === true
      if (tree === this.links.has(p)) continue
      if (tree) this.links.add(p)
      else this.links.delete(p)
      this.host.linkChanged(p, tree)
    }
  }

  /** Send our frame to `peer` now, or when ADVERT_GAP_MS since the last one is up. */
  private advertise(peer: PeerId): void {
    const n = this.neighbors.get(peer)
    if (n === undefined) return
    if (this.collecting) this.told.add(peer)
    // The same sum both ways: at `dueAt` the gap is over (a difference could round below).
    const due = n.sentAt + ADVERT_GAP_MS
    if (this.now < due) n.dueAt = due
    else this.send(peer, n)
  }

  private send(peer: PeerId, n: Neighbor): void {
    n.sentAt = this.now
    n.dueAt = Number.POSITIVE_INFINITY
    this.stats.advertsSent++
    this.host.send(peer, {
      type: 'tree',
      root: this.root,
      dist: this.dist,
      parent: peer === this.parent,
      child: n.advert?.parentIsUs === true,
    })
  }
}
