/**
 * Plumtree's optimisation (Leitão, Pereira, Rodrigues, SRDS 2007, §3.8): a lazy neighbour
 * whose announcements come with lower hop counts than the copies our tree link pushes is a
 * shortcut. The node makes it a tree link (empty GRAFT, no payload asked for) and prunes
 * the link that brought the copies, so the tree drifts toward short hop paths as
 * broadcasts flow.
 *
 *   const s = new HopShortcuts(1, 4, 1_024, 1_000)
 *   s.pushed(key, 'q', 6)                  // first copy, over tree link 'q', sent at 6 hops
 *   s.announced(now, key, 'p', 3)          // 'p' is 3 hops closer: one sample of 4
 *   // … after 4 samples whose mean saving is >= 1 hop: → 'q' (graft 'p', prune 'q')
 *
 * Only copies that followed the tree count, on both sides: our copy came over a tree link
 * (a fetch or a detour says nothing about the tree's shape), and the announcer's copy was
 * not a detour (the IHAVE carries the DETOUR mark). Then an announcer closer to the origin
 * is not behind us: along the tree its copy would have come through us, one hop more than
 * ours. So cutting the parent and joining the announcer keeps the tree in one piece.
 *
 * One tree serves every origin, and a shortcut for one origin is a detour for another. The
 * paper's test on a single message (saving >= threshold) made 100 peers swap 190-275 times
 * in 40 broadcasts, back and forth, and swaps of neighbours at the same moment split the
 * tree. So the saving is averaged over `samples` messages that came over the same tree
 * link (the room's traffic decides, not one origin), and after a swap the node makes no
 * other for `settleMs`.
 */
import type { PeerId } from '../ids'

/** Pairs scored at once: an active view of 7 (the default hard cap) makes 42, one of 16 makes 240. */
const MAX_SCORES = 256

interface Pushed {
  readonly parent: PeerId
  /** The parent's hop count: the hops field of the copy it pushed. */
  readonly hops: number
}

/** Hops saved, summed over the samples of one (lazy neighbour, tree link) pair. */
interface Score {
  sum: number
  count: number
}

export class HopShortcuts {
  /** Recent first copies that came over a tree link (bounded, oldest out first). */
  private readonly pushes = new Map<string, Pushed>()
  /** Keyed by `announcer parent`: about (active view)² entries, at most MAX_SCORES, cleared at every swap. */
  private readonly scores = new Map<string, Score>()
  private lastSwapAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly threshold: number,
    private readonly samples: number,
    private readonly capacity: number,
    private readonly settleMs: number,
  ) {}

  /** The first copy of `key` was pushed to us over tree link `parent`, which was `hops` from the origin. */
  pushed(key: string, parent: PeerId, hops: number): void {
    if (this.threshold <= 0) return
    this.pushes.set(key, { parent, hops })
    if (this.pushes.size > this.capacity) this.pushes.delete(this.pushes.keys().next().value as string)
  }

  /**
   * Lazy neighbour `from` announced `key`, its copy `hops` from the origin along the tree.
   * Returns the tree link to swap for `from`, or undefined.
   */
  announced(now: number, key: string, from: PeerId, hops: number): PeerId | undefined {
    const p = this.pushes.get(key)
    if (p === undefined || p.parent === from) return undefined
    const pair = `${from} ${p.parent}`
    let s = this.scores.get(pair)
    if (s === undefined) {
      // Pairs with neighbours long gone would stay until the next swap: past the bound,
      // start the averaging over (only progress toward a swap is lost).
      if (this.scores.size >= MAX_SCORES) this.scores.clear()
      s = { sum: 0, count: 0 }
      this.scores.set(pair, s)
    }
    s.sum += p.hops - hops
    s.count++
    if (s.count < this.samples) return undefined
    const gain = s.sum / s.count
    s.sum = 0
    s.count = 0
    if (gain < this.threshold || now - this.lastSwapAt < this.settleMs) return undefined
    this.scores.clear()
    this.lastSwapAt = now
    return p.parent
  }
}
