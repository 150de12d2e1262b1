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
 * Items are rows of parallel arrays, not objects holding the decoded record: when half of
 * a 10,000-peer room crashes, each survivor's log briefly holds thousands of suspect and
 * dead records, and the simulator holds 5,000 such logs (~60 bytes an item instead of
 * ~200). `take` builds the records it hands out.
 *
 *   const log = new NewsLog(4_096, 1_000)
 *   log.addLink('b')
 *   log.append(now, update, 'c')            // news that came from neighbour c
 *   log.take('b', 1_200)                    // → [update]; again → []
 */
import type { PeerId } from '../ids'
import type { MemberState, MemberUpdate } from '../wire/frame'
import { memberUpdateSize } from '../wire/messages/fields'
import { rank } from './member-table'

const EMPTY = new Uint8Array(0)
/** By `rank`, the state's code in an item's state byte. */
const STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left']
/** Set in an item's state byte once newer news about the same member came. */
const STALE = 0x80

interface Link {
  /** Absolute index of the next item to consider for this neighbour. */
  cursor: number
  /** Bit index in an item's `heldBy`, or -1 when more links are open than bits. */
  readonly slot: number
}

/** Bits of an item's `heldBy`: active views are far smaller (HyParView's cap is ~7–10). */
const SLOTS = 31

export class NewsLog {
  // The ring, one array per field; grows by doubling up to `capacity` (most peers' backlog
  // is a handful of items).
  private ids: (PeerId | undefined)[] = []
  /** The record's accuser (suspect, dead) or ''. */
  private froms: (PeerId | undefined)[] = []
  /** Metadata of alive records; undefined for none. */
  private metas: (Uint8Array | undefined)[] = []
  /** The neighbour each item came from ('' for our own news): never sent back there. */
  private sources: (PeerId | undefined)[] = []
  /**
   * A plain array, not a Uint32Array: a number read from a typed array is not a small
   * integer to V8, and records built from it made encoding every record ~5 times slower
   * (n = 1,000: 1.6 s → 0.3 s in all).
   */
  private incarnations: number[] = []
  /** State code, | STALE once replaced by newer news about the same member. */
  private states = new Uint8Array(0)
  /** When each item was appended. */
  private ats = new Float64Array(0)
  /** memberUpdateSize of each item, computed once. */
  private sizes = new Uint32Array(0)
  /** Link slots that have sent us the same record since: they hold it, so it is not sent to them. */
  private heldBy = new Uint32Array(0)
  private mask = -1
  private readonly capacity: number
  /** Absolute indices: items [start, end) are in the ring. */
  private start = 0
  private end = 0
  private readonly links = new Map<PeerId, Link>()
  private freeSlots = (2 ** SLOTS - 1) >>> 0
  /** Absolute index of the newest item about each member still in the ring. */
  private readonly latest = new Map<PeerId, number>()
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
    this.resize(16)
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
    while (cursor < this.end && (this.ats[cursor & this.mask] as number) <= old) cursor++
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
    if (this.end - this.start > this.mask && this.mask + 1 < this.capacity) this.resize((this.mask + 1) * 2)
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
    if (old !== undefined) this.states[old & this.mask] = (this.states[old & this.mask] as number) | STALE
    const i = this.end & this.mask
    this.latest.set(update.id, this.end)
    this.ids[i] = update.id
    this.froms[i] = update.from
    this.metas[i] = update.meta.length === 0 ? undefined : update.meta
    this.sources[i] = source
    this.incarnations[i] = update.incarnation
    this.states[i] = rank(update.state)
    this.ats[i] = now
    this.sizes[i] = memberUpdateSize(update)
    this.heldBy[i] = 0
    this.end++
  }

  /**
   * Neighbour `from` sent us a record equal to the newest we hold about `id`: it needs no
   * copy from us. Cheap: one map lookup.
   */
  heard(from: PeerId, id: PeerId, incarnation: number, state: MemberUpdate['state']): void {
    const at = this.latest.get(id)
    if (at === undefined) return
    const i = at & this.mask
    if (this.incarnations[i] !== incarnation || this.states[i] !== rank(state)) return
    const slot = this.links.get(from)?.slot ?? -1
    if (slot >= 0) this.heldBy[i] = ((this.heldBy[i] as number) | (1 << slot)) >>> 0
  }

  /** Up to `maxBytes` of news `to` was not offered yet (at least one item if any). */
  take(to: PeerId, maxBytes: number): MemberUpdate[] {
    const l = this.links.get(to)
    const out: MemberUpdate[] = []
    if (l === undefined) return out
    const bit = l.slot >= 0 ? (1 << l.slot) >>> 0 : 0
    let budget = maxBytes
    let a = Math.max(l.cursor, this.start)
    for (; a < this.end; a++) {
      const i = a & this.mask
      const state = this.states[i] as number
      if ((state & STALE) !== 0 || this.sources[i] === to || ((this.heldBy[i] as number) & bit) !== 0)
        continue
      const size = this.sizes[i] as number
      if (out.length > 0 && size > budget) break
      out.push({
        id: this.ids[i] as PeerId,
        state: STATES[state] as MemberState,
        incarnation: this.incarnations[i] as number,
        meta: this.metas[i] ?? EMPTY,
        from: this.froms[i] as PeerId,
      })
      budget -= size
      if (budget <= 0) {
        a++
        break
      }
    }
    l.cursor = a
    this.trim()
    return out
  }

  /** Re-lay the ring's items [start, end) into arrays of `size` rows. */
  private resize(size: number): void {
    const mask = size - 1
    const ids: (PeerId | undefined)[] = new Array(size)
    const froms: (PeerId | undefined)[] = new Array(size)
    const metas: (Uint8Array | undefined)[] = new Array(size)
    const sources: (PeerId | undefined)[] = new Array(size)
    const incarnations: number[] = new Array(size).fill(0)
    const states = new Uint8Array(size)
    const ats = new Float64Array(size)
    const sizes = new Uint32Array(size)
    const heldBy = new Uint32Array(size)
    for (let a = this.start; a < this.end; a++) {
      const from = a & this.mask
      const to = a & mask
      ids[to] = this.ids[from]
      froms[to] = this.froms[from]
      metas[to] = this.metas[from]
      sources[to] = this.sources[from]
      incarnations[to] = this.incarnations[from] as number
      states[to] = this.states[from] as number
      ats[to] = this.ats[from] as number
      sizes[to] = this.sizes[from] as number
      heldBy[to] = this.heldBy[from] as number
    }
    this.ids = ids
    this.froms = froms
    this.metas = metas
    this.sources = sources
    this.incarnations = incarnations
    this.states = states
    this.ats = ats
    this.sizes = sizes
    this.heldBy = heldBy
    this.mask = mask
  }

  /** Release items every link has passed and older than `retainMs`. */
  private trim(): void {
    let low = this.end
    for (const l of this.links.values()) if (l.cursor < low) low = l.cursor
    const old = this.now - this.retainMs
    while (this.start < low && (this.ats[this.start & this.mask] as number) <= old) {
      this.release(this.start)
      this.start++
    }
  }

  private release(index: number): void {
    const i = index & this.mask
    const id = this.ids[i]
    if (id !== undefined && this.latest.get(id) === index) this.latest.delete(id)
    // Drop the references so released records can be collected.
    this.ids[i] = undefined
    this.froms[i] = undefined
    this.metas[i] = undefined
    this.sources[i] = undefined
  }
}
