/**
 * Membership news flooded over the overlay's links, each item at most once per link.
 *
 * memberlist's transmit-limited queue sends each update λ·log N times to random members:
 * right for UDP to anyone, wasteful over a handful of ordered data channels, where it
 * sends the same record to the same neighbour again and again (at 1,000 peers, about 16
 * sends per peer per update, all to ~6 neighbours). Here each neighbour has a cursor into
 * one append-only log: a take hands out what that neighbour has not been sent yet, except
 * records it sent us itself. A frame lost on one link is made up by the other links, since
 * every peer floods; what is still missing after that is repaired by snapshots
 * (MEMBER_DIGEST). Cost per update: at most one copy per link direction, about N·d/2.
 *
 * A flood misses a peer whose links change while the news goes by: a neighbour that got
 * the news just before linking to it has already passed it on. So a new link starts with
 * the news of the last `retainMs`, not from now: during a join storm, when links change
 * all the time, that is what keeps the flood whole (digests repair the rest, slower).
 *
 * The log is a ring; items every cursor has passed are released once older than
 * `retainMs`, so it holds the backlog of the slowest link and the last moment's news, and
 * at most `capacity` items (a link that falls further behind skips the oldest, counted in
 * `overrun`).
 *
 *   const log = new NewsLog(4_096, 1_000)
 *   log.addLink('b')
 *   log.append(now, update, 'c')            // news that came from neighbour c
 *   log.take('b', 1_200)                    // → [update]; again → []
 */
import type { PeerId } from '../ids'
import type { MemberUpdate } from '../wire/frame'
import { memberUpdateSize } from '../wire/messages/fields'

interface Item {
  readonly update: MemberUpdate
  /** When it was appended. */
  readonly at: number
  /** memberUpdateSize(update), computed once. */
  readonly size: number
  /** The neighbour it came from ('' for our own news): never sent back there. */
  readonly source: PeerId
  /** Link slots that have sent us the same record since: they hold it, so it is not sent to them. */
  heldBy: number
  /** Replaced by newer news about the same member. */
  stale: boolean
}

interface Link {
  /** Absolute index of the next item to consider for this neighbour. */
  cursor: number
  /** Bit index in `Item.heldBy`, or -1 when more links are open than bits. */
  readonly slot: number
}

/** Bits of `Item.heldBy`: active views are far smaller (HyParView's cap is ~7–10). */
const SLOTS = 31

export class NewsLog {
  /** Grows by doubling up to `capacity`: most peers' backlog is a handful of items. */
  private ring: (Item | undefined)[] = new Array(16)
  private mask = 15
  private readonly capacity: number
  /** Absolute indices: items [start, end) are in the ring. */
  private start = 0
  private end = 0
  private readonly links = new Map<PeerId, Link>()
  private freeSlots = (2 ** SLOTS - 1) >>> 0
  /** The newest item about each member still in the ring. */
  private readonly latest = new Map<PeerId, Item>()
  /** The latest time seen by `append`. */
  private now = Number.NEGATIVE_INFINITY
  /** Items a lagging link never got because the ring was full. */
  overrun = 0

  constructor(
    capacity: number,
    private readonly retainMs = 0,
  ) {
    let size = 16
    while (size < capacity) size *= 2
    this.capacity = size
  }

  /** Items waiting for at least one link. */
  get backlog(): number {
    return this.end - this.start
  }

  /** Whether some link has items it was not offered yet. */
  pending(): boolean {
    for (const l of this.links.values()) if (l.cursor < this.end) return true
    return false
  }

  /** A new neighbour: it gets the news of the last `retainMs` and all that follows (what came before reaches it by snapshot and digests). */
  addLink(peer: PeerId): void {
    if (this.links.has(peer)) return
    let slot = -1
    if (this.freeSlots !== 0) {
      slot = 31 - Math.clz32(this.freeSlots)
      this.freeSlots = (this.freeSlots & ~(1 << slot)) >>> 0
    }
    let cursor = this.start
    const old = this.now - this.retainMs
    while (cursor < this.end && (this.ring[cursor & this.mask] as Item).at <= old) cursor++
    this.links.set(peer, { cursor, slot })
  }

  removeLink(peer: PeerId): void {
    const l = this.links.get(peer)
    if (l === undefined) return
    this.links.delete(peer)
    // Items still queued may carry this slot's bit; harmless: a link given the slot later
    // starts at the end of the log and never reads them.
    if (l.slot >= 0) this.freeSlots = (this.freeSlots | (1 << l.slot)) >>> 0
    this.trim()
  }

  append(now: number, update: MemberUpdate, source: PeerId): void {
    if (now > this.now) this.now = now
    if (this.end - this.start > this.mask && this.ring.length < this.capacity) this.grow()
    if (this.end - this.start > this.mask) {
      this.release(this.start)
      this.start++
      for (const l of this.links.values())
        if (l.cursor < this.start) {
          l.cursor = this.start
          this.overrun++
        }
    }
    const old = this.latest.get(update.id)
    if (old !== undefined) old.stale = true
    const item: Item = { update, at: now, size: memberUpdateSize(update), source, heldBy: 0, stale: false }
    this.latest.set(update.id, item)
    this.ring[this.end & this.mask] = item
    this.end++
  }

  /**
   * Neighbour `from` sent us a record equal to the newest we hold about `id`: it needs no
   * copy from us. Cheap: one map lookup.
   */
  heard(from: PeerId, id: PeerId, incarnation: number, state: MemberUpdate['state']): void {
    const it = this.latest.get(id)
    if (it === undefined || it.update.incarnation !== incarnation || it.update.state !== state) return
    const slot = this.links.get(from)?.slot ?? -1
    if (slot >= 0) it.heldBy |= 1 << slot
  }

  /** Up to `maxBytes` of news `to` was not offered yet (at least one item if any). */
  take(to: PeerId, maxBytes: number): MemberUpdate[] {
    const l = this.links.get(to)
    const out: MemberUpdate[] = []
    if (l === undefined) return out
    const bit = l.slot >= 0 ? 1 << l.slot : 0
    let budget = maxBytes
    let i = Math.max(l.cursor, this.start)
    for (; i < this.end; i++) {
      const it = this.ring[i & this.mask] as Item
      if (it.stale || it.source === to || (it.heldBy & bit) !== 0) continue
      if (out.length > 0 && it.size > budget) break
      out.push(it.update)
      budget -= it.size
      if (budget <= 0) {
        i++
        break
      }
    }
    l.cursor = i
    this.trim()
    return out
  }

  private grow(): void {
    const ring: (Item | undefined)[] = new Array(this.ring.length * 2)
    const mask = ring.length - 1
    for (let i = this.start; i < this.end; i++) ring[i & mask] = this.ring[i & this.mask]
    this.ring = ring
    this.mask = mask
  }

  /** Release items every link has passed and older than `retainMs`. */
  private trim(): void {
    let low = this.end
    for (const l of this.links.values()) if (l.cursor < low) low = l.cursor
    const old = this.now - this.retainMs
    while (this.start < low && (this.ring[this.start & this.mask] as Item).at <= old) {
      this.release(this.start)
      this.start++
    }
  }

  private release(index: number): void {
    const slot = index & this.mask
    const it = this.ring[slot]
    if (it !== undefined && this.latest.get(it.update.id) === it) this.latest.delete(it.update.id)
    this.ring[slot] = undefined
  }
}
