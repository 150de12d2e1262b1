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
 * A gap spread over the whole room (after a join storm peers lack ~9% of the pairs) makes
 * every fine bucket differ, and answering with their records sends nearly the whole
 * table. So each fine bucket also keeps 16 sub-bucket sums (`subBucketOf`, 4,096 in
 * all): an answerer holding many records in the differing buckets sends their sub-sums
 * instead (a refinement), and the two sides then trade only the records of the
 * sub-buckets that differ (see PROTOCOL.md, "Membership anti-entropy").
 *
 *   const d = new MemberDigest()
 *   d.add(0, idHash('p1'), 3)
 *   d.coarse(bucketsFor(1))          // → [sum]
 *   d.differing(theirs)              // → fine-bucket test for the records to send
 *   d.refinement(fine)               // → their sub-sums, for the digest's sender (when `refines`)
 *   d.refineDiffering(refinement)    // → sub-bucket test: records to trade
 */

import type { RefinedBucket, SubBucketAsk } from '../wire/frame'
import { DIGEST_SUB_BUCKETS, MAX_DIGEST_BUCKETS } from '../wire/limits'

/** Fine buckets: the top 8 bits of the id hash. */
export const DIGEST_BUCKETS = MAX_DIGEST_BUCKETS
/** Members a bucket should hold at the granularity a peer sends. */
const MEMBERS_PER_BUCKET = 16
/**
 * When an answer is refined rather than sent. A one-member gap makes one digest bucket
 * differ (~16 records below 4,096 members, ~40 at 10,000): sent at once, as before, up to
 * 64 records. Records spread over several buckets are a wider gap: refined from 16 records
 * up. A refinement costs one more round trip and ~36 bytes a fine bucket at 3,000
 * members, and then only the sub-buckets that differ are traded (~1.4 records each).
 * Measured (member-digest-sim.test.ts, seed 1, 10% of 300 members missing everywhere),
 * records sent per missing one: 17.1 without refinement, 2.45 refining above 64 records
 * only, 2.1 with this rule, 1.65 refining everything above 16 (which would cost one-member
 * gaps a round trip at 10,000 members).
 */
export function refines(records: number, digestBuckets: number): boolean {
  return records > 64 || (digestBuckets > 1 && records > 16)
}

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
  return fmix((id ^ Math.imul(incarnation * 2 + (suspect ? 1 : 0), 0x9e3779b1)) >>> 0)
}

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
function fmix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The fine bucket of an id hash. */
export function bucketOf(id: number): number {
  return id >>> 24
}

/**
 * The sub-bucket of an id hash, 0 to 4,095: fine bucket × 16 + 4 bits of the mixed hash.
 * Not FNV's next 4 bits: FNV-1a mixes its top bits poorly for short ids that differ in
 * their last characters (`p0` … `p2999` fall in 1,774 of the 4,096 cells that way, in
 * 2,109 this way; a uniform hash would fill ~2,134).
 */
export function subBucketOf(id: number): number {
  return (bucketOf(id) << 4) | (fmix(id) >>> 28)
}

/** Buckets of a `k`-bucket digest that hold a fine bucket marked in `fine` (as `differing` returns). */
export function coarseCount(fine: Uint8Array, k: number): number {
  const width = DIGEST_BUCKETS / k
  let n = 0
  for (let j = 0; j < k; j++)
    for (let i = j * width; i < (j + 1) * width; i++)
      if (fine[i] === 1) {
        n++
        break
      }
  return n
}

/** The sub-buckets marked in `mask` (4,096 entries, as `refineDiffering` returns) as asks. */
export function asksOf(mask: Uint8Array): SubBucketAsk[] {
  const out: SubBucketAsk[] = []
  for (let b = 0; b < DIGEST_BUCKETS; b++) {
    let subs = 0
    for (let i = 0; i < DIGEST_SUB_BUCKETS; i++) if (mask[b * DIGEST_SUB_BUCKETS + i] === 1) subs |= 1 << i
    if (subs !== 0) out.push({ bucket: b, subs })
  }
  return out
}

