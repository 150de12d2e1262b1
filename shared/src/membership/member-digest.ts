/**
 * A digest of the member table for membership anti-entropy: 256 bucket sums of a hash of
 * (id, incarnation, suspect or not) over the live members, kept up to date as records change.
 *
 * Flooding makes one copy of each update per link; a peer whose links changed while an
 * update went by (a join storm reshapes the overlay all the time) can still miss it, and
 * a one-member gap must heal too, not only a large one. So each anti-entropy round a peer
 * sends a neighbour its digest, at a granularity that fits its table (about 16 members a
 * bucket, 1 to 256 buckets, sums add up so any granularity derives from the fine one), and
 * the neighbour answers with its records in the buckets that differ: O(gap) bytes, not
 * the table.
 *
 * Only live members count: dead and left records are reaped at slightly different times
 * on different peers and would make digests differ for nothing. Their news still spreads,
 * since a differing bucket is answered with every record in it, whatever its state.
 *
 *   const d = new MemberDigest()
 *   d.add(idHash('p1'), 3)
 *   d.coarse(bucketsFor(1))          // → [sum]
 *   d.differing(theirs)              // → fine-bucket test for the records to send
 */

import { MAX_DIGEST_BUCKETS } from '../wire/limits'

/** Fine buckets: the top 8 bits of the id hash. */
export const DIGEST_BUCKETS = MAX_DIGEST_BUCKETS
/** Members a bucket should hold at the granularity a peer sends. */
const MEMBERS_PER_BUCKET = 16

/** FNV-1a over the UTF-16 code units: stable on every peer, cheap for short ids. */
export function idHash(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * A live member's contribution: its id hash mixed with its incarnation and whether it is
 * suspect (murmur3's finaliser). The suspect bit matters: a suspicion whose flood missed
 * the suspect must still reach it, or it cannot refute and is declared dead.
 */
function recordHash(id: number, incarnation: number, suspect: boolean): number {
  let h = (id ^ Math.imul(incarnation * 2 + (suspect ? 1 : 0), 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The fine bucket of an id hash. */
export function bucketOf(id: number): number {
  return id >>> 24
}

/** The granularity a peer with `live` members sends: a power of two from 1 to 256. */
export function bucketsFor(live: number): number {
  let k = 1
  while (k < DIGEST_BUCKETS && k * MEMBERS_PER_BUCKET < live) k *= 2
  return k
}

export class MemberDigest {
  private readonly fine = new Uint32Array(DIGEST_BUCKETS)
  /** When each fine bucket last changed: a bucket still changing holds news being flooded. */
  private readonly changedAt = new Float64Array(DIGEST_BUCKETS)

  add(now: number, id: number, incarnation: number, suspect = false): void {
    const b = bucketOf(id)
    this.fine[b] = ((this.fine[b] as number) + recordHash(id, incarnation, suspect)) >>> 0
    this.changedAt[b] = now
  }

  remove(now: number, id: number, incarnation: number, suspect = false): void {
    const b = bucketOf(id)
    this.fine[b] = ((this.fine[b] as number) - recordHash(id, incarnation, suspect)) >>> 0
    this.changedAt[b] = now
  }

  /** The digest at `k` buckets (a valid count): sums of consecutive fine buckets. */
  coarse(k: number): number[] {
    const width = DIGEST_BUCKETS / k
    const out = new Array<number>(k).fill(0)
    for (let i = 0; i < DIGEST_BUCKETS; i++) {
      const j = Math.floor(i / width)
      out[j] = ((out[j] as number) + (this.fine[i] as number)) >>> 0
    }
    return out
  }

  /**
   * Fine buckets whose records the sender of `theirs` should get: those inside a coarse
   * bucket that differs from ours and that have not changed since `settledBefore`. A
   * bucket that changed just now holds news still being flooded, which is why the digests
   * differ; answering would resend what the flood is delivering. Undefined when nothing is
   * to be sent.
   */
  differing(theirs: readonly number[], settledBefore = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    const mine = this.coarse(theirs.length)
    const width = DIGEST_BUCKETS / theirs.length
    let out: Uint8Array | undefined
    for (let j = 0; j < theirs.length; j++) {
      if (mine[j] === theirs[j]) continue
      for (let i = j * width; i < (j + 1) * width; i++) {
        if ((this.changedAt[i] as number) > settledBefore) continue
        out ??= new Uint8Array(DIGEST_BUCKETS)
        out[i] = 1
      }
    }
    return out
  }
}
