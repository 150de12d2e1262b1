/**
 * The transmit-limited queue of membership news (memberlist's TransmitLimitedQueue):
 * at most one pending update per member (newer news about a member replaces older),
 * handed out least-transmitted first, and dropped once sent `limit` times.
 *
 * Updates sit in buckets by transmit count, so taking k updates costs O(k), whatever
 * the room size.
 *
 *   const q = new BroadcastQueue()
 *   q.enqueue(update)
 *   const batch = q.take(1_200, retransmitLimit(4, n))   // up to ~1,200 bytes of news
 */
import type { PeerId } from '../ids'
import type { MemberUpdate } from '../wire/frame'
import { memberUpdateSize } from '../wire/messages/fields'

interface Queued {
  update: MemberUpdate
  transmits: number
}

export class BroadcastQueue {
  private readonly byMember = new Map<PeerId, Queued>()
  /** buckets[t] holds the members whose update was sent t times, oldest first. */
  private readonly buckets: Set<PeerId>[] = []

  get size(): number {
    return this.byMember.size
  }

  enqueue(update: MemberUpdate): void {
    const old = this.byMember.get(update.id)
    if (old !== undefined) this.buckets[old.transmits]?.delete(update.id)
    this.byMember.set(update.id, { update, transmits: 0 })
    this.bucket(0).add(update.id)
  }

  /**
   * Up to `maxBytes` of updates (at least one if any is queued), least-transmitted first.
   * Each counts as one transmission; those reaching `limit` leave the queue.
   */
  take(maxBytes: number, limit: number, maxCount = Number.POSITIVE_INFINITY): MemberUpdate[] {
    const out: MemberUpdate[] = []
    if (this.byMember.size === 0) return out
    let budget = maxBytes
    const moved: Queued[] = []
    for (let t = 0; t < this.buckets.length && out.length < maxCount; t++) {
      const bucket = this.buckets[t] as Set<PeerId>
      for (const id of bucket) {
        const q = this.byMember.get(id) as Queued
        const size = memberUpdateSize(q.update)
        if (out.length > 0 && size > budget) break
        budget -= size
        out.push(q.update)
        bucket.delete(id)
        moved.push(q)
        if (out.length >= maxCount || budget <= 0) break
      }
      if (budget <= 0) break
    }
    // Re-bucket after the walk so an update is not handed out twice in one batch.
    for (const q of moved) {
      q.transmits++
      if (q.transmits >= limit) this.byMember.delete(q.update.id)
      else this.bucket(q.transmits).add(q.update.id)
    }
    return out
  }

  private bucket(t: number): Set<PeerId> {
    while (this.buckets.length <= t) this.buckets.push(new Set())
    return this.buckets[t] as Set<PeerId>
  }
}
