import { describe, expect, it } from 'vitest'
import { MAX_REFUSED, REFUSED_FOR_MS, RefusedPeers } from './refused-peers'

describe('RefusedPeers', () => {
  it('holds a peer back for REFUSED_FOR_MS, until it takes us in, and remembers at most MAX_REFUSED', () => {
    const r = new RefusedPeers()
    r.note(0, 'a')
    expect(r.blocks(REFUSED_FOR_MS - 1, 'a')).toBe(true)
    expect(r.blocks(REFUSED_FOR_MS, 'a')).toBe(false)
    r.clear('a')
    expect(r.blocks(1, 'a')).toBe(false)
    // A re-noted peer is held from its latest refusal.
    r.note(0, 'b')
    r.note(20_000, 'b')
    expect(r.blocks(REFUSED_FOR_MS + 1, 'b')).toBe(true)
    for (let i = 0; i < 2 * MAX_REFUSED; i++) r.note(1_000 + i, `p${i}`)
    expect(r.size).toBe(MAX_REFUSED)
    // The oldest went first.
    expect(r.blocks(2_000, 'p0')).toBe(false)
    expect(r.blocks(2_000, `p${2 * MAX_REFUSED - 1}`)).toBe(true)
    // Expired entries go at the next note.
    r.note(10 * REFUSED_FOR_MS, 'z')
    expect(r.size).toBe(1)
  })
})
