/**
 * Plumtree: epidemic broadcast trees (Leitão, Pereira, Rodrigues, SRDS 2007), sans-IO,
 * over the overlay's active view.
 *
 * Each neighbour is eager (gets full messages) or lazy (gets batched IHAVE ids). A
 * message is eagerly pushed to eager neighbours and announced to lazy ones; a duplicate
 * copy PRUNEs its sender to lazy, so the eager links settle into a spanning tree. A
 * message announced but not received within `graftTimeoutMs` is GRAFTed from an
 * announcer, which repairs the tree where it broke. New neighbours start eager.
 *
 *   const tree = new Plumtree('a', resolvePlumtreeOptions({}), host)
 *   tree.neighborUp('b')
 *   tree.broadcast(now, { origin: 'a', session, seq: 1 }, payload)
 *   tree.onFrame(now, 'b', frame)     // update, ihave, graft, prune
 */
import type { PeerId } from '../ids'
import { TimerHeap } from '../node/timer-heap'
import type { BroadcastFrame, IHaveEntry, MessageId, UpdateFrame } from '../wire/frame'
import type { ResolvedPlumtreeOptions } from './plumtree-options'
import { SeenCache } from './seen-cache'

export interface PlumtreeHost {
  /** Send a broadcast frame; IHAVE frames get membership piggybacked by the host. */
  send(to: PeerId, frame: BroadcastFrame): void
  /** Hand a payload to the application. False when it is malformed: it is then not forwarded. */
  deliver(from: PeerId, payload: Uint8Array, frame: UpdateFrame): boolean
}

export interface PlumtreeStats {
  /** Payload frames sent: eager pushes and graft answers. */
  payloadsSent: number
  ihaveEntriesSent: number
  graftsSent: number
  prunesSent: number
  delivered: number
  duplicates: number
}

interface Missing {
  readonly id: MessageId
  readonly announcers: PeerId[]
  deadline: number
  grafts: number
}

/** Announcers remembered per missing message: enough fallbacks, bounded memory. */
const MAX_ANNOUNCERS = 4
/** Entries per IHAVE frame. */
const MAX_IHAVE_BATCH = 512

export function messageKey(id: MessageId): string {
  // Spaces cannot occur in peer ids, so the key is unambiguous.
  return `${id.session} ${id.seq} ${id.origin}`
}

export class Plumtree {
  readonly stats: PlumtreeStats = {
    payloadsSent: 0,
    ihaveEntriesSent: 0,
    graftsSent: 0,
    prunesSent: 0,
    delivered: 0,
    duplicates: 0,
  }
  private readonly eager = new Set<PeerId>()
  private readonly lazy = new Set<PeerId>()
  private readonly seen: SeenCache
  private readonly cache = new Map<string, UpdateFrame>()
  private cacheBytes = 0
  private readonly missing = new Map<string, Missing>()
  private readonly timers = new TimerHeap<string>()
  private readonly lazyQueue = new Map<PeerId, IHaveEntry[]>()
  private nextFlushAt = Number.POSITIVE_INFINITY

  constructor(
    readonly self: PeerId,
    private readonly o: ResolvedPlumtreeOptions,
    private readonly host: PlumtreeHost,
  ) {
    this.seen = new SeenCache(o.seenCacheSize)
  }

  neighborUp(peer: PeerId): void {
    this.lazy.delete(peer)
    this.eager.add(peer)
  }

  neighborDown(peer: PeerId): void {
    this.eager.delete(peer)
    this.lazy.delete(peer)
    this.lazyQueue.delete(peer)
  }

  isEager(peer: PeerId): boolean {
    return this.eager.has(peer)
  }

  eagerPeers(): PeerId[] {
    return [...this.eager]
  }

  /** Originate a message (already applied locally). */
  broadcast(now: number, id: MessageId, payload: Uint8Array): void {
    const frame: UpdateFrame = { type: 'update', ...id, hops: 0, payload }
    this.seen.add(messageKey(id))
    this.remember(frame)
    this.forward(now, frame, undefined)
  }

  onFrame(now: number, from: PeerId, f: BroadcastFrame): void {
    switch (f.type) {
      case 'update':
        this.onUpdate(now, from, f)
        break
      case 'ihave':
        this.onIHave(now, from, f.ids)
        break
      case 'graft':
        this.onGraft(from, f.ids)
        break
      case 'prune':
        if (this.eager.delete(from)) this.lazy.add(from)
        break
    }
  }

  nextWakeAt(): number {
    return Math.min(this.timers.peek(), this.lazyQueue.size > 0 ? this.nextFlushAt : Number.POSITIVE_INFINITY)
  }

  tick(now: number): void {
    this.graftDue(now)
    if (now >= this.nextFlushAt) this.flush()
  }

  // ------------------------------------------------------------------ receive

  private isNeighbor(peer: PeerId): boolean {
    return this.eager.has(peer) || this.lazy.has(peer)
  }

