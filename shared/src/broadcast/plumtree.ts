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
import { MAX_HOPS } from '../wire/limits'
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
/** The window of `graftBudgetBytes`. */
const GRAFT_WINDOW_MS = 1_000

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
    rejected: 0,
    graftsRefused: 0,
  }
  private readonly eager = new Set<PeerId>()
  private readonly lazy = new Set<PeerId>()
  private readonly seen: SeenCache
  private readonly cache = new Map<string, UpdateFrame>()
  private cacheBytes = 0
  private readonly missing = new Map<string, Missing>()
  private readonly timers = new TimerHeap<string>()
  private readonly lazyQueue = new Map<PeerId, IHaveEntry[]>()
  private readonly graftWindows = new Map<PeerId, GraftWindow>()
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
    this.graftWindows.delete(peer)
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
        this.onGraft(now, from, f.ids)
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
    if (this.seen.has(key)) {
      this.stats.duplicates++
      // A second copy: the link it came over is redundant in the tree.
      if (this.eager.delete(from)) {
        this.lazy.add(from)
        this.stats.prunesSent++
        this.host.send(from, { type: 'prune' })
      }
      return
    }
    // Seen only once delivered: a malformed copy (maybe forged) must not make the good
    // copies that follow look like duplicates. It is dropped; the message stays missing.
    if (!this.host.deliver(from, f.payload, f)) {
      this.stats.rejected++
      return
    }
    this.seen.add(key)
    this.missing.delete(key)
    this.stats.delivered++
    this.remember(f)
    if (this.isNeighbor(from)) {
      this.lazy.delete(from)
      this.eager.add(from)
    }
    this.forward(now, { ...f, hops: Math.min(f.hops + 1, MAX_HOPS) }, from)
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

  /**
   * Resend what a neighbour GRAFTs, each message once per GRAFT and at most
   * `graftBudgetBytes` of payload per neighbour per second (one message always fits), so
   * a small GRAFT cannot make this peer send a large multiple of it. What is refused
   * is left to the neighbour's next announcer or to anti-entropy.
   */
  private onGraft(now: number, from: PeerId, ids: readonly MessageId[]): void {
    if (!this.isNeighbor(from)) return
    this.lazy.delete(from)
    this.eager.add(from)
    let w = this.graftWindows.get(from)
    if (w === undefined || now - w.start >= GRAFT_WINDOW_MS) {
      w = { start: now, bytes: 0 }
      this.graftWindows.set(from, w)
    }
    const answered = new Set<string>()
    for (const id of ids) {
      const key = messageKey(id)
      if (answered.has(key)) {
        this.stats.graftsRefused++
        continue
      }
      answered.add(key)
      const f = this.cache.get(key)
      if (f === undefined) continue
      if (w.bytes > 0 && w.bytes + f.payload.length > this.o.graftBudgetBytes) {
        this.stats.graftsRefused++
        continue
      }
      w.bytes += f.payload.length
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
