/**
 * The transmit-limited queue of membership news (memberlist's TransmitLimitedQueue):
 * at most one pending update per member (newer news about a member replaces older),
 * handed out least-transmitted first, and dropped once sent `limit` times.
 *
 * Updates sit in buckets by transmit count, each an array read from a head index, so
 * taking k updates costs O(k) amortised, whatever the room size. Replaced news is not
 * searched for: its slot is marked stale and skipped (once) when the head reaches it,
 * and a bucket holding more stale slots than live ones is compacted. (A `Set` per bucket
 * was O(k) on paper, but V8 keeps deleted entries as holes until it rehashes, so
 * iterating from the front after deleting from the front walked every hole again.)
 *
 *   const q = new BroadcastQueue()
 *   q.enqueue(update)
 *   const batch = q.take(1_200, retransmitLimit(4, n))   // up to ~1,200 bytes of news
 */
import type { PeerId } from '../ids'
import type { MemberUpdate } from '../wire/frame'
import { memberUpdateSize } from '../wire/messages/fields'

interface Queued {
  readonly update: MemberUpdate
  /** memberUpdateSize(update), computed once. */
  readonly size: number
  transmits: number
  /** Replaced by newer news about the same member: its bucket slot is skipped. */
  stale: boolean
}

/** Updates sent `t` times, oldest first: `items[head..]`, stale slots included. */
interface Bucket {
  items: Queued[]
  head: number
  stale: number
}

/** Stale slots a bucket tolerates before compaction is considered (keeps it amortised O(1)). */
const COMPACT_MIN = 64

export class BroadcastQueue {
  private readonly byMember = new Map<PeerId, Queued>()
  /** buckets[t] holds the updates sent t times. */
  private readonly buckets: Bucket[] = []

  get size(): number {
    return this.byMember.size
  }

  enqueue(update: MemberUpdate): void {
    const old = this.byMember.get(update.id)
    if (old !== undefined) this.markStale(old)
    const q: Queued = { update, size: memberUpdateSize(update), transmits: 0, stale: false }
    this.byMember.set(update.id, q)
    this.bucket(0).items.push(q)
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
      const b = this.buckets[t] as Bucket
      const items = b.items
      let i = b.head
      for (; i < items.length; i++) {
        const q = items[i] as Queued
        if (q.stale) {
          b.stale--
          continue
        }
        // Too big for what is left: it stays at the head; smaller news in later buckets may fit.
        if (out.length > 0 && q.size > budget) break
        budget -= q.size
        out.push(q.update)
        moved.push(q)
        if (out.length >= maxCount || budget <= 0) {
          i++
          break
        }
      }
      b.head = i
      if (i >= items.length) {
        items.length = 0
        b.head = 0
      }
      if (budget <= 0) break
    }
    // Re-bucket after the walk so an update is not handed out twice in one batch.
    for (const q of moved) {
      q.transmits++
      if (q.transmits >= limit) this.byMember.delete(q.update.id)
      else this.bucket(q.transmits).items.push(q)
    }
    return out
  }

  private markStale(q: Queued): void {
    q.stale = true
    const b = this.buckets[q.transmits] as Bucket
    b.stale++
    if (b.stale >= COMPACT_MIN && b.stale * 2 > b.items.length - b.head) {
      const live: Queued[] = []
      for (let i = b.head; i < b.items.length; i++) {
        const x = b.items[i] as Queued
        if (!x.stale) live.push(x)
      }
      b.items = live
      b.head = 0
      b.stale = 0
    }
  }

  private bucket(t: number): Bucket {
    while (this.buckets.length <= t) this.buckets.push({ items: [], head: 0, stale: 0 })
    return this.buckets[t] as Bucket
  }
}
