import { describe, expect, it } from 'vitest'
import type { Effect } from '../node/effect'
import { buildMesh } from '../node/test-mesh'
import { withSeed } from '../sim/seeded'
import { FrameType } from '../wire/frame-type'

describe('Plumtree broadcast', () => {
  it('settles into a tree: about one payload frame per receiver per broadcast (n=150)', () =>
    withSeed((seed) => {
      // n=150 keeps CI fast; GM_MESH_N=300 reproduces the figures quoted in PROTOCOL.md.
      const n = Number(process.env.GM_MESH_N ?? 150)
      const mesh = buildMesh({ seed, n, joinEveryMs: 50 })
      mesh.net.runFor(10_000)
      // The first broadcasts flood every link and prune the redundant ones.
      for (let i = 0; i < 3; i++) mesh.write(`p${i * 7}`)
      mesh.net.runFor(5_000)
      const ratios: number[] = []
      const latencies: number[] = []
      for (let i = 0; i < 5; i++) {
        mesh.payloadFrames.update = 0
        const origin = `p${(i * 53) % n}`
        const seq = mesh.write(origin)
        const start = mesh.net.now
        expect(
          mesh.net.runUntilTrue(() => mesh.allHave(origin, seq), 10_000, 10),
          `delivered (seed ${seed})`,
        ).toBe(true)
        latencies.push(mesh.net.now - start)
        mesh.net.runFor(3_000)
        ratios.push(mesh.payloadFrames.update / (n - 1))
      }
      console.info(
        `n=${n} loss=0: payload copies per broadcast / (N-1) = ${ratios.map((r) => r.toFixed(3)).join(', ')}; all delivered in ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`,
      )
      // Below the 1.2 target; above 1 only while overlay repairs add fresh eager links.
      for (const r of ratios) expect(r).toBeLessThan(1.15)
    }))

  it('GRAFT repairs a lost eager push, before anti-entropy would', () =>
    withSeed((seed) => {
      // Every eager push of the next message toward the victim is lost, as on lossy links,
      // until the victim asks for it with a GRAFT; the answer to that GRAFT gets through.
      const victim = 'p20'
      let shielding = false
      let lost = 0
      const mesh = buildMesh({
        seed,
        n: 40,
        // Anti-entropy out of the way: only Plumtree can repair.
        options: { antiEntropyIntervalMs: 3_600_000 },
        wrap: (id, node) => ({
          ...node,
          id,
          nextWakeAt: () => node.nextWakeAt(),
          members: () => node.members(),
          neighbors: () => node.neighbors(),
          stats: () => node.stats(),
          handle(now, event) {
            const effects = node.handle(now, event)
            if (!shielding) return effects
            if (id === victim) {
              if (effects.some((e: Effect) => e.type === 'send' && e.bytes[1] === FrameType.Graft))
                shielding = false
              return effects
            }
            return effects.filter((e: Effect) => {
              const drop = e.type === 'send' && e.to === victim && e.bytes[1] === FrameType.Update
              if (drop) lost++
              return !drop
            })
          },
        }),
      })
      mesh.net.runFor(10_000)
      mesh.write('p0')
      mesh.net.runFor(5_000)
      const graftsBefore = mesh.node(victim).stats().broadcast?.graftsSent ?? 0
      shielding = true
      const seq = mesh.write('p0')
      expect(
        mesh.net.runUntilTrue(() => mesh.allHave('p0', seq), 5_000),
        `repaired (seed ${seed})`,
      ).toBe(true)
      expect(lost, 'at least one eager push toward the victim was lost').toBeGreaterThan(0)
      expect(mesh.node(victim).stats().broadcast?.graftsSent ?? 0).toBeGreaterThan(graftsBefore)
    }))

  it('delivers every broadcast at 10% frame loss', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 100, loss: 0.1 })
      mesh.net.runFor(10_000)
      const writes = Array.from({ length: 10 }, (_, i) => {
        const origin = `p${(i * 13) % 100}`
        return { origin, seq: mesh.write(origin) }
      })
      const all = () => writes.every((w) => mesh.allHave(w.origin, w.seq))
      expect(mesh.net.runUntilTrue(all, 15_000), `all delivered (seed ${seed})`).toBe(true)
    }))

  it('at 10% frame loss, repairs follow the tree: every node gets every broadcast, about one push per receiver', () =>
    withSeed((seed) => {
      const n = 100
      const mesh = buildMesh({ seed, n, loss: 0.1 })
      mesh.net.runFor(10_000)
      // The first broadcast floods every link and prunes the redundant ones.
      mesh.write('p0')
      mesh.net.runFor(5_000)
      mesh.payloadFrames.update = 0
      mesh.payloadFrames.diff = 0
      // A busy room: a broadcast every 250 ms from changing origins, 20 of them.
      const writes = Array.from({ length: 20 }, (_, i) => {
        const origin = `p${(i * 37 + 11) % n}`
        const w = { origin, seq: mesh.write(origin) }
        mesh.net.runFor(250)
        return w
      })
      const all = () => writes.every((w) => mesh.allHave(w.origin, w.seq))
      expect(mesh.net.runUntilTrue(all, 10_000), `all delivered (seed ${seed})`).toBe(true)
      mesh.net.runFor(3_000)
      const pushes = mesh.payloadFrames.update / writes.length / (n - 1)
      const diffs = mesh.payloadFrames.diff / writes.length / (n - 1)
      console.info(
        `n=${n} loss=0.1: Update frames per broadcast / (N-1) = ${pushes.toFixed(3)}, SyncDiff ${diffs.toFixed(3)} (seed ${seed})`,
      )
      // 1/0.9 = 1.11 is the floor (a lost frame is paid for). Seeds 1-8 measured
      // 1.13-1.36; grafting a random announcer on a timer, which made it a tree link at
      // every lost frame (the paper's repair), measured 1.60-1.63 here.
      expect(pushes, `Update copies per broadcast (seed ${seed})`).toBeLessThan(1.45)
    }))

  it('anti-entropy heals a long partition; each side takes the other back from the dead', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 40 })
      mesh.net.runFor(5_000)
      const ids = mesh.ids()
      const left = ids.slice(0, 20)
      const right = ids.slice(20)
      mesh.net.partition([left, right])
      // Long enough for each side to declare the other dead: without confirmations from
      // across the cut, Lifeguard's timeout stays near its maximum (6 × 4·log10(41) s ≈ 39 s).
      mesh.net.runFor(60_000)
      expect(mesh.stateIn('p0', 'p30')).toBe('dead')
      const writes = ids.map((id) => ({ id, seq: mesh.write(id) }))
      mesh.net.runFor(2_000)
      expect(writes.every((w) => mesh.allHave(w.id, w.seq))).toBe(false)
      mesh.net.heal()
      const converged = () => writes.every((w) => mesh.allHave(w.id, w.seq))
      expect(mesh.net.runUntilTrue(converged, 60_000), `data converged (seed ${seed})`).toBe(true)
      const allAlive = () => ids.every((v) => ids.every((s) => mesh.stateIn(v, s) === 'alive'))
      expect(mesh.net.runUntilTrue(allAlive, 60_000), `membership healed (seed ${seed})`).toBe(true)
    }))
})
