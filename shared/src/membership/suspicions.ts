/**
 * Pending suspicions and their timers (SWIM §4.2 with Lifeguard's dynamic timeout): each
 * suspect member has a deadline that starts long (`suspicionMaxMult` × the minimum) and
 * shrinks with the log of independent accusers, down to the minimum
 * (`suspicionMult`·log10(N+1)·probe interval) at `suspicionMult − 2` confirmations.
 *
 * A member flapping suspect/alive adds no timers: per id only the earliest pending timer
 * is kept, and a later deadline is re-armed when that timer fires.
 *
 *   const s = new Suspicions(options)
 *   s.start(now, 'p7', incarnation, accuser, live)
 *   s.confirm('p7', otherAccuser, live)     // Lifeguard: shorter deadline
 *   for (const { id, incarnation } of s.due(now, holdUntil)) declareDead(id, incarnation)
 */
import type { PeerId } from '../ids'
import { TimerHeap } from '../node/timer-heap'
import { suspicionBounds, suspicionTimeoutMs } from './lifeguard'
import type { ResolvedSwimOptions } from './swim-options'

interface Suspicion {
  readonly incarnation: number
  readonly start: number
  readonly accusers: Set<PeerId>
  deadline: number
}

/** A suspicion whose deadline passed: the member is to be declared dead at this incarnation. */
export interface Expired {
  readonly id: PeerId
  readonly incarnation: number
}

export class Suspicions {
  private readonly byId = new Map<PeerId, Suspicion>()
  private readonly timers = new TimerHeap<PeerId>()
  /** Per id, the earliest timer pending. */
  private readonly armedAt = new Map<PeerId, number>()

  constructor(private readonly o: ResolvedSwimOptions) {}

  /** A new suspicion of `id` (replacing any older one), by `accuser`; `live` is the N of log N. */
  start(now: number, id: PeerId, incarnation: number, accuser: PeerId, live: number): void {
    const s: Suspicion = { incarnation, start: now, accusers: new Set([accuser]), deadline: 0 }
    this.byId.set(id, s)
    this.rearm(id, s, live)
  }

  /** A further independent accuser: Lifeguard shortens the timeout. Returns whether it was new. */
  confirm(id: PeerId, accuser: PeerId, live: number): boolean {
    const s = this.byId.get(id)
    // The cheap tests first: a saturated suspicion needs no hashing of the accuser's id.
    if (s === undefined || !this.o.lifeguard || s.accusers.size > this.expectedConfirmations(live))
      return false
    if (s.accusers.has(accuser)) return false
    s.accusers.add(accuser)
    this.rearm(id, s, live)
    return true
  }

  /** Refuted, or the member is no longer suspect: its timer fires for nothing. */
  delete(id: PeerId): void {
    this.byId.delete(id)
  }

  deadline(id: PeerId): number | undefined {
    return this.byId.get(id)?.deadline
  }

  nextAt(): number {
    return this.timers.peek()
  }

  /** Timers pending (bounded: at most one per suspect id and confirmation). */
  get pendingTimers(): number {
    return this.timers.size
  }

  /**
   * Suspicions past their deadline. While `holdUntil` is in the future (this peer has just
   * noticed it was stalled, and frames that may refute are still queued behind it) none
   * expires: they are re-armed for then. `hold` false drops due timers without expiring
   * (a stopped peer judges no one).
   */
  due(now: number, holdUntil: number, judge = true): Expired[] {
    const out: Expired[] = []
    for (const id of this.timers.popDue(now)) {
      if ((this.armedAt.get(id) ?? Number.POSITIVE_INFINITY) <= now) this.armedAt.delete(id)
      const s = this.byId.get(id)
      if (s === undefined) continue // refuted
      if (s.deadline > now) {
        this.arm(id, s.deadline) // a newer suspicion, or one pushed later by a grace period
        continue
      }
      if (!judge) continue
      if (now < holdUntil) {
        this.arm(id, holdUntil)
        continue
      }
      out.push({ id, incarnation: s.incarnation })
    }
    return out
  }

  private expectedConfirmations(live: number): number {
    const k = this.o.suspicionMult - 2
    // memberlist: with too few peers to confirm, do not wait for confirmations.
    return live - 2 < k ? 0 : k
  }

  private rearm(id: PeerId, s: Suspicion, live: number): void {
    const { minMs, maxMs } = suspicionBounds(
      live,
      this.o.suspicionMult,
      this.o.suspicionMaxMult,
      this.o.probeIntervalMs,
    )
    const timeout = this.o.lifeguard
      ? suspicionTimeoutMs(s.accusers.size - 1, this.expectedConfirmations(live), minMs, maxMs)
      : minMs
    s.deadline = s.start + timeout
    this.arm(id, s.deadline)
  }

  private arm(id: PeerId, at: number): void {
    const armed = this.armedAt.get(id)
    if (armed !== undefined && armed <= at) return
    this.armedAt.set(id, at)
    this.timers.push(at, id)
  }
}
