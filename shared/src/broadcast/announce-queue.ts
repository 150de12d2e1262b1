/**
 * Batched IHAVE announcements, per neighbour. Plumtree queues an entry for every
 * neighbour a message is passed on to (tree neighbours included: behind the push on a
 * FIFO link, the announcement tells a neighbour whose copy was lost to GRAFT it at once)
 * and flushes all queues together `lazyPushDelayMs` after the first entry.
 *
 *   const q = new AnnounceQueue(250)
 *   q.add(now, 'b', entry)                                  // a full batch comes back at once
 *   if (now >= q.nextFlushAt) for (const [peer, ids] of q.flush()) send(peer, ids)
 */
import type { PeerId } from '../ids'
import type { IHaveEntry } from '../wire/frame'

/** Entries per IHAVE frame (and per GRAFT frame). */
export const MAX_IHAVE_BATCH = 512

export class AnnounceQueue {
  private queued = new Map<PeerId, IHaveEntry[]>()
  /** When the queued entries are due (+Infinity when none are). */
  nextFlushAt = Number.POSITIVE_INFINITY

  constructor(private readonly delayMs: number) {}

  /** Queue `entry` for `peer`. Returns a full batch to send now: a burst must not grow a frame without bound. */
  add(now: number, peer: PeerId, entry: IHaveEntry): IHaveEntry[] | undefined {
    let q = this.queued.get(peer)
    if (q === undefined) {
      q = []
      this.queued.set(peer, q)
    }
    if (this.nextFlushAt === Number.POSITIVE_INFINITY) this.nextFlushAt = now + this.delayMs
    q.push(entry)
    if (q.length < MAX_IHAVE_BATCH) return undefined
    this.queued.delete(peer)
    return q
  }

  /** Every queued batch, one per neighbour; the queue is then empty. */
  flush(): Map<PeerId, IHaveEntry[]> {
    const out = this.queued
    this.queued = new Map()
    this.nextFlushAt = Number.POSITIVE_INFINITY
    return out
  }

  forget(peer: PeerId): void {
    this.queued.delete(peer)
  }
}
