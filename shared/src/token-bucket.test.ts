import { describe, expect, it } from 'vitest'
import { createBucket, takeToken } from './token-bucket'

describe('token bucket', () => {
  it.each([
    // capacity, per second, times of takes (ms), expected results
    [2, 1, [0, 0, 0], [true, true, false]],
    [2, 1, [0, 0, 0, 999, 1000], [true, true, false, false, true]],
    [1, 10, [0, 0, 100, 150, 200], [true, false, true, false, true]],
    [3, 1, [0, 0, 0, 100_000, 100_000, 100_000, 100_000], [true, true, true, true, true, true, false]],
  ])('capacity %i at %i/s', (capacity, perSecond, times, expected) => {
    const bucket = createBucket(capacity, 0)
    expect(times.map((t) => takeToken(bucket, capacity, perSecond, t))).toEqual(expected)
  })

  it('does not refill when the clock goes backwards', () => {
    const bucket = createBucket(1, 1000)
    expect(takeToken(bucket, 1, 1, 1000)).toBe(true)
    expect(takeToken(bucket, 1, 1, 0)).toBe(false)
  })
})
