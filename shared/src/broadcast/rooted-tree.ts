/**
 * The shape of Plumtree's tree with `tree: 'rooted'` (the default): a breadth-first tree of
 * the overlay around one root, kept by a distance gradient as a spanning-tree or
 * distance-vector protocol keeps one, instead of by cutting the links duplicates come over.
 *
 *   const t = new RootedTree('c', 5_000, host)
 *   t.neighborUp('a')                                      // advertises itself to 'a'
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
 * - roots membership holds dead or gone (their advertisements are stale);
 * - distances of MAX_TREE_DEPTH: a root cut off from part of the room is counted up to it
 *   there and dropped (counting to infinity, bounded), and the next lowest id takes over.
 * Tree links are the parent and the neighbours that named us their parent. Each frame also
 * says what its sender believes of the link, so a lost frame shows at the next one (or at a
 * push over a link one side holds lazy, `correct`) and is answered at once; every
 * `refreshMs` each neighbour gets our advertisement again, which bounds how long a lost one
 * misleads it.
 */
import type { PeerId } from '../ids'
import type { TreeFrame } from '../wire/frame'
import { MAX_TREE_DEPTH } from '../wire/limits'

export interface RootedTreeHost {
  send(to: PeerId, frame: TreeFrame): void
  /** False when membership holds `root` dead or gone: advertisements of it are stale. */
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

/**
 * Answers to a neighbour whose frame shows it wrong about our link, or to evidence of that
 * (`correct`), at most this often per neighbour: a lost answer is followed by another, and
 * two peers whose views cross cannot ping-pong faster than this.
 */
const CORRECT_MS = 200

export interface RootedTreeStats {
  /** Times this peer took another parent (or became a root). */
  parentChanges: number
  /** TREE frames sent. */
  advertsSent: number
}

export class RootedTree {
  readonly stats: RootedTreeStats = { parentChanges: 0, advertsSent: 0 }
  private root: PeerId
  private dist = 0
  private parent: PeerId | undefined
  /** Every neighbour; undefined until it has advertised. */
  private readonly adverts = new Map<PeerId, Advert | undefined>()
  private readonly links = new Set<PeerId>()
  private readonly correctedAt = new Map<PeerId, number>()
  /** Unset until the first tick. */
  private refreshAt = Number.POSITIVE_INFINITY
  /** Neighbours advertised to during the current `onAdvert` (only then collected). */
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

  isLink(peer: PeerId): boolean {
    return this.links.has(peer)
  }

  nextWakeAt(): number {
    return this.refreshAt
  }

  neighborUp(peer: PeerId): void {
    if (this.adverts.has(peer)) return
    this.adverts.set(peer, undefined)
    this.advertise(peer)
  }

  neighborDown(peer: PeerId): void {
    if (!this.adverts.delete(peer)) return
    this.correctedAt.delete(peer)
    this.links.delete(peer)
    this.update()
  }

  onAdvert(now: number, from: PeerId, f: TreeFrame): void {
    if (!this.adverts.has(from)) return
    const wasChild = this.isChild(from)
    this.adverts.set(from, { root: f.root, dist: f.dist, parentIsUs: f.parent })
    this.told.clear()
    this.collecting = true
    this.update()
    this.collecting = false
    if (this.told.has(from)) return
    // It named us its parent or stopped: acknowledge (our frame says we hold it as a child
    // or no longer). Or it is wrong about our parent (our last frame to it was lost).
    if (f.parent !== wasChild || f.child !== (this.parent === from)) this.correct(now, from)
  }

  /** Membership holds `peer` dead or gone: stop following it as a root. */
  memberGone(peer: PeerId): void {
    let follows = this.root === peer
    for (const a of this.adverts.values()) if (a?.root === peer) follows = true
    if (follows) this.update()
  }

  /** Evidence that `peer` misreads our link (it pushed over a link we hold lazy): advertise to it again. */
  correct(now: number, peer: PeerId): void {
    if (!this.adverts.has(peer)) return
    const last = this.correctedAt.get(peer)
    if (last !== undefined && now - last < CORRECT_MS) return
    this.correctedAt.set(peer, now)
    this.advertise(peer)
  }

  tick(now: number): void {
    if (this.refreshAt === Number.POSITIVE_INFINITY) this.refreshAt = now + this.refreshMs
    if (now < this.refreshAt) return
    for (const p of this.adverts.keys()) this.advertise(p)
    this.refreshAt = now + this.refreshMs
  }

  private isChild(peer: PeerId): boolean {
    return this.adverts.get(peer)?.parentIsUs === true
  }

  /** Follow the best root and parent the neighbours offer; tell them what changed. */
  private update(): void {
    let root = this.self
    let dist = 0
    let parent: PeerId | undefined
    for (const [p, a] of this.adverts) {
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
    if (moved) for (const p of this.adverts.keys()) this.advertise(p)
    else if (parent !== oldParent) {
      if (oldParent !== undefined && this.adverts.has(oldParent)) this.advertise(oldParent)
      if (parent !== undefined) this.advertise(parent)
    }
    this.syncLinks()
  }

  private syncLinks(): void {
    for (const p of this.adverts.keys()) {
      const tree = p === this.parent || this.isChild(p)
      if (tree === this.links.has(p)) continue
      if (tree) this.links.add(p)
      else this.links.delete(p)
      this.host.linkChanged(p, tree)
    }
  }

  private advertise(peer: PeerId): void {
    this.stats.advertsSent++
    if (this.collecting) this.told.add(peer)
    this.host.send(peer, {
      type: 'tree',
      root: this.root,
      dist: this.dist,
      parent: peer === this.parent,
      child: this.isChild(peer),
    })
  }
}
