/**
 * Plumtree's §3.8 optimisation: the rule alone (`HopShortcuts`), what one Plumtree sends
 * when it takes a shortcut, and what a room notices: fewer hops per broadcast. Shortcuts
 * shape the paper's emergent tree (`tree: 'emergent'`); a rooted tree has none.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { buildMesh, watchFrames } from '../node/test-mesh'
import { withSeed } from '../sim/seeded'
import { decodeFrame } from '../wire/codec'
import type { BroadcastFrame, MessageId, UpdateFrame } from '../wire/frame'
import { FrameType } from '../wire/frame-type'
import { HopShortcuts } from './hop-shortcuts'
import { DETOUR, Plumtree } from './plumtree'
import { resolvePlumtreeOptions } from './plumtree-options'

describe('HopShortcuts (§3.8)', () => {
  it('swaps after `samples` messages whose mean saving reaches the threshold', () => {
    const s = new HopShortcuts(1, 4, 64, 1_000)
    // 'p' announces four messages 'q' pushed us, saving 3, -1, 2, 0 hops: mean 1.
    const savings = [3, -1, 2, 0]
    const answers = savings.map((saved, i) => {
      s.pushed(`m${i}`, 'q', 6)
      return s.announced(100 * i, `m${i}`, 'p', 6 - saved)
    })
    expect(answers).toEqual([undefined, undefined, undefined, 'q'])
  })

  it('does not swap when one origin would gain and the others lose', () => {
    const s = new HopShortcuts(1, 4, 64, 1_000)
    const savings = [4, -2, -1, 1]
    const answers = savings.map((saved, i) => {
      s.pushed(`m${i}`, 'q', 6)
      return s.announced(100 * i, `m${i}`, 'p', 6 - saved)
    })
    expect(answers).toEqual([undefined, undefined, undefined, undefined])
  })

  it('settles: no second swap within settleMs', () => {
    const s = new HopShortcuts(1, 1, 64, 1_000)
    s.pushed('a', 'q', 6)
    expect(s.announced(0, 'a', 'p', 2)).toBe('q')
    s.pushed('b', 'p', 6)
    expect(s.announced(500, 'b', 'r', 2)).toBeUndefined()
    s.pushed('c', 'p', 6)
    expect(s.announced(1_000, 'c', 'r', 2)).toBe('p')
  })

  it('is off at threshold 0, and keeps at most `capacity` messages', () => {
    const off = new HopShortcuts(0, 1, 64, 0)
    off.pushed('a', 'q', 9)
    expect(off.announced(0, 'a', 'p', 0)).toBeUndefined()
    const small = new HopShortcuts(1, 1, 2, 0)
    for (const k of ['a', 'b', 'c']) small.pushed(k, 'q', 9)
    expect(small.announced(0, 'a', 'p', 0)).toBeUndefined() // forgotten
    expect(small.announced(0, 'c', 'p', 0)).toBe('q')
  })
})

describe('Plumtree takes a shortcut', () => {
  const o = resolvePlumtreeOptions({ shortcutSamples: 1, tree: 'emergent' })
  const id = (seq: number): MessageId => ({ origin: 'o', session: 1, seq })
  const push = (seq: number, hops: number): UpdateFrame => ({
    type: 'update',
    ...id(seq),
    hops,
    payload: new Uint8Array([seq]),
  })
  const ihave = (seq: number, hops: number): BroadcastFrame => ({
    type: 'ihave',
    ids: [{ ...id(seq), hops }],
    members: [],
  })
  function setup() {
    const sent: { to: PeerId; frame: BroadcastFrame }[] = []
    const t = new Plumtree('me', o, { send: (to, frame) => sent.push({ to, frame }), deliver: () => true })
    for (const p of ['q', 'p', 'c']) t.neighborUp(p)
    t.onFrame(0, 'p', { type: 'prune' }) // 'p' is a lazy link
    sent.splice(0)
    return { t, take: () => sent.splice(0) }
  }

  it('grafts the closer announcer without asking for the message, and prunes the tree link that pushed it', () => {
    const { t, take } = setup()
    t.onFrame(100, 'q', push(1, 6))
    take()
    t.onFrame(400, 'p', ihave(1, 3))
    expect(take()).toEqual([
      { to: 'p', frame: { type: 'graft', ids: [] } },
      { to: 'q', frame: { type: 'prune' } },
    ])
    expect(t.eagerPeers().sort()).toEqual(['c', 'p'])
    expect(t.stats.shortcuts).toBe(1)
  })

  it('an announcer whose copy took a detour is no shortcut, nor is a copy we did not get over the tree', () => {
    const { t, take } = setup()
    t.onFrame(100, 'q', push(1, 6))
    take()
    t.onFrame(400, 'p', ihave(1, 1 + DETOUR))
    // Fetched from the lazy link (a detour): it says nothing of the tree's shape.
    t.onFrame(500, 'c', ihave(2, 0))
    t.tick(500 + o.graftTimeoutMs)
    t.onFrame(1_600, 'p', push(2, 6 + DETOUR))
    t.onFrame(1_700, 'p', ihave(3, 0))
    take()
    t.onFrame(1_800, 'c', ihave(2, 0))
    expect(take()).toEqual([])
    expect(t.isEager('q')).toBe(true)
    expect(t.stats.shortcuts).toBe(0)
  })
})

/** A room of `n`, its tree built by a few broadcasts; then hop counts of first deliveries of `count` more. */
function hopCounts(seed: number, n: number, shortcutThreshold: number, count: number): number[] {
  const firstHops = new Map<string, number>()
  const hops: number[] = []
  let measuring = false
  const mesh = buildMesh({
    seed,
    n,
    joinEveryMs: 20,
    options: { shortcutThreshold, tree: 'emergent' },
    wrap: watchFrames((self, bytes) => {
      if (!measuring || bytes[1] !== FrameType.Update) return
      const d = decodeFrame(bytes)
      if (!d.ok || d.frame.type !== 'update') return
      const key = `${self} ${d.frame.origin} ${d.frame.seq}`
      if (!firstHops.has(key) && d.frame.origin !== self) {
        firstHops.set(key, (d.frame.hops % DETOUR) + 1)
        hops.push((d.frame.hops % DETOUR) + 1)
      }
    }),
  })
  mesh.net.runFor(10_000)
  // Busy room: a broadcast every 250 ms from changing origins, the tree forming meanwhile.
  for (let i = 0; i < 40; i++) {
    mesh.write(`p${(i * 37 + 5) % n}`)
    mesh.net.runFor(250)
  }
  measuring = true
  for (let i = 0; i < count; i++) {
    mesh.write(`p${(i * 53 + 11) % n}`)
    mesh.net.runFor(250)
  }
  mesh.net.runFor(5_000)
  return hops.sort((a, b) => a - b)
}

const p99 = (sorted: number[]) =>
  sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] as number

describe('Plumtree shortcuts in a room', () => {
  it('after the tree forms, a broadcast reaches a 300-peer room in fewer hops', () =>
    withSeed((seed) => {
      const n = 300
      const on = hopCounts(seed, n, 1, 20)
      const off = hopCounts(seed, n, 0, 20)
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length
      console.info(
        `n=${n} loss=0: hops P99 ${p99(on)} with shortcuts, ${p99(off)} without; mean ${mean(on).toFixed(2)} vs ${mean(off).toFixed(2)} (seed ${seed})`,
      )
      expect(on.length, `deliveries seen (seed ${seed})`).toBeGreaterThan(0.9 * 20 * (n - 1))
      expect(mean(on), `mean hops (seed ${seed})`).toBeLessThan(mean(off))
      expect(p99(on), `hops P99 (seed ${seed})`).toBeLessThanOrEqual(p99(off))
    }))
})
