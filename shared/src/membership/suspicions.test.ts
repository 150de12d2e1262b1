import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { suspicionBounds, suspicionTimeoutMs } from './lifeguard'
import { Suspicions } from './suspicions'
import { resolveSwimOptions } from './swim-options'

const o = resolveSwimOptions({})
const LIVE = 50
const { minMs, maxMs } = suspicionBounds(LIVE, o.suspicionMult, o.suspicionMaxMult, o.probeIntervalMs)
const K = o.suspicionMult - 2

/** The plain model: one record per suspect id, its accusers in a Set. */
interface Model {
  incarnation: number
  start: number
  accusers: Set<string>
}
const deadlineOf = (m: Model) => m.start + suspicionTimeoutMs(m.accusers.size - 1, K, minMs, maxMs)

type Op =
  | { kind: 'start'; id: number; accuser: number; incarnation: number }
  | { kind: 'confirm'; id: number; accuser: number }
  | { kind: 'delete'; id: number }
  | { kind: 'advance'; ms: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('start' as const),
    id: fc.nat(7),
    accuser: fc.nat(5),
    incarnation: fc.nat(3),
  }),
  fc.record({ kind: fc.constant('confirm' as const), id: fc.nat(7), accuser: fc.nat(5) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.nat(7) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: maxMs / 4 }) }),
)

describe('Suspicions', () => {
  it('expires exactly the suspicions whose Lifeguard deadline passed, once each, at their incarnation', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const s = new Suspicions(o)
        const model = new Map<string, Model>()
        let now = 0
        const expire = () => {
          const got = s.due(now, 0).map((e) => `${e.id}@${e.incarnation}`)
          const want: string[] = []
          for (const [id, m] of model)
            if (deadlineOf(m) <= now) {
              want.push(`${id}@${m.incarnation}`)
              model.delete(id)
            }
          expect(got.sort()).toEqual(want.sort())
          // As SWIM does: an expired suspicion becomes 'dead', which deletes it.
          for (const e of got) s.delete(e.split('@')[0] as string)
        }
        for (const x of ops) {
          if (x.kind === 'start') {
            s.start(now, `p${x.id}`, x.incarnation, `a${x.accuser}`, LIVE)
            model.set(`p${x.id}`, {
              incarnation: x.incarnation,
              start: now,
              accusers: new Set([`a${x.accuser}`]),
            })
          } else if (x.kind === 'confirm') {
            const m = model.get(`p${x.id}`)
            const fresh = m !== undefined && m.accusers.size <= K && !m.accusers.has(`a${x.accuser}`)
            expect(s.confirm(`p${x.id}`, `a${x.accuser}`, LIVE)).toBe(fresh)
            if (fresh) m.accusers.add(`a${x.accuser}`)
          } else if (x.kind === 'delete') {
            s.delete(`p${x.id}`)
            model.delete(`p${x.id}`)
          } else {
            now += x.ms
            expire()
          }
          for (const [id, m] of model) expect(s.deadline(id)).toBe(deadlineOf(m))
        }
        now += maxMs
        expire()
        expect(model.size).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  it('a mass crash: thousands of suspicions at once all expire, and the pool is reused afterwards', () => {
    const s = new Suspicions(o)
    for (let i = 0; i < 5_000; i++) s.start(i, `p${i}`, 1, 'a', LIVE)
    // Refuted in the meantime: never expire.
    for (let i = 0; i < 5_000; i += 2) s.delete(`p${i}`)
    const dead = s.due(5_000 + maxMs, 0)
    expect(dead.length).toBe(2_500)
    expect(dead.every((e) => Number(e.id.slice(1)) % 2 === 1 && e.incarnation === 1)).toBe(true)
    for (const e of dead) s.delete(e.id)
    expect(s.pendingTimers).toBe(0)
    // A new round after the pool was given back.
    s.start(100_000, 'q', 7, 'a', LIVE)
    expect(s.deadline('q')).toBe(100_000 + maxMs)
    expect(s.due(100_000 + maxMs, 0)).toEqual([{ id: 'q', incarnation: 7 }])
  })

  it('a refuted and suspected again member keeps one pending timer', () => {
    const s = new Suspicions(o)
    for (let t = 0; t < 100; t++) {
      s.start(t, 'p', t, 'a', LIVE)
      s.delete('p')
    }
    expect(s.pendingTimers).toBe(1)
    s.start(100, 'p', 100, 'a', LIVE)
    expect(s.due(100 + maxMs - 1, 0)).toEqual([])
    expect(s.due(100 + maxMs, 0)).toEqual([{ id: 'p', incarnation: 100 }])
  })
})
