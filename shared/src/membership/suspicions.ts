/**
 * Pending suspicions and their timers (SWIM §4.2 with Lifeguard's dynamic timeout): each
 * suspect member has a deadline that starts long (`suspicionMaxMult` × the minimum) and
 * shrinks with the log of independent accusers, down to the minimum
 * (`suspicionMult`·log10(N+1)·probe interval) at `suspicionMult − 2` confirmations.
 *
 * A member flapping suspect/alive adds no timers: per id only the earliest pending timer
 * is kept, and a later deadline is re-armed when that timer fires.
 *
 * When half a room crashes, every survivor suspects every crashed member at once: at
 * 10,000 peers that is 25 M suspicions in the simulator's one process. So a suspicion is
 * a row of parallel typed arrays (a pool with a free list), not an object with a Set of
 * accusers and a timer object: ~120 bytes instead of ~490 (heap profiles at 3,000 peers).
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

/** A suspicion whose deadline passed: the member is to be declared dead at this incarnation. */
export interface Expired {
  readonly id: PeerId
  readonly incarnation: number
}

/** Rows of the pool when it is (re)created: most peers suspect no one most of the time. */
const MIN_ROWS = 16

export class Suspicions {
  /**
   * Each id's row: while it is suspect, and after a refutation while a timer for it is
   * still pending (so a new suspicion of it reuses that timer).
   */
  private readonly rowOf = new Map<PeerId, number>()
  private readonly timers = new TimerHeap<PeerId>()
  /** Accusers a row holds: the first and up to `suspicionMult − 2` confirmations. */
  private readonly stride: number
  private rows = 0
  private free: number[] = []
  /**
   * Plain numbers: an incarnation read from a Float64Array would reach MemberUpdate
   * records as a double (see news-log.ts).
   */
  private incarnations: number[] = new Array(MIN_ROWS).fill(0)
  private starts = new Float64Array(MIN_ROWS)
  private deadlines = new Float64Array(MIN_ROWS)
  /** The earliest timer pending for the row's id (+Infinity: none). */
  private armed = new Float64Array(MIN_ROWS)
  /** Distinct accusers so far; 0 once refuted. */
  private counts = new Uint8Array(MIN_ROWS)
  /** `stride` slots per row. */
  private accusers: (PeerId | undefined)[]

  constructor(private readonly o: ResolvedSwimOptions) {
    this.stride = Math.max(1, Math.min(255, o.suspicionMult - 1))
    this.accusers = new Array(MIN_ROWS * this.stride)
  }

  /** A new suspicion of `id` (replacing any older one), by `accuser`; `live` is the N of log N. */
  start(now: number, id: PeerId, incarnation: number, accuser: PeerId, live: number): void {
    let r = this.rowOf.get(id)
    if (r === undefined) {
      r = this.allocate()
      this.rowOf.set(id, r)
    }
    this.clearAccusers(r)
    this.incarnations[r] = incarnation
    this.starts[r] = now
    this.counts[r] = 1
    this.accusers[r * this.stride] = accuser
    this.rearm(id, r, live)
  }

  /** A further independent accuser: Lifeguard shortens the timeout. Returns whether it was new. */
  confirm(id: PeerId, accuser: PeerId, live: number): boolean {
    const r = this.rowOf.get(id)
    if (r === undefined || !this.o.lifeguard) return false
    const count = this.counts[r] as number
    // The cheap tests first: a saturated suspicion compares no ids.
    if (count === 0 || count > this.expectedConfirmations(live) || count >= this.stride) return false
    const base = r * this.stride
    for (let i = 0; i < count; i++) if (this.accusers[base + i] === accuser) return false
    this.accusers[base + count] = accuser
    this.counts[r] = count + 1
    this.rearm(id, r, live)
    return true
  }

  /** Refuted, or the member is no longer suspect: its timer fires for nothing. */
  delete(id: PeerId): void {
    const r = this.rowOf.get(id)
    if (r === undefined) return
    this.counts[r] = 0
    this.clearAccusers(r)
    if (this.armed[r] === Number.POSITIVE_INFINITY) this.release(id, r)
  }

