import { describe, expect, it } from 'vitest'
import { type CandidateSignal, createEarlyCandidates } from './early-candidates'

const candidate = (n: number): CandidateSignal => ({
  type: 'candidate',
  candidate: { candidate: `candidate:${n} 1 UDP 1 192.0.2.1 ${5000 + n} typ host` },
})

function setup() {
  let discarded = 0
  const early = createEarlyCandidates({
    maxPeers: 2,
    maxPerPeer: 3,
    onDiscard: (n) => {
      discarded += n
    },
  })
  return { early, discarded: () => discarded }
}

describe('early candidates', () => {
  it('keeps at most maxPerPeer candidates of one attempt, and counts the rest', () => {
    const { early, discarded } = setup()
    for (let i = 0; i < 5; i++) early.hold('a', 'x', candidate(i))
    expect(early.take('a', 'x')).toEqual([candidate(0), candidate(1), candidate(2)])
    expect(discarded()).toBe(2)
    expect(early.take('a', 'x')).toEqual([])
  })

  it('holds at most maxPeers peers: the oldest entry makes way', () => {
    const { early, discarded } = setup()
    early.hold('a', 'x', candidate(1))
    early.hold('a', 'x', candidate(2))
    early.hold('b', 'y', candidate(3))
    early.hold('c', 'z', candidate(4))
    expect(discarded()).toBe(2)
    expect(early.take('a', 'x')).toEqual([])
    expect(early.take('b', 'y')).toEqual([candidate(3)])
    expect(early.take('c', 'z')).toEqual([candidate(4)])
  })

  it('gives nothing to another attempt, and clear() counts what it lets go', () => {
    const { early, discarded } = setup()
    early.hold('a', 'x', candidate(1))
    expect(early.take('a', 'y')).toEqual([])
    expect(discarded()).toBe(1)
    early.hold('b', 'y', candidate(2))
    early.clear()
    expect(discarded()).toBe(2)
    expect(early.take('b', 'y')).toEqual([])
  })

  it("keeps a late candidate of an abandoned attempt from evicting the next attempt's", () => {
    const { early, discarded } = setup()
    early.hold('a', 'new', candidate(1))
    early.hold('a', 'old', candidate(2)) // overtaken on its way through the mesh
    expect(early.take('a', 'new')).toEqual([candidate(1)])
    expect(discarded()).toBe(1)
  })
})
