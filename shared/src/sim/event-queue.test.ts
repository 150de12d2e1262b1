import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventQueue, type QueueTarget } from './event-queue'

describe('EventQueue', () => {
  it('runs events by time, ties in insertion order, closures and targets alike', () => {
    const q = new EventQueue()
    const ran: string[] = []
    const target: QueueTarget = { onEvent: (_k, a) => ran.push(`t${a}`) }
    q.push(10, () => ran.push('c10'))
    q.schedule(5, target, 0, 5, 0, undefined)
    q.push(5, () => ran.push('c5'))
    q.schedule(10, target, 0, 10, 0, undefined)
    q.runUntil(7)
    expect(ran).toEqual(['t5', 'c5'])
    expect(q.now).toBe(7)
    q.runUntil(100)
    expect(ran).toEqual(['t5', 'c5', 'c10', 't10'])
    expect(q.size).toBe(0)
  })

  it('never runs an event in the past: one scheduled before now runs now', () => {
    const q = new EventQueue()
    q.runUntil(50)
    let at = -1
    q.push(10, () => {
      at = q.now
    })
    q.runUntil(50)
    expect(at).toBe(50)
  })

  it('matches a stable sort by time on random schedules, with events added while running', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.boolean()), { maxLength: 3_000 }),
        (items) => {
          const q = new EventQueue()
          const ran: number[] = []
          const times: number[] = []
          items.forEach(([at, spawn], i) => {
            q.push(at, () => {
              ran.push(i)
              times.push(q.now)
              // Children far and near exercise inserts during a run, slot reuse and the wheel's far heap.
              if (spawn) q.push(q.now + (i % 2 === 0 ? 1 : 50_000), () => times.push(q.now))
            })
          })
          q.runUntil(Number.POSITIVE_INFINITY)
          const reference = items
            .map(([at], i) => ({ at, i }))
            .sort((a, b) => a.at - b.at || a.i - b.i)
            .map((x) => x.i)
          expect(ran).toEqual(reference)
          for (let k = 1; k < times.length; k++)
            expect(times[k]).toBeGreaterThanOrEqual(times[k - 1] as number)
          expect(q.size).toBe(0)
        },
      ),
      { numRuns: 30 },
    )
  })
})
