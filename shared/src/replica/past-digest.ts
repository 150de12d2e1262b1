/**
 * The replica's digest as of a moment ago. Anti-entropy's periodic rounds compare a
 * neighbour's digest with it: a neighbour that holds everything we held then lacks only
 * what arrived since, which the broadcast tree is still delivering to it, so the round
 * sends no diff rather than a second copy of each update in flight.
 *
 *   const past = new PastDigest(replica, 2_000)
 *   past.tick(now)                         // from the node's tick
 *   past.heldBy(neighbourDigest)           // ok: true when it lacks only recent news
 *
 * Taken every `ageMs` (not on change: a shell may change the document behind the node's
 * back, a restore from disk say, and a stale snapshot would hide that from every round).
 * The one compared is the previous one, so it is at least `ageMs` old.
 */
import type { Replica, ReplicaResult } from './replica'

export class PastDigest {
  private older: Uint8Array | undefined
  private newer: Uint8Array | undefined
  private takenAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly replica: Replica,
    private readonly ageMs: number,
  ) {}

  tick(now: number): void {
    if (now - this.takenAt < this.ageMs) return
    this.older = this.newer
    this.newer = this.replica.digest()
    this.takenAt = now
  }

  /**
   * Whether a copy with `remoteDigest` holds all this one held `ageMs` ago or earlier.
   * False while no snapshot is old enough or the replica cannot tell; not ok when the
   * remote digest is unreadable.
   */
  heldBy(remoteDigest: Uint8Array): ReplicaResult<boolean> {
    if (this.older === undefined || this.replica.holdsAllOf === undefined) return { ok: true, value: false }
    return this.replica.holdsAllOf(remoteDigest, this.older)
  }
}
