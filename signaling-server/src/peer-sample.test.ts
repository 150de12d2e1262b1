import { seededRandom } from '@gossip-mesh/shared/random'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sampleIndices } from './peer-sample'

describe('sampleIndices', () => {
  it.each([
    [0, 8, -1, []],
    [1, 8, 0, []],
    [3, 8, -1, [0, 1, 2]],
    [3, 8, 1, [0, 2]],
    [5, 0, -1, []],
  ])('size %i, count %i, skip %i → %j', (size, count, skip, expected) => {
    expect(sampleIndices(size, count, Math.random, skip).sort()).toEqual(expected)
  })

  it('returns min(count, size - skipped) distinct in-range indices, never the skipped one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer(),
        (size, count, seed) => {
          const random = seededRandom(seed)
          const skip = size === 0 ? -1 : random.int(size)
          const got = sampleIndices(size, count, () => random.next(), skip)
          expect(got).toHaveLength(Math.min(count, Math.max(0, size - 1)))
          expect(new Set(got).size).toBe(got.length)
          for (const i of got) {
            expect(i).toBeGreaterThanOrEqual(0)
            expect(i).toBeLessThan(size)
            expect(i).not.toBe(skip)
          }
        },
      ),
    )
  })

  it('draws every index about equally often', () => {
    const random = seededRandom(7)
    const hits = new Array(10).fill(0)
    for (let round = 0; round < 5000; round++)
      for (const i of sampleIndices(10, 3, () => random.next())) hits[i]++
    // Each index is drawn with probability 3/10: expect 1500 ± 10%.
    for (const h of hits) expect(Math.abs(h - 1500)).toBeLessThan(150)
  })
})
