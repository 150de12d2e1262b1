import { describe, expect, it } from 'vitest'
import { PLUMTREE_DEFAULTS } from '../broadcast/plumtree-options'
import { activeGraphConnected, buildMesh } from '../node/test-mesh'
import { withSeed } from '../sim/seeded'
import { HYPARVIEW_DEFAULTS, resolveHyParViewOptions } from './hyparview-options'

describe('HyParView overlay', () => {
  it('after churn (a quarter crashes, as many join) the active graph is connected and every view is within the cap', () =>
    withSeed((seed) => {
      const mesh = buildMesh({ seed, n: 120, loss: 0.05 })
      mesh.net.runFor(5_000)
      const victims = mesh.net.random.sample(mesh.ids(), 30)
      for (const [i, v] of victims.entries()) {
        mesh.net.crash(v)
        mesh.join(`late${i}`)
        mesh.net.runFor(300)
      }
      mesh.net.runFor(60_000)
      const live = mesh.liveIds()
      // The broadcast tree's root keeps `rootLinks` more (root-links.ts): any peer that
      // believes it is the root is checked apart.
      const isRoot = (id: string) => mesh.node(id).treePosition()?.root === id
      const sizes = live.filter((id) => !isRoot(id)).map((id) => mesh.node(id).activeView().length)
      console.info(
        `n=120 after churn: active view mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(2)}, min ${Math.min(...sizes)}, max ${Math.max(...sizes)}`,
      )
      expect(activeGraphConnected(mesh, live), `connected (seed ${seed})`).toBe(true)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(HYPARVIEW_DEFAULTS.maxActiveView)
      for (const root of live.filter(isRoot))
        expect(mesh.node(root).activeView().length).toBeLessThanOrEqual(
          HYPARVIEW_DEFAULTS.maxActiveView + PLUMTREE_DEFAULTS.rootLinks,
        )
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1)
      // Active views are symmetric: a link is in both ends' views.
      for (const id of live)
        for (const p of mesh.node(id).activeView()) expect(mesh.node(p).activeView()).toContain(id)
      // No view still holds a crashed peer, and passive views are being filled by shuffles.
      const dead = new Set(victims)
      for (const id of live)
        expect(
          mesh
            .node(id)
            .activeView()
            .filter((p) => dead.has(p)),
        ).toEqual([])
      const passive = live.map((id) => mesh.node(id).passiveView().length)
      expect(passive.reduce((a, b) => a + b, 0) / passive.length).toBeGreaterThan(10)
    }))

  it('rejects bad options naming the field', () => {
    expect(() => resolveHyParViewOptions({ activeViewSize: 5, maxActiveView: 4 })).toThrow(/maxActiveView/)
    expect(() => resolveHyParViewOptions({ passiveRandomWalkLength: 9 })).toThrow(/passiveRandomWalkLength/)
    expect(resolveHyParViewOptions({ activeViewSize: 8 }).maxActiveView).toBe(10)
  })
})
