import { describe, expect, it } from 'vitest'
import { BroadcastQueue } from './broadcast-queue'
import { alive } from './test-records'

describe('BroadcastQueue', () => {
  it('sends each update `limit` times, then forgets it', () => {
    const q = new BroadcastQueue()
    q.enqueue(alive('a'))
    const sends = [1, 2, 3, 4].map(() => q.take(1_000, 3).length)
    expect(sends).toEqual([1, 1, 1, 0])
    expect(q.size).toBe(0)
  })

  it('hands out the least-transmitted updates first', () => {
    const q = new BroadcastQueue()
    q.enqueue(alive('a'))
    q.take(1_000, 10)
    q.enqueue(alive('b'))
    expect(q.take(1_000, 10, 1).map((u) => u.id)).toEqual(['b'])
    expect(q.take(1_000, 10, 1).map((u) => u.id)).toEqual(['a'])
  })

  it('keeps one update per member: newer news replaces older and resets its count', () => {
    const q = new BroadcastQueue()
    q.enqueue(alive('a', 1))
    q.take(1_000, 2)
    q.enqueue({ ...alive('a', 2), state: 'suspect', from: 'b' })
    expect(q.size).toBe(1)
    expect(q.take(1_000, 2)).toMatchObject([{ id: 'a', state: 'suspect', incarnation: 2 }])
    expect(q.take(1_000, 2)).toHaveLength(1)
    expect(q.take(1_000, 2)).toHaveLength(0)
  })

  it('respects the byte budget but always sends at least one update', () => {
    const q = new BroadcastQueue()
    for (let i = 0; i < 100; i++) q.enqueue(alive(`member-${i}`))
    const batch = q.take(100, 5)
    expect(batch.length).toBeGreaterThan(1)
    expect(batch.length).toBeLessThan(10)
    expect(q.take(1, 5)).toHaveLength(1)
  })

  it('after many replacements, hands out each member once, newest news, in the order it was queued', () => {
    const q = new BroadcastQueue()
    for (let round = 1; round <= 3; round++) for (let i = 0; i < 200; i++) q.enqueue(alive(`m${i}`, round))
    // Replaced news at a higher transmit count leaves its bucket too.
    q.take(100_000, 5, 50)
    for (let i = 0; i < 50; i++) q.enqueue(alive(`m${i}`, 9))
    expect(q.size).toBe(200)
    const batch = q.take(100_000, 5)
    expect(batch.map((u) => u.id)).toEqual([
      ...Array.from({ length: 150 }, (_, i) => `m${i + 50}`),
      ...Array.from({ length: 50 }, (_, i) => `m${i}`),
    ])
    expect(batch.map((u) => u.incarnation)).toEqual([...Array(150).fill(3), ...Array(50).fill(9)])
    expect(q.take(100_000, 5)).toHaveLength(200)
  })
})
