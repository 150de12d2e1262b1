/**
 * Who may make this peer diff its document for them (replica anti-entropy, PROTOCOL.md
 * "How the layers fit"). A diff can be the whole document, so a digest earns one only as
 *
 * - a reply to an opener we sent: one per opener (at most MAX_OPENERS_OUT remembered per
 *   neighbour: lost replies must not leave an open door);
 * - an opener from an active neighbour (the caller checks that): at most one diff that
 *   finds something per `intervalMs`, and OPENER_BURST diffs that find nothing at once,
 *   then one per `intervalMs`.
 *
 * An empty diff costs as much as a full one and starts no interval of its own, so
 * without the burst a neighbour sending our own digest back would make us diff the whole
 * document for every frame. Past either limit only our digest goes back, which still
 * lets the neighbour push what we lack (and is all an empty diff sends anyway).
 *
 *   const admission = new DiffAdmission(5_000)
 *   admission.openerSent(peer)                  // we asked: its reply earns a diff
 *   admission.mayAnswerOpener(now, peer)        // its opener: diff now?
 *   admission.diffSent(now, peer)               // the diff found something
 *   admission.forget(peer)                      // the link is gone
 */
import type { PeerId } from '../ids'
import { type Bucket, createBucket, refundToken, takeToken } from '../token-bucket'

const MAX_OPENERS_OUT = 3
const OPENER_BURST = 4

export class DiffAdmission {
  /** Openers sent per neighbour and not yet answered. */
  private readonly openersOut = new Map<PeerId, number>()
  /** When each neighbour last got a diff that found something, answering its opener. */
  private readonly lastDiffTo = new Map<PeerId, number>()
  /** Diffs left for each neighbour's openers. */
  private readonly budget = new Map<PeerId, Bucket>()

  constructor(private readonly intervalMs: number) {}

  openerSent(to: PeerId): void {
    this.openersOut.set(to, Math.min((this.openersOut.get(to) ?? 0) + 1, MAX_OPENERS_OUT))
  }

  /** A reply from `from`: whether it answers an opener of ours (which it then uses up). */
  takeReply(from: PeerId): boolean {
    const pending = this.openersOut.get(from) ?? 0
    if (pending === 0) return false
    if (pending === 1) this.openersOut.delete(from)
    else this.openersOut.set(from, pending - 1)
    return true
  }

  /** An opener from the active neighbour `from`: whether to diff for it now. */
  mayAnswerOpener(now: number, from: PeerId): boolean {
    const last = this.lastDiffTo.get(from)
    if (last !== undefined && now - last < this.intervalMs) return false
    let bucket = this.budget.get(from)
    if (bucket === undefined) {
      bucket = createBucket(OPENER_BURST, now)
      this.budget.set(from, bucket)
    }
    return takeToken(bucket, OPENER_BURST, 1_000 / this.intervalMs, now)
  }

  /** The diff for `from`'s opener found something: the interval limits the next, not the burst. */
  diffSent(now: number, from: PeerId): void {
    const bucket = this.budget.get(from)
    if (bucket !== undefined) refundToken(bucket, OPENER_BURST)
    this.lastDiffTo.set(from, now)
  }

  forget(peer: PeerId): void {
    this.openersOut.delete(peer)
    this.lastDiffTo.delete(peer)
    this.budget.delete(peer)
  }
}
