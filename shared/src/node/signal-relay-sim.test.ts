/**
 * Mesh-relayed signaling between composed nodes over the simulated network: a room of a
 * few hundred peers whose overlay HyParView built (and keeps repairing), signals
 * injected as the client injects them (`relay-signal`), arriving as `signal` effects.
 * Virtual time, seeded: replay with GM_SEED; GM_MESH_N=1000 for a bigger room.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { withSeed } from '../sim/seeded'
import { decodeFrame } from '../wire/codec'
import { FrameType } from '../wire/frame-type'
import type { Effect } from './effect'
import type { MeshNode } from './mesh-node'
import { activeGraphConnected, buildMesh, type Mesh } from './test-mesh'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Watch {
  /** Who sent a frame carrying each signal's data, in order. */
  carriers: Map<string, PeerId[]>
  /** Signals delivered: data → the peer it reached. */
  delivered: Map<string, PeerId>
}

/** Count every SIGNAL_RELAY frame the nodes send and every signal they deliver. */
function watched(watch: Watch) {
  return (id: PeerId, inner: MeshNode): MeshNode => ({
    id: inner.id,
    nextWakeAt: () => inner.nextWakeAt(),
    members: () => inner.members(),
    neighbors: () => inner.neighbors(),
    stats: () => inner.stats(),
    handle(now, event) {
      const effects = inner.handle(now, event)
      for (const e of effects) observe(id, e)
      return effects
    },
  })

  function observe(id: PeerId, e: Effect): void {
    if (e.type === 'signal') watch.delivered.set(decoder.decode(e.data), id)
    if (e.type !== 'send' || e.bytes[1] !== FrameType.SignalRelay) return
    const decoded = decodeFrame(e.bytes)
    if (!decoded.ok || decoded.frame.type !== 'signal-relay') return
    const data = decoder.decode(decoded.frame.data)
    const list = watch.carriers.get(data)
    if (list === undefined) watch.carriers.set(data, [id])
    else list.push(id)
  }
}

/** Send one signal and run the network until it arrives; false if it does not within 5 s. */
function signal(mesh: Mesh, watch: Watch, from: PeerId, to: PeerId, data: string): boolean {
  mesh.net.inject(from, { type: 'relay-signal', to, data: encoder.encode(data) })
  return mesh.net.runUntilTrue(() => watch.delivered.get(data) === to, 5_000, 5)
}

/** Frames that carried a signal (call once its flood, if any, is over). */
const framesOf = (watch: Watch, data: string): number => watch.carriers.get(data)?.length ?? 0

/** Hops between two peers over the active views. */
function distance(mesh: Mesh, a: PeerId, b: PeerId): number {
  const dist = new Map<PeerId, number>([[a, 0]])
  const todo = [a]
  for (let i = 0; i < todo.length; i++) {
    const id = todo[i] as PeerId
    if (id === b) return dist.get(id) as number
    for (const p of mesh.node(id).activeView())
      if (!dist.has(p)) {
        dist.set(p, (dist.get(id) as number) + 1)
        todo.push(p)
      }
  }
  return Number.POSITIVE_INFINITY
}

