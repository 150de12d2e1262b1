import { describe, expect, it } from 'vitest'
import { buildMesh } from '../node/test-mesh'
import { withSeed } from '../sim/seeded'

/** Seeded SWIM + Lifeguard behaviour of the composed node over the simulated network. */
describe('membership over the overlay', () => {
  it('a crashed peer becomes dead in every live view; no live peer is declared dead', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 80, loss: 0.05 })
      mesh.net.runFor(10_000)
      const victim = 'p17'
      const crashedAt = mesh.net.now
      mesh.net.crash(victim)
      const others = mesh.liveIds()
      const done = () => others.every((v) => mesh.stateIn(v, victim) === 'dead')
      expect(mesh.net.runUntilTrue(done, 60_000), `dead everywhere (seed ${seed})`).toBe(true)
      const deaths = mesh.changes
        .filter((c) => c.subject === victim && c.state === 'dead')
        .map((c) => c.at - crashedAt)
      console.info(
        `n=80 loss=5%: crash seen dead by all in ${Math.max(...deaths).toFixed(0)} ms (first ${Math.min(...deaths).toFixed(0)} ms)`,
      )
      const falseDead = mesh.changes.filter((c) => c.state === 'dead' && c.subject !== victim)
      expect(falseDead, 'no live peer declared dead').toEqual([])
    }))

  it('a peer that leaves shows as left everywhere, and is never taken for dead', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 50 })
      mesh.net.runFor(5_000)
      mesh.net.inject('p9', { type: 'leave' })
      const others = mesh.liveIds().filter((id) => id !== 'p9')
      expect(
        mesh.net.runUntilTrue(() => others.every((v) => mesh.stateIn(v, 'p9') === 'left'), 10_000),
        `left everywhere (seed ${seed})`,
      ).toBe(true)
      mesh.net.runFor(20_000)
      expect(others.every((v) => mesh.stateIn(v, 'p9') === 'left')).toBe(true)
      // The overlay let go of it: nobody keeps a channel to a peer that left.
      expect(others.filter((v) => mesh.node(v).neighbors().includes('p9'))).toEqual([])
    }))

  it('metadata spreads to every member with a new incarnation', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 60, loss: 0.05 })
      mesh.net.runFor(5_000)
      const meta = new TextEncoder().encode('{"name":"Ada","status":"typing"}')
      mesh.net.inject('p4', { type: 'set-meta', meta })
      const seen = (v: string) => {
        const m = mesh.node(v).member('p4')
        return m !== undefined && new TextDecoder().decode(m.meta) === '{"name":"Ada","status":"typing"}'
      }
      expect(
        mesh.net.runUntilTrue(() => mesh.liveIds().every(seen), 10_000),
        `meta everywhere (seed ${seed})`,
      ).toBe(true)
      expect(mesh.node('p0').member('p4')?.version).toBeGreaterThan(1)
    }))

  it('metadata over the cap is refused as a usage error', () => {
    const mesh = buildMesh({ seed: 1, n: 2 })
    expect(() => mesh.net.inject('p0', { type: 'set-meta', meta: new Uint8Array(513) })).toThrow(
      /maxMetaBytes/,
    )
  })

  it('a peer cut off for a while is suspected, refutes on its return, and is never dead', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 60 })
      mesh.net.runFor(5_000)
      const ids = mesh.ids()
      const lonely = 'p23'
      // Shorter than the suspicion timeout (≥ 4·log10(61)·1 s ≈ 7 s), longer than a probe.
      mesh.net.partition([[lonely], ids.filter((id) => id !== lonely)])
      const suspected = () => mesh.changes.some((c) => c.subject === lonely && c.state === 'suspect')
      expect(mesh.net.runUntilTrue(suspected, 5_000), `suspected (seed ${seed})`).toBe(true)
      mesh.net.heal()
      const refuted = () => mesh.liveIds().every((v) => v === lonely || mesh.stateIn(v, lonely) === 'alive')
      expect(mesh.net.runUntilTrue(refuted, 20_000), `refuted (seed ${seed})`).toBe(true)
      expect(mesh.node(lonely).stats().membership?.refutations).toBeGreaterThan(0)
      expect(mesh.node('p0').member(lonely)?.version).toBeGreaterThan(1)
      expect(mesh.changes.filter((c) => c.state === 'dead')).toEqual([])
    }))

  it('with 20% of peers stalling 2 s at a time, no live peer is declared dead and stalled peers accuse no one', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 60, loss: 0.05 })
      mesh.net.runFor(5_000)
      const ids = mesh.ids()
      const stallers = ids.filter((_, i) => i % 5 === 0)
      const accusationsBefore = stallers.map((id) => mesh.node(id).stats().membership?.accusations ?? 0)
      for (let round = 0; round < 10; round++) {
        for (const id of stallers) mesh.net.stall(id, 2_000)
        mesh.net.runFor(3_000)
      }
      mesh.net.runFor(10_000)
      expect(
        mesh.changes.filter((c) => c.state === 'dead'),
        `no false dead (seed ${seed})`,
      ).toEqual([])
      const accusations = stallers.map(
        (id, i) => (mesh.node(id).stats().membership?.accusations ?? 0) - (accusationsBefore[i] ?? 0),
      )
      expect(
        accusations.every((a) => a === 0),
        `stalled peers accused: ${accusations}`,
      ).toBe(true)
      const missed = stallers.map((id) => mesh.node(id).stats().membership?.missedDeadlines ?? 0)
      expect(
        missed.every((m) => m > 0),
        'each stalled peer noticed it ran late',
      ).toBe(true)
      // And the room knows they are alive.
      for (const s of stallers) expect(mesh.stateIn('p1', s)).toBe('alive')
    }))
})
