import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SmallMap } from './small-map'

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)

describe('SmallMap', () => {
  it('behaves like a Map under any sequence of set, delete and clear', () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), fc.constantFrom('a', 'b', 'c', 'd'), fc.nat(9)),
      fc.tuple(fc.constant('delete' as const), fc.constantFrom('a', 'b', 'c', 'd'), fc.constant(0)),
      fc.tuple(fc.constant('clear' as const), fc.constant(''), fc.constant(0)),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const small = new SmallMap<string, number>()
        const map = new Map<string, number>()
        for (const [kind, key, value] of ops) {
          if (kind === 'set') {
            small.set(key, value)
            map.set(key, value)
          } else if (kind === 'delete') expect(small.delete(key)).toBe(map.delete(key))
          else {
            small.clear()
            map.clear()
          }
          expect(small.size).toBe(map.size)
          expect([...small]).toEqual([...map])
          for (const k of ['a', 'b', 'c', 'd']) {
            expect(small.get(k)).toBe(map.get(k))
            expect(small.has(k)).toBe(map.has(k))
          }
        }
      }),
      { seed, numRuns: 300 },
    )
  })

  it('lets a loop delete the entries it visits', () => {
    const small = new SmallMap<string, number>().set('a', 1).set('b', 2).set('c', 3)
    const seen: string[] = []
    for (const [k] of small) {
      seen.push(k)
      small.delete(k)
    }
    expect(seen).toEqual(['a', 'b', 'c'])
    expect(small.size).toBe(0)
  })
})