describe('relayed signaling in a simulated room', () => {
  it('carries whole exchanges between random pairs at about one flood each (n=300)', () =>
    withSeed((seed) => {
      const n = Number(process.env.GM_MESH_N ?? 300)
      const watch: Watch = { carriers: new Map(), delivered: new Map() }
      const mesh = buildMesh({ seed, n, joinEveryMs: 50, wrap: watched(watch) })
      mesh.net.runFor(10_000)
      expect(activeGraphConnected(mesh, mesh.liveIds())).toBe(true)

      const pairs: Array<{ k: number; hops: number }> = []
      for (let k = 0; k < 10; k++) {
        const ids = mesh.liveIds()
        const a = ids[mesh.net.random.int(ids.length)] as PeerId
        const b = ids[mesh.net.random.int(ids.length)] as PeerId
        if (a === b || mesh.node(a).activeView().includes(b)) continue
        const hops = distance(mesh, a, b)
        // An offer, the answer and two candidates back, three candidates from the initiator
        // (which the client holds until the answer came through the mesh).
        expect(signal(mesh, watch, a, b, `offer ${k}`), `offer ${a} → ${b} (${hops} hops)`).toBe(true)
        for (const [from, to, what] of [
          [b, a, 'answer'],
          [b, a, 'cand b0'],
          [b, a, 'cand b1'],
          [a, b, 'cand a0'],
          [a, b, 'cand a1'],
          [a, b, 'cand a2'],
        ] as const)
          expect(signal(mesh, watch, from, to, `${what} ${k}`), `${what} ${from} → ${to}`).toBe(true)
        pairs.push({ k, hops })
      }
      mesh.net.runFor(2_000) // the last flood dies out
      const rows = pairs.map(({ k, hops }) => ({
        hops,
        offer: framesOf(watch, `offer ${k}`),
        rest: ['answer', 'cand b0', 'cand b1', 'cand a0', 'cand a1', 'cand a2']
          .map((what) => framesOf(watch, `${what} ${k}`))
          .reduce((x, y) => x + y, 0),
      }))
      const flood = rows.reduce((s, r) => s + r.offer, 0) / rows.length
      const rest = rows.reduce((s, r) => s + r.rest, 0) / rows.length
      console.info(
        `n=${n}, ${rows.length} exchanges (1 offer + 1 answer + 5 candidates), paths ` +
          `${Math.min(...rows.map((r) => r.hops))}-${Math.max(...rows.map((r) => r.hops))} hops: ` +
          `discovery flood ${flood.toFixed(0)} frames, the other 6 signals ${rest.toFixed(1)} frames; ` +
          `${(flood + rest).toFixed(0)} per exchange vs ${(7 * flood).toFixed(0)} flooding each signal`,
      )
      expect(rows.length).toBeGreaterThanOrEqual(8)
      // An honest room never meets a flood budget.
      for (const id of mesh.liveIds()) {
        const relay = mesh.node(id).stats().relay
        expect((relay?.floodsRefused ?? 0) + (relay?.floodsRateLimited ?? 0)).toBe(0)
      }
      // After discovery a signal costs about its path, nowhere near another flood.
      for (const r of rows) expect(r.rest).toBeLessThanOrEqual(6 * (r.hops + 3))
      expect(flood + rest).toBeLessThan(0.2 * 7 * flood)
    }))

  it('recovers a route broken by a peer on it leaving', () =>
    withSeed((seed) => {
      const watch: Watch = { carriers: new Map(), delivered: new Map() }
      const mesh = buildMesh({ seed, n: 120, joinEveryMs: 50, wrap: watched(watch) })
      mesh.net.runFor(10_000)
      // The pair farthest apart from p0 (a route with peers in the middle).
      const a = 'p0'
      const b = mesh
        .liveIds()
        .reduce((best, id) => (distance(mesh, a, id) > distance(mesh, a, best) ? id : best), a)
      expect(distance(mesh, a, b)).toBeGreaterThanOrEqual(3)
      expect(signal(mesh, watch, a, b, 'offer')).toBe(true)
      expect(signal(mesh, watch, b, a, 'answer')).toBe(true)
      expect(signal(mesh, watch, a, b, 'cand 0')).toBe(true)
      mesh.net.runFor(1_000)
      expect(framesOf(watch, 'cand 0')).toBeLessThanOrEqual(10)

      // A peer in the middle of the route leaves (goodbye, then its channels close).
      const route = watch.carriers.get('cand 0') as PeerId[]
      const gone = route[Math.floor(route.length / 2)] as PeerId
      expect([a, b]).not.toContain(gone)
      mesh.net.inject(gone, { type: 'leave' })
      mesh.net.runFor(500)
      mesh.net.crash(gone)
      const cut = mesh.net.runUntilTrue(
        () => mesh.liveIds().every((id) => !mesh.node(id).neighbors().includes(gone)),
        10_000,
      )
      expect(cut).toBe(true)

      // Both ways still arrive: the first signal floods from the break and relearns routes…
      expect(signal(mesh, watch, a, b, 'cand 1')).toBe(true)
      expect(signal(mesh, watch, b, a, 'cand 2')).toBe(true)
      // …after which the exchange is routed again.
      expect(signal(mesh, watch, a, b, 'cand 3')).toBe(true)
      mesh.net.runFor(1_000)
      expect(framesOf(watch, 'cand 1')).toBeGreaterThan(10)
      expect(framesOf(watch, 'cand 3')).toBeLessThanOrEqual(10)
      expect(watch.carriers.get('cand 3')).not.toContain(gone)
    }))
})
