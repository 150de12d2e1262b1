/**
 * Messages announced to this peer and not received yet, who announced them, when to ask
 * (GRAFT) next and whom was asked. Plumtree decides whom to ask; this keeps the books,
 * bounded: at most `max` messages missing, `MAX_ANNOUNCERS` announcers and as many asks
 * each, and the askees of the last `max` messages asked for.
 *
 *   const missing = new MissingMessages(1_024)
 *   const m = missing.announced(now, key, id, 'b', true, now + 1_000)   // undefined when full
 *   for (const [key, m] of missing.due(now)) missing.asking(now + 500, key, m, 'b')
 *   missing.wasAsked(key, 'b')   // its answer may come after another copy: no PRUNE
 */
import type { PeerId } from '../ids'
import { TimerHeap } from '../node/timer-heap'
import type { MessageId } from '../wire/frame'

/** Announcers remembered per missing message, and GRAFTs sent for it at most. */
export const MAX_ANNOUNCERS = 4

export interface Missing {
  readonly id: MessageId
  /** Who announced it: tree neighbours first; the one asked last goes to the back. */
  readonly announcers: PeerId[]
  deadline: number
  grafts: number
  /** One of `grafts` went to our parent (rooted tree), which had not announced it. */
  parentAsked: boolean
  /** Hops each announcer's copy had travelled (from its IHAVE). */
  readonly hopsOf: Map<PeerId, number>
}

export class MissingMessages {
  private readonly missing = new Map<string, Missing>()
  private readonly asked = new Map<string, PeerId[]>()
  private readonly timers = new TimerHeap<string>()

  constructor(private readonly max: number) {}

  get size(): number {
    return this.missing.size
  }

  nextWakeAt(): number {
    return this.timers.peek()
  }

  /** `from` announced `id`. A new entry is due at `deadline`; undefined when full. */
  announced(
    key: string,
    id: MessageId,
    from: PeerId,
    tree: boolean,
    deadline: number,
    hops = 0,
  ): Missing | undefined {
    let m = this.missing.get(key)
    if (m === undefined) {
      if (this.missing.size >= this.max) return undefined
      m = {
        id: { origin: id.origin, session: id.session, seq: id.seq },
        announcers: [],
        deadline,
        grafts: 0,
        parentAsked: false,
        hopsOf: new Map(),
      }
      this.missing.set(key, m)
      this.timers.push(deadline, key)
    }
    if (!m.announcers.includes(from)) {
      if (tree) m.announcers.unshift(from)
      else m.announcers.push(from)
      m.hopsOf.set(from, hops)
      if (m.announcers.length > MAX_ANNOUNCERS) m.hopsOf.delete(m.announcers.pop() as PeerId)
    }
    return m
  }

  /** Announced, and not asked for yet: we still wait for our tree to bring it. */
  isWaiting(key: string): boolean {
    return this.missing.get(key)?.grafts === 0
  }

  /** Also wake at `at` (for a decision of the owner's that falls due then). */
  wakeAt(at: number): void {
    this.timers.push(at, '')
  }

  received(key: string): void {
    this.missing.delete(key)
  }

  /** Entries whose deadline has come (stale timers skipped). */
  *due(now: number): Iterable<[string, Missing]> {
    for (const key of this.timers.popDue(now)) {
      const m = this.missing.get(key)
      if (m !== undefined && m.deadline <= now) yield [key, m]
    }
  }

  /** Give up on `key`: anti-entropy will bring it. */
  drop(key: string): void {
    this.missing.delete(key)
  }

  /** Record a GRAFT for `m` to `peer`; ask the next announcer at `retryAt` if still missing. */
  asking(retryAt: number, key: string, m: Missing, peer: PeerId): void {
    m.grafts++
    m.deadline = retryAt
    this.timers.push(retryAt, key)
    const i = m.announcers.indexOf(peer)
    if (i >= 0) {
      m.announcers.splice(i, 1)
      m.announcers.push(peer)
    }
    let a = this.asked.get(key)
    if (a === undefined) {
      a = []
      this.asked.set(key, a)
      if (this.asked.size > this.max) this.asked.delete(this.asked.keys().next().value as string)
    }
    if (!a.includes(peer)) a.push(peer)
  }

  wasAsked(key: string, peer: PeerId): boolean {
    return this.asked.get(key)?.includes(peer) === true
  }
}
