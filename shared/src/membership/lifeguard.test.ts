import { describe, expect, it } from 'vitest'
import {
  applyHealthDelta,
  failedProbeHealthDelta,
  retransmitLimit,
  scaleByHealth,
  suspicionBounds,
  suspicionTimeoutMs,
} from './lifeguard'

describe('suspicionBounds', () => {
  it.each([
    // n, mult, maxMult, interval, min, max
    [1, 4, 6, 1_000, 4_000, 24_000],
    [9, 4, 6, 1_000, 4_000, 24_000],
    [99, 4, 6, 1_000, 8_000, 48_000],
    [999, 4, 6, 1_000, 12_000, 72_000],
    [9_999, 4, 6, 1_000, 16_000, 96_000],
    [300, 4, 6, 500, 4_957, 29_742],
  ])('n=%i mult=%i maxMult=%i interval=%i → [%i, %i]', (n, mult, maxMult, interval, min, max) => {
    expect(suspicionBounds(n, mult, maxMult, interval)).toEqual({ minMs: min, maxMs: max })
  })
})

describe('suspicionTimeoutMs', () => {
  it.each([
    // confirmations, expected, min, max → timeout
    [0, 2, 10_000, 60_000, 60_000],
    [1, 2, 10_000, 60_000, 28_453],
    [2, 2, 10_000, 60_000, 10_000],
    [5, 2, 10_000, 60_000, 10_000],
    [0, 0, 10_000, 60_000, 10_000],
    [3, 0, 10_000, 60_000, 10_000],
  ])('c=%i k=%i in [%i, %i] → %i', (c, k, min, max, expected) => {
    expect(suspicionTimeoutMs(c, k, min, max)).toBe(expected)
  })

  it('never grows with more confirmations', () => {
    let last = Number.POSITIVE_INFINITY
    for (let c = 0; c < 10; c++) {
      const t = suspicionTimeoutMs(c, 3, 5_000, 30_000)
      expect(t).toBeLessThanOrEqual(last)
      last = t
    }
  })
})

describe('retransmitLimit', () => {
  it.each([
    [4, 0, 0],
    [4, 1, 4],
    [4, 9, 4],
    [4, 10, 8],
    [4, 300, 12],
    [4, 10_000, 20],
    [3, 100, 9],
  ])('mult=%i n=%i → %i', (mult, n, expected) => {
    expect(retransmitLimit(mult, n)).toBe(expected)
  })
})

describe('local health', () => {
  it.each([
    // score, delta, max → score
    [0, 1, 8, 1],
    [0, -1, 8, 0],
    [6, 3, 8, 7],
    [7, 1, 8, 7],
    [3, -1, 8, 2],
    [0, 5, 1, 0],
  ])('%i %+i (max %i) → %i', (score, delta, max, expected) => {
    expect(applyHealthDelta(score, delta, max)).toBe(expected)
  })

  it.each([
    [500, 0, 500],
    [500, 1, 1_000],
    [1_000, 7, 8_000],
  ])('scaleByHealth(%i, %i) = %i', (t, score, expected) => {
    expect(scaleByHealth(t, score)).toBe(expected)
  })

  it.each([
    [0, 0, 1],
    [3, 0, 3],
    [3, 2, 1],
    [3, 3, 0],
    [3, 5, 0],
  ])('failed probe with %i expected and %i received nacks → %i', (expected, got, delta) => {
    expect(failedProbeHealthDelta(expected, got)).toBe(delta)
  })
})
