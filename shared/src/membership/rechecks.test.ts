import { describe, expect, it } from 'vitest'
import { buildMesh } from '../node/test-mesh'
import { withSeed } from '../sim/seeded'
import { Rechecks } from './rechecks'

const plan = { pings: 3, spacingMs: 250, windowMs: 1_000 }

describe('Rechecks', () => {
  it('pings at once and every spacing, then fails the peer when the window closes in silence', () => {
    const r = new Rechecks(4)
    expect(r.start(0, 'b', plan)).toBe(true)
    expect(r.due(0)).toEqual({ ping: ['b'], failed: [] })
    expect(r.nextAt()).toBe(250)
    expect(r.due(250)).toEqual({ ping: ['b'], failed: [] })
    expect(r.due(500)).toEqual({ ping: ['b'], failed: [] })
    // Three pings sent: nothing more until the window closes.
    expect(r.nextAt()).toBe(1_000)
    expect(r.due(999)).toEqual({ ping: [], failed: [] })
    expect(r.due(1_000)).toEqual({ ping: [], failed: ['b'] })
    expect(r.size).toBe(0)
  })

  it('anything heard from the peer clears it; a peer that left the view is dropped unjudged', () => {
    const r = new Rechecks(4)
    r.start(0, 'b', plan)
    r.start(0, 'c', plan)
    r.due(0)
    r.heard('b')
    r.drop('c')
    expect(r.due(5_000)).toEqual({ ping: [], failed: [] })
    expect(r.nextAt()).toBe(Number.POSITIVE_INFINITY)
  })

  it('is bounded: past `max`, and with no pings planned, the caller judges at once', () => {
    const r = new Rechecks(2)
    expect(r.start(0, 'a', plan)).toBe(true)
    expect(r.start(0, 'b', plan)).toBe(true)
    expect(r.start(0, 'c', plan)).toBe(false)
    // A second failure of a peer already rechecked joins the running recheck.
    expect(r.start(10, 'a', plan)).toBe(true)
    expect(r.size).toBe(2)
    expect(new Rechecks(2).start(0, 'a', { ...plan, pings: 0 })).toBe(false)
  })
})

describe('rechecks over the simulated overlay', () => {
  /** Suspicions raised by live peers' own probes (not relayed news) in a quiet room at 10% loss. */
  const falseAccusations = (seed: number, recheckPings: number) => {
    const mesh = buildMesh({ seed, n: 150, loss: 0.1, options: { recheckPings } })
    mesh.net.runFor(30_000)
    const before = mesh.ids().map((id) => mesh.node(id).stats().membership?.accusations ?? 0)
    const suspectBefore = mesh.changes.filter((c) => c.state === 'suspect').length
    mesh.net.runFor(30_000)
    const accusations = mesh
      .ids()
      .reduce(
        (sum, id, i) => sum + (mesh.node(id).stats().membership?.accusations ?? 0) - (before[i] ?? 0),
        0,
      )
    const suspectViews = mesh.changes.filter((c) => c.state === 'suspect').length - suspectBefore
    return { accusations, suspectViews, dead: mesh.changes.filter((c) => c.state === 'dead').length }
  }

  it('at 10% frame loss, live neighbours are (almost) never suspected, so no suspicion floods the room', () =>
    withSeed((seed) => {
      const without = falseAccusations(seed, 0)
      const withRechecks = falseAccusations(seed, 3)
      console.info(
        `n=150 loss=10%, 30 s steady: accusations ${without.accusations} → ${withRechecks.accusations}, ` +
          `suspect views ${without.suspectViews} → ${withRechecks.suspectViews} (seed ${seed})`,
      )
      // Without rechecks, a failed probe (ping, second ping and helpers all unlucky) floods
      // a suspicion every few seconds; with them, one in ~150 of those survives.
      expect(without.accusations, `the baseline accuses (seed ${seed})`).toBeGreaterThanOrEqual(10)
      expect(withRechecks.accusations, `rechecks keep accusations rare (seed ${seed})`).toBeLessThanOrEqual(
        Math.max(1, Math.floor(without.accusations / 10)),
      )
      expect(withRechecks.dead, `no live peer declared dead (seed ${seed})`).toBe(0)
    }))
})