  private onUpdate(now: number, from: PeerId, f: UpdateFrame): void {
    const key = messageKey(f)
    if (!this.seen.add(key)) {
      this.stats.duplicates++
      // A second copy: the link it came over is redundant in the tree.
      if (this.eager.delete(from)) {
        this.lazy.add(from)
        this.stats.prunesSent++
        this.host.send(from, { type: 'prune' })
      }
      return
    }
    this.missing.delete(key)
    if (!this.host.deliver(from, f.payload, f)) return
    this.stats.delivered++
    this.remember(f)
    if (this.isNeighbor(from)) {
      this.lazy.delete(from)
      this.eager.add(from)
    }
    this.forward(now, { ...f, hops: f.hops + 1 }, from)
  }

  private onIHave(now: number, from: PeerId, ids: readonly IHaveEntry[]): void {
    if (!this.isNeighbor(from)) return
    for (const id of ids) {
      const key = messageKey(id)
      if (this.seen.has(key)) continue
      const m = this.missing.get(key)
      if (m !== undefined) {
        if (m.announcers.length < MAX_ANNOUNCERS && !m.announcers.includes(from)) m.announcers.push(from)
        continue
      }
      if (this.missing.size >= this.o.maxMissing) continue
      const deadline = now + this.o.graftTimeoutMs
      this.missing.set(key, {
        id: { origin: id.origin, session: id.session, seq: id.seq },
        announcers: [from],
        deadline,
        grafts: 0,
      })
      this.timers.push(deadline, key)
    }
  }

  private onGraft(from: PeerId, ids: readonly MessageId[]): void {
    if (!this.isNeighbor(from)) return
    this.lazy.delete(from)
    this.eager.add(from)
    for (const id of ids) {
      const f = this.cache.get(messageKey(id))
      if (f === undefined) continue
      this.stats.payloadsSent++
      this.host.send(from, f)
    }
  }

  // ------------------------------------------------------------------ send

  private forward(now: number, f: UpdateFrame, from: PeerId | undefined): void {
    for (const p of this.eager) {
      if (p === from || p === f.origin) continue
      this.stats.payloadsSent++
      this.host.send(p, f)
    }
    const entry: IHaveEntry = { origin: f.origin, session: f.session, seq: f.seq, hops: f.hops }
    for (const p of this.lazy) {
      if (p === from || p === f.origin) continue
      let q = this.lazyQueue.get(p)
      if (q === undefined) {
        q = []
        this.lazyQueue.set(p, q)
        if (this.nextFlushAt === Number.POSITIVE_INFINITY || this.nextFlushAt < now)
          this.nextFlushAt = now + this.o.lazyPushDelayMs
      }
      q.push(entry)
      if (q.length >= MAX_IHAVE_BATCH) this.flushPeer(p, q)
    }
  }

  private flush(): void {
    for (const [peer, q] of this.lazyQueue) this.flushPeer(peer, q)
    this.nextFlushAt = Number.POSITIVE_INFINITY
  }

  private flushPeer(peer: PeerId, q: IHaveEntry[]): void {
    this.lazyQueue.delete(peer)
    if (q.length === 0) return
    this.stats.ihaveEntriesSent += q.length
    this.host.send(peer, { type: 'ihave', ids: q, members: [] })
  }

  private graftDue(now: number): void {
    const due = this.timers.popDue(now)
    if (due.length === 0) return
    const grafts = new Map<PeerId, MessageId[]>()
    for (const key of due) {
      const m = this.missing.get(key)
      if (m === undefined || m.deadline > now) continue
      let announcer = m.announcers.shift()
      while (announcer !== undefined && !this.isNeighbor(announcer)) announcer = m.announcers.shift()
      if (announcer === undefined || m.grafts >= MAX_ANNOUNCERS) {
        // Nobody left to ask; anti-entropy will bring it.
        this.missing.delete(key)
        continue
      }
      // Keep the announcer as a last resort for the next round, after the others.
      m.announcers.push(announcer)
      m.grafts++
      m.deadline = now + this.o.graftRetryMs
      this.timers.push(m.deadline, key)
      const list = grafts.get(announcer)
      if (list === undefined) grafts.set(announcer, [m.id])
      else list.push(m.id)
    }
    for (const [peer, ids] of grafts) {
      this.lazy.delete(peer)
      this.eager.add(peer)
      this.stats.graftsSent += ids.length
      for (let i = 0; i < ids.length; i += MAX_IHAVE_BATCH)
        this.host.send(peer, { type: 'graft', ids: ids.slice(i, i + MAX_IHAVE_BATCH) })
    }
  }

  private remember(f: UpdateFrame): void {
    const key = messageKey(f)
    if (this.cache.has(key)) return
    this.cache.set(key, f)
    this.cacheBytes += f.payload.length
    // Maps iterate in insertion order: evict the oldest first.
    for (const [k, old] of this.cache) {
      if (this.cache.size <= this.o.messageCacheSize && this.cacheBytes <= this.o.messageCacheBytes) break
      this.cache.delete(k)
      this.cacheBytes -= old.payload.length
    }
  }
}