  deadline(id: PeerId): number | undefined {
    const r = this.rowOf.get(id)
    return r === undefined || this.counts[r] === 0 ? undefined : this.deadlines[r]
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
   * expires: they are re-armed for then. `judge` false drops due timers without expiring
   * (a stopped peer judges no one).
   */
  due(now: number, holdUntil: number, judge = true): Expired[] {
    const out: Expired[] = []
    for (const id of this.timers.popDue(now)) {
      const r = this.rowOf.get(id)
      if (r === undefined) continue // refuted, and its row released by an earlier timer
      if ((this.armed[r] as number) <= now) this.armed[r] = Number.POSITIVE_INFINITY
      if (this.counts[r] === 0) {
        if (this.armed[r] === Number.POSITIVE_INFINITY) this.release(id, r)
        continue // refuted
      }
      const deadline = this.deadlines[r] as number
      if (deadline > now) {
        this.arm(id, r, deadline) // a newer suspicion, or one pushed later by a grace period
        continue
      }
      if (!judge) continue
      if (now < holdUntil) {
        this.arm(id, r, holdUntil)
        continue
      }
      out.push({ id, incarnation: this.incarnations[r] as number })
      // Expired once: an older timer of the same id popping in this call finds nothing due.
      this.deadlines[r] = Number.POSITIVE_INFINITY
    }
    return out
  }

  private expectedConfirmations(live: number): number {
    const k = this.o.suspicionMult - 2
    // memberlist: with too few peers to confirm, do not wait for confirmations.
    return live - 2 < k ? 0 : k
  }

  private rearm(id: PeerId, r: number, live: number): void {
    const { minMs, maxMs } = suspicionBounds(
      live,
      this.o.suspicionMult,
      this.o.suspicionMaxMult,
      this.o.probeIntervalMs,
    )
    const timeout = this.o.lifeguard
      ? suspicionTimeoutMs((this.counts[r] as number) - 1, this.expectedConfirmations(live), minMs, maxMs)
      : minMs
    const deadline = (this.starts[r] as number) + timeout
    this.deadlines[r] = deadline
    this.arm(id, r, deadline)
  }

  private arm(id: PeerId, r: number, at: number): void {
    if ((this.armed[r] as number) <= at) return
    this.armed[r] = at
    this.timers.push(at, id)
  }

  private clearAccusers(r: number): void {
    const base = r * this.stride
    for (let i = 0; i < this.stride; i++) this.accusers[base + i] = undefined
  }

  private allocate(): number {
    const reused = this.free.pop()
    if (reused !== undefined) return reused
    if (this.rows === this.counts.length) this.resize(this.rows * 2)
    const r = this.rows++
    this.armed[r] = Number.POSITIVE_INFINITY
    return r
  }

  private release(id: PeerId, r: number): void {
    this.rowOf.delete(id)
    this.armed[r] = Number.POSITIVE_INFINITY
    this.free.push(r)
    // After a mass crash the pool is large and then empty: give the memory back.
    if (this.rowOf.size === 0 && this.rows > MIN_ROWS) {
      this.rows = 0
      this.free = []
      this.resize(MIN_ROWS)
    }
  }

  private resize(rows: number): void {
    const keep = Math.min(rows, this.rows)
    const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(rows)
      b.set(a.subarray(0, keep))
      return b
    }
    const incarnations: number[] = new Array(rows).fill(0)
    for (let i = 0; i < keep; i++) incarnations[i] = this.incarnations[i] as number
    this.incarnations = incarnations
    this.starts = grow(this.starts)
    this.deadlines = grow(this.deadlines)
    this.armed = grow(this.armed)
    const counts = new Uint8Array(rows)
    counts.set(this.counts.subarray(0, keep))
    this.counts = counts
    const accusers: (PeerId | undefined)[] = new Array(rows * this.stride)
    for (let i = 0; i < keep * this.stride; i++) accusers[i] = this.accusers[i]
    this.accusers = accusers
  }
}