/** The sub-bucket mask that `asks` names. */
export function maskOf(asks: readonly SubBucketAsk[]): Uint8Array {
  const mask = new Uint8Array(DIGEST_BUCKETS * DIGEST_SUB_BUCKETS)
  for (const { bucket, subs } of asks)
    for (let i = 0; i < DIGEST_SUB_BUCKETS; i++)
      if ((subs >>> i) & 1) mask[bucket * DIGEST_SUB_BUCKETS + i] = 1
  return mask
}

/** The granularity a peer with `live` members sends: a power of two from 1 to 256. */
export function bucketsFor(live: number): number {
  let k = 1
  while (k < DIGEST_BUCKETS && k * MEMBERS_PER_BUCKET < live) k *= 2
  return k
}

export class MemberDigest {
  private readonly fine = new Uint32Array(DIGEST_BUCKETS)
  /** Sums by sub-bucket (`subBucketOf`): 16 KB a peer, the price of answers at a finer grain. */
  private readonly sub = new Uint32Array(DIGEST_BUCKETS * DIGEST_SUB_BUCKETS)
  /** When each fine bucket last changed: a bucket still changing holds news being flooded. */
  private readonly changedAt = new Float64Array(DIGEST_BUCKETS)

  add(now: number, id: number, incarnation: number, suspect = false): void {
    const b = bucketOf(id)
    const h = recordHash(id, incarnation, suspect)
    this.fine[b] = ((this.fine[b] as number) + h) >>> 0
    const s = subBucketOf(id)
    this.sub[s] = ((this.sub[s] as number) + h) >>> 0
    this.changedAt[b] = now
  }

  remove(now: number, id: number, incarnation: number, suspect = false): void {
    const b = bucketOf(id)
    const h = recordHash(id, incarnation, suspect)
    this.fine[b] = ((this.fine[b] as number) - h) >>> 0
    const s = subBucketOf(id)
    this.sub[s] = ((this.sub[s] as number) - h) >>> 0
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

  /** The sub-sums of the fine buckets marked in `fine` (as `differing` returns): a refinement. */
  refinement(fine: Uint8Array): RefinedBucket[] {
    const out: RefinedBucket[] = []
    for (let b = 0; b < DIGEST_BUCKETS; b++) {
      if (fine[b] !== 1) continue
      const sums = new Array<number>(DIGEST_SUB_BUCKETS)
      for (let i = 0; i < DIGEST_SUB_BUCKETS; i++) sums[i] = this.sub[b * DIGEST_SUB_BUCKETS + i] as number
      out.push({ bucket: b, sums })
    }
    return out
  }

  /**
   * Sub-buckets where a neighbour's refinement differs from ours: a mask of 4,096 entries,
   * or undefined when none differs. Bucket indices are trusted to be in range (the decoder
   * checks them). Our side's settling is `settled`'s business: the neighbour offered only
   * buckets settled on its side, and what it holds there is ours to ask for.
   */
  refineDiffering(theirs: readonly RefinedBucket[]): Uint8Array | undefined {
    let out: Uint8Array | undefined
    for (const { bucket, sums } of theirs) {
      const at = bucket * DIGEST_SUB_BUCKETS
      for (let i = 0; i < DIGEST_SUB_BUCKETS; i++) {
        if (this.sub[at + i] === sums[i]) continue
        out ??= new Uint8Array(DIGEST_BUCKETS * DIGEST_SUB_BUCKETS)
        out[at + i] = 1
      }
    }
    return out
  }

  /**
   * `mask` without the sub-buckets of fine buckets that changed since `settledBefore`:
   * our records there are news still being flooded, not ours to push (as in `differing`).
   */
  settled(mask: Uint8Array, settledBefore: number): Uint8Array {
    const out = mask.slice()
    for (let b = 0; b < DIGEST_BUCKETS; b++)
      if ((this.changedAt[b] as number) > settledBefore)
        out.fill(0, b * DIGEST_SUB_BUCKETS, (b + 1) * DIGEST_SUB_BUCKETS)
    return out
  }
}
