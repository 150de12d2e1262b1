/**
 * Rechecks: the last chance a neighbour gets before this peer suspects it.
 *
 * Over the overlay a suspicion is expensive: it floods the whole room, and so does the
 * refutation that follows (two floods of ~N·d/2 frames each). A probe of a neighbour
 * fails without the neighbour failing when a ping and its second try, or their acks, are
 * lost, or when the neighbour was busy for a moment (a GC pause, a tab throttled for a
 * second). Measured on the simulator at 10% frame loss, 1,000 peers: ~2 such failed probes
 * a second, and their floods were most of the membership traffic in steady state (the
 * number grows with N, and so does each flood, so the cost grows as N²).
 *
 * So a failed probe of a neighbour first starts a recheck: `pings` more direct pings, one
 * every `spacingMs`, and the neighbour is suspected only if nothing at all is heard from
 * it (ack or any other frame) until `windowMs` after the first. At 10% loss a recheck of
 * 3 pings fails on a live peer with probability ~0.19³ ≈ 0.7%. It delays the detection of
 * a real crash by one window (one probe interval by default), which Lifeguard's
 * suspicion timeout (≥ 4·log10(N+1) probe intervals) dwarfs.
 *
 *   const rechecks = new Rechecks(16)
 *   rechecks.start(now, 'b', { pings: 3, spacingMs: 250, windowMs: 1_000 })  // ping 'b' now
 *   rechecks.heard('b')                       // anything from 'b' clears it
 *   const { ping, failed } = rechecks.due(now) // at rechecks.nextAt()
 */
import type { PeerId } from '../ids'

export interface RecheckPlan {
  /** Direct pings in all, the first at once. */
  readonly pings: number
  /** Time between two pings. */
  readonly spacingMs: number
  /** From the first ping until the neighbour is judged. */
  readonly windowMs: number
}

interface Recheck {
  pingsLeft: number
  nextPingAt: number
  readonly spacingMs: number
  readonly until: number
}

export class Rechecks {
  private readonly pending = new Map<PeerId, Recheck>()

  /** `max` bounds the rechecks at once (the active view is a few peers; more is abuse or churn). */
  constructor(private readonly max: number) {}

  /**
   * Start rechecking `peer`. False when one is already running for it or the table is
   * full: the caller then judges at once, as SWIM without rechecks does.
   */
  start(now: number, peer: PeerId, plan: RecheckPlan): boolean {
    if (this.pending.has(peer)) return true
    if (this.pending.size >= this.max || plan.pings <= 0) return false
    this.pending.set(peer, {
      pingsLeft: plan.pings,
      nextPingAt: now,
      spacingMs: plan.spacingMs,
      until: now + plan.windowMs,
    })
    return true
  }

  /** Anything arrived from `peer`: it is alive, the recheck is over. */
  heard(peer: PeerId): void {
    this.pending.delete(peer)
  }

  /** `peer` is no longer a neighbour: nothing to judge. */
  drop(peer: PeerId): void {
    this.pending.delete(peer)
  }

  has(peer: PeerId): boolean {
    return this.pending.has(peer)
  }

  get size(): number {
    return this.pending.size
  }

  clear(): void {
    this.pending.clear()
  }

  /** Pings due now, and the peers whose window closed with nothing heard (to be suspected). */
  due(now: number): { ping: PeerId[]; failed: PeerId[] } {
    const ping: PeerId[] = []
    const failed: PeerId[] = []
    for (const [peer, r] of this.pending) {
      if (now >= r.until) {
        this.pending.delete(peer)
        failed.push(peer)
        continue
      }
      if (r.pingsLeft > 0 && now >= r.nextPingAt) {
        r.pingsLeft--
        r.nextPingAt = now + r.spacingMs
        ping.push(peer)
      }
    }
    return { ping, failed }
  }

  /** The next time `due` has something to do. */
  nextAt(): number {
    let at = Number.POSITIVE_INFINITY
    for (const r of this.pending.values()) {
      const next = r.pingsLeft > 0 ? Math.min(r.nextPingAt, r.until) : r.until
      if (next < at) at = next
    }
    return at
  }
}
