import { describe, expect, it } from 'vitest'
import { RootLinks } from './root-links'

describe('RootLinks', () => {
  it('grants the extra slots after being the root for growMs, keeps them holdMs after', () => {
    const links = new RootLinks(16, 10_000, 60_000)
    expect(links.slots(0, true)).toBe(0) // a joiner is the root of its own tree for a moment
    expect(links.slots(9_999, true)).toBe(0)
    expect(links.slots(10_000, true)).toBe(16)
    expect(links.slots(11_000, false)).toBe(16)
    expect(links.slots(70_999, false)).toBe(16)
    expect(links.slots(71_000, false)).toBe(0)
    // Root again: the wait starts over.
    expect(links.slots(72_000, true)).toBe(0)
    expect(links.slots(82_000, true)).toBe(16)
  })

  it('a root that loses the role for less than holdMs, again and again, keeps its slots', () => {
    const links = new RootLinks(16, 10_000, 60_000)
    links.slots(0, true)
    expect(links.slots(10_000, true)).toBe(16)
    for (let t = 20_000; t < 300_000; t += 60_000) {
      expect(links.slots(t, false)).toBe(16) // a lower id is back for 30 s…
      expect(links.slots(t + 30_000, true)).toBe(16) // …and gone again
    }
  })
})
