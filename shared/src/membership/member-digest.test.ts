import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  asksOf,
  bucketOf,
  bucketsFor,
  coarseCount,
  idHash,
  MemberDigest,
  maskOf,
  refines,
  subBucketOf,
} from './member-digest'

/** A digest of `ids` at incarnation 1. */
function digestOf(ids: readonly string[]): MemberDigest {
  const d = new MemberDigest()
  for (const id of ids) d.add(0, idHash(id), 1)
  return d
}

const room = Array.from({ length: 3_000 }, (_, i) => `p${i}`)

describe('member digest refinement', () => {
  it('the sub-buckets that differ are exactly those of the members one side lacks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: room.length - 1 }), { maxLength: 40 }), (gone) => {
        const lacking = new Set(gone.map((i) => room[i] as string))
        const full = digestOf(room)
        const partial = digestOf(room.filter((id) => !lacking.has(id)))
        const fine = full.differing(partial.coarse(bucketsFor(room.length)))
        if (lacking.size === 0) {
          expect(fine).toBeUndefined()
          return
        }
        if (fine === undefined) throw new Error('digests equal while members differ')
        const mask = partial.refineDiffering(full.refinement(fine))
        const expected = new Set([...lacking].map((id) => subBucketOf(idHash(id))))
        const got = new Set<number>()
        mask?.forEach((v, i) => {
          if (v === 1) got.add(i)
        })
        expect(got).toEqual(expected)
        // Asks carry the same sub-buckets.
        expect(maskOf(asksOf(mask as Uint8Array))).toEqual(mask)
      }),
      { numRuns: 50 },
    )
  })

  it('a suspicion or a new incarnation makes its sub-bucket differ', () => {
    const a = digestOf(room)
    const b = digestOf(room)
    const h = idHash('p42')
    b.remove(0, h, 1)
    b.add(0, h, 1, true)
    const fine = a.differing(b.coarse(256)) as Uint8Array
    const mask = b.refineDiffering(a.refinement(fine)) as Uint8Array
    expect(asksOf(mask)).toEqual([{ bucket: bucketOf(h), subs: 1 << (subBucketOf(h) & 15) }])
  })

  it('our records in buckets changed since `settledBefore` are not pushed, but still asked for', () => {
    const a = digestOf(room)
    const b = digestOf(room.slice(1))
    const fine = a.differing(b.coarse(256)) as Uint8Array
    const mask = b.refineDiffering(a.refinement(fine)) as Uint8Array
    const s = subBucketOf(idHash('p0'))
    expect(mask[s]).toBe(1)
    expect(b.settled(mask, 0)[s]).toBe(1)
    b.add(5_000, idHash('p0') ^ 1, 1) // same fine bucket, changed at 5 s
    expect(b.settled(mask, 4_000)[s]).toBe(0)
    expect(b.settled(mask, 5_000)[s]).toBe(1)
  })

  it('refines a spread answer, not a one-bucket answer', () => {
    expect(refines(40, 1)).toBe(false) // a one-member gap at 10,000 members: one round trip
    expect(refines(65, 1)).toBe(true)
    expect(refines(16, 3)).toBe(false)
    expect(refines(17, 2)).toBe(true)
    const fine = new Uint8Array(256)
    fine[3] = fine[4] = fine[200] = 1
    expect(coarseCount(fine, 256)).toBe(3)
    expect(coarseCount(fine, 32)).toBe(2)
    expect(coarseCount(fine, 1)).toBe(1)
  })
})
