/**
 * Peers that turned down our NEIGHBOR request because their active view was full, held
 * back from being asked again for a while. A view frees a slot only when a neighbour
 * leaves, and after a join storm about half the room sits at its cap: asked at random,
 * full peers turned down ~80% of requests and a room of 1,000 still had peers below their
 * target a minute later, each late link reshaping the broadcast tree (PROTOCOL.md, "How
 * the layers fit"). Bounded: the oldest go first.
 *
 *   const refused = new RefusedPeers()
 *   refused.note(now, 'b')          // 'b' answered NEIGHBOR with accepted: false
 *   refused.blocks(now + 1_000, 'b') // true for REFUSED_FOR_MS
 *   refused.clear('b')              // 'b' took us in after all
 */
import type { PeerId } from '../ids'

/** Three shuffle periods: long enough to try the rest of the passive view first. */
export const REFUSED_FOR_MS = 30_000
export const MAX_REFUSED = 64

export class RefusedPeers {
  /** Peer → until when. Insertion order is expiry order (a re-noted peer moves to the end). */
  private readonly until = new Map<PeerId, number>()

  get size(): number {
    return this.until.size
  }

  note(now: number, peer: PeerId): void {
    this.until.delete(peer)
    this.until.set(peer, now + REFUSED_FOR_MS)
    for (const [p, at] of this.until) {
      if (this.until.size <= MAX_REFUSED && at > now) break
      this.until.delete(p)
    }
  }

  blocks(now: number, peer: PeerId): boolean {
    return (this.until.get(peer) ?? 0) > now
  }

  clear(peer: PeerId): void {
    this.until.delete(peer)
  }
}
