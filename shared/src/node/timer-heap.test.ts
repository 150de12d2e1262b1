import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TimerHeap } from './timer-heap'

describe('TimerHeap', () => {
  it('pops due timers in deadline order and keeps the rest', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000), { maxLength: 200 }), fc.nat(1_000), (deadlines, now) => {
        const heap = new TimerHeap<number>()
        for (const [i, at] of deadlines.entries()) heap.push(at, i)
        const due = heap.popDue(now)
        const expected = deadlines.filter((at) => at <= now).sort((a, b) => a - b)
        expect(due.map((i) => deadlines[i])).toEqual(expected)
        expect(heap.size).toBe(deadlines.length - expected.length)
        expect(heap.peek()).toBe(Math.min(...deadlines.filter((at) => at > now), Number.POSITIVE_INFINITY))
      }),
    )
  })
})
